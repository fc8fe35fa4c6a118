"""people.phone_verified: a number the platform vouched for, which alone may join two people

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

# ruff: noqa: E501  (long op lines kept as Alembic generated them)
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("phone_verified", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_column("phone_verified")
