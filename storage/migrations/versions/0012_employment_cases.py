"""employment periods from the status surveys, and the events of a participant's case (closed,
reopened, graduated)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

# ruff: noqa: E501  (long op lines kept as Alembic generated them)
import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "employment_periods",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("occupation_code", sa.String(length=8), nullable=True),
        sa.Column("occupation_text", sa.Text(), nullable=True),
        sa.Column("percent", sa.Integer(), nullable=True),
        sa.Column("salary_low", sa.Integer(), nullable=True),
        sa.Column("salary_high", sa.Integer(), nullable=True),
        sa.Column("found_via", sa.String(length=16), nullable=True),
        sa.Column("survey_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_employment_periods_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employment_periods")),
    )
    with op.batch_alter_table("employment_periods", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_employment_periods_person_id"), ["person_id"], unique=False)

    op.create_table(
        "case_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("by", sa.String(length=120), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_case_events_person_id_people"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_events")),
    )
    with op.batch_alter_table("case_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_events_person_id"), ["person_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("case_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_events_person_id"))
    op.drop_table("case_events")
    with op.batch_alter_table("employment_periods", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_employment_periods_person_id"))
    op.drop_table("employment_periods")
