"""hosted_files: files WhatsApp fetches by URL (a sign-up's calendar file), until they expire

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

# ruff: noqa: E501  (long op lines kept as Alembic generated them)
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hosted_files",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=120), nullable=False),
        sa.Column("mime_type", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_hosted_files")),
    )
    with op.batch_alter_table("hosted_files", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hosted_files_expires_at"), ["expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("hosted_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hosted_files_expires_at"))

    op.drop_table("hosted_files")
