"""homework: tasks between meetings that a promoter gives a participant, and the participant's word on them

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

# ruff: noqa: E501  (long op lines kept as Alembic generated them)
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "homework",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("target_count", sa.Integer(), nullable=True),
        sa.Column("progress", sa.Integer(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("assigned_by", sa.String(length=120), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("overdue_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_homework_person_id_people"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_homework")),
    )
    with op.batch_alter_table("homework", schema=None) as batch_op:
        batch_op.create_index("ix_homework_status_due", ["status", "due_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_homework_person_id"), ["person_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("homework", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_homework_person_id"))
        batch_op.drop_index("ix_homework_status_due")
    op.drop_table("homework")
