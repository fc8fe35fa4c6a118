"""people.staff_center_id: the center a staff member works at (their role is people.role)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

# ruff: noqa: E501  (long op lines kept as Alembic generated them)
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("staff_center_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_people_staff_center_id_centers"),
            "centers",
            ["staff_center_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_people_staff_center_id_centers"), type_="foreignkey")
        batch_op.drop_column("staff_center_id")
