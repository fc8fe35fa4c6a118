"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

# ruff: noqa: E501  (long op lines kept as Alembic generated them)
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "centers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("names", sa.JSON(), nullable=False),
        sa.Column("cities", sa.JSON(), nullable=False),
        sa.Column("services", sa.JSON(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["parent_id"], ["centers.id"], name=op.f("fk_centers_parent_id_centers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_centers")),
        sa.UniqueConstraint("slug", name=op.f("uq_centers_slug")),
    )
    op.create_table(
        "people",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("display_name", sa.String(length=120), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("opted_out", sa.Boolean(), nullable=False),
        sa.Column("opted_out_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("center_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["center_id"], ["centers.id"], name=op.f("fk_people_center_id_centers"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
        sa.UniqueConstraint("phone", name=op.f("uq_people_phone")),
    )
    op.create_table(
        "answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("flow", sa.String(length=32), nullable=False),
        sa.Column("question", sa.String(length=64), nullable=False),
        sa.Column("raw_text", sa.Text(), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_answers_person_id_people"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answers")),
    )
    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.create_index("ix_answers_person_flow", ["person_id", "flow"], unique=False)

    op.create_table(
        "channel_identities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_inbound_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("unreachable", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_channel_identities_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_identities")),
        sa.UniqueConstraint("channel", "external_id", name="uq_channel_identities_channel_external"),
    )
    with op.batch_alter_table("channel_identities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_channel_identities_person_id"), ["person_id"], unique=False)

    op.create_table(
        "conversations",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_conversations_person_id_people"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_conversations")),
    )
    op.create_table(
        "handoff_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("flow", sa.String(length=32), nullable=True),
        sa.Column("question", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_handoff_requests_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handoff_requests")),
    )
    with op.batch_alter_table("handoff_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_handoff_requests_person_id"), ["person_id"], unique=False)

    op.create_table(
        "inbound_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("platform_message_id", sa.String(length=128), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_inbound_messages_person_id_people"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_messages")),
        sa.UniqueConstraint("channel", "platform_message_id", name="uq_inbound_messages_channel_platform_id"),
    )
    op.create_table(
        "participant_profiles",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("birth_year", sa.Integer(), nullable=True),
        sa.Column("city", sa.String(length=80), nullable=True),
        sa.Column("center_id", sa.Integer(), nullable=True),
        sa.Column("out_of_work", sa.String(length=16), nullable=True),
        sa.Column("job_share", sa.Float(), nullable=True),
        sa.Column("experience_years", sa.Integer(), nullable=True),
        sa.Column("able_to_work", sa.Boolean(), nullable=True),
        sa.Column("willing_to_attend", sa.Boolean(), nullable=True),
        sa.Column("recruitment_source", sa.String(length=32), nullable=True),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["center_id"],
            ["centers.id"],
            name=op.f("fk_participant_profiles_center_id_centers"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_participant_profiles_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_participant_profiles")),
    )
    op.create_table(
        "prescreen_outcomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("center_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("referral_suggested", sa.Boolean(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["center_id"],
            ["centers.id"],
            name=op.f("fk_prescreen_outcomes_center_id_centers"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_prescreen_outcomes_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prescreen_outcomes")),
    )
    with op.batch_alter_table("prescreen_outcomes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_prescreen_outcomes_person_id"), ["person_id"], unique=False)

    op.create_table(
        "manager_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("outcome_id", sa.Integer(), nullable=False),
        sa.Column("center_id", sa.Integer(), nullable=True),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("due_by", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=120), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["center_id"],
            ["centers.id"],
            name=op.f("fk_manager_decisions_center_id_centers"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["outcome_id"],
            ["prescreen_outcomes.id"],
            name=op.f("fk_manager_decisions_outcome_id_prescreen_outcomes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_manager_decisions_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_manager_decisions")),
    )
    with op.batch_alter_table("manager_decisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_manager_decisions_person_id"), ["person_id"], unique=False)
        batch_op.create_index("ix_manager_decisions_status_center", ["status", "center_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("manager_decisions", schema=None) as batch_op:
        batch_op.drop_index("ix_manager_decisions_status_center")
        batch_op.drop_index(batch_op.f("ix_manager_decisions_person_id"))

    op.drop_table("manager_decisions")
    with op.batch_alter_table("prescreen_outcomes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_prescreen_outcomes_person_id"))

    op.drop_table("prescreen_outcomes")
    op.drop_table("participant_profiles")
    op.drop_table("inbound_messages")
    with op.batch_alter_table("handoff_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_handoff_requests_person_id"))

    op.drop_table("handoff_requests")
    op.drop_table("conversations")
    with op.batch_alter_table("channel_identities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_channel_identities_person_id"))

    op.drop_table("channel_identities")
    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.drop_index("ix_answers_person_flow")

    op.drop_table("answers")
    op.drop_table("people")
    op.drop_table("centers")
