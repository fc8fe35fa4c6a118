"""handoff_requests: the center, and who closed the request, when and with what note (the staff queue)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26
"""

# ruff: noqa: E501  (long op lines kept as Alembic generated them)
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("handoff_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("center_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("closed_by", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("note", sa.Text(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_handoff_requests_center_id_centers"),
            "centers",
            ["center_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_index("ix_handoff_requests_status_center", ["status", "center_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("handoff_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_handoff_requests_status_center")
        batch_op.drop_constraint(batch_op.f("fk_handoff_requests_center_id_centers"), type_="foreignkey")
        batch_op.drop_column("note")
        batch_op.drop_column("closed_by")
        batch_op.drop_column("closed_at")
        batch_op.drop_column("center_id")
