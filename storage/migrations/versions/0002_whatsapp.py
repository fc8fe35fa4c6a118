"""whatsapp: outbound messages and their delivery status

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

# ruff: noqa: E501  (long op lines kept as Alembic generated them)
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbound_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_message_id", sa.String(length=64), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("template", sa.String(length=64), nullable=True),
        sa.Column("reference", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error_code", sa.String(length=16), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_outbound_messages_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_messages")),
        sa.UniqueConstraint("platform_message_id", name=op.f("uq_outbound_messages_platform_message_id")),
    )
    with op.batch_alter_table("outbound_messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbound_messages_person_id"), ["person_id"], unique=False)
        batch_op.create_index("ix_outbound_messages_status_created", ["status", "created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbound_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_outbound_messages_status_created")
        batch_op.drop_index(batch_op.f("ix_outbound_messages_person_id"))

    op.drop_table("outbound_messages")
