"""inbound_messages.state and .fields: a WhatsApp message kept before Twilio's answer, until its step

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26
"""

# ruff: noqa: E501  (long op lines kept as Alembic generated them)
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inbound_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("state", sa.String(length=16), server_default="done", nullable=False))
        batch_op.add_column(sa.Column("fields", sa.JSON(none_as_null=True), nullable=True))
        batch_op.create_index("ix_inbound_messages_state_received", ["state", "received_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("inbound_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_inbound_messages_state_received")
        batch_op.drop_column("fields")
        batch_op.drop_column("state")
