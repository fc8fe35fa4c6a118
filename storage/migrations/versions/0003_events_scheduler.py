"""events, sign-ups, personal meetings, scheduled jobs (due work) and staff tasks

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

# ruff: noqa: E501  (long op lines kept as Alembic generated them)
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("center_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("titles", sa.JSON(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("track", sa.String(length=16), nullable=False),
        sa.Column("signup_required", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("first_starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["center_id"], ["centers.id"], name=op.f("fk_events_center_id_centers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index("ix_events_center_status", ["center_id", "status"], unique=False)

    op.create_table(
        "event_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_event_sessions_event_id_events"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_sessions")),
    )
    with op.batch_alter_table("event_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_sessions_event_id"), ["event_id"], unique=False)

    op.create_table(
        "meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("promoter", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("reschedule_reason", sa.Text(), nullable=True),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_meetings_person_id_people"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meetings")),
    )
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meetings_person_id"), ["person_id"], unique=False)

    op.create_table(
        "scheduled_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("subject", sa.String(length=32), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("scheduled_for", sa.DateTime(timezone=True), nullable=False),
        sa.Column("not_after", sa.DateTime(timezone=True), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=128), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=True),
        sa.Column("last_error", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_scheduled_jobs_person_id_people"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheduled_jobs")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_scheduled_jobs_dedupe_key")),
    )
    with op.batch_alter_table("scheduled_jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_scheduled_jobs_person_id"), ["person_id"], unique=False)
        batch_op.create_index("ix_scheduled_jobs_state_due", ["state", "due_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_scheduled_jobs_subject"), ["subject"], unique=False)

    op.create_table(
        "signups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("offer_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attendance_answer", sa.String(length=16), nullable=True),
        sa.Column("attendance_answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_signups_event_id_events"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_signups_person_id_people"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signups")),
        sa.UniqueConstraint("event_id", "person_id", name="uq_signups_event_person"),
    )
    with op.batch_alter_table("signups", schema=None) as batch_op:
        batch_op.create_index("ix_signups_event_status", ["event_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_signups_person_id"), ["person_id"], unique=False)

    op.create_table(
        "staff_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("center_id", sa.Integer(), nullable=True),
        sa.Column("assignee", sa.String(length=120), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["center_id"], ["centers.id"], name=op.f("fk_staff_tasks_center_id_centers"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_staff_tasks_person_id_people"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_tasks")),
    )
    with op.batch_alter_table("staff_tasks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_tasks_person_id"), ["person_id"], unique=False)
        batch_op.create_index("ix_staff_tasks_status_center", ["status", "center_id"], unique=False)

    with op.batch_alter_table("participant_profiles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("track", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("participant_profiles", schema=None) as batch_op:
        batch_op.drop_column("track")

    with op.batch_alter_table("staff_tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_staff_tasks_status_center")
        batch_op.drop_index(batch_op.f("ix_staff_tasks_person_id"))

    op.drop_table("staff_tasks")
    with op.batch_alter_table("signups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_signups_person_id"))
        batch_op.drop_index("ix_signups_event_status")

    op.drop_table("signups")
    with op.batch_alter_table("scheduled_jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scheduled_jobs_subject"))
        batch_op.drop_index("ix_scheduled_jobs_state_due")
        batch_op.drop_index(batch_op.f("ix_scheduled_jobs_person_id"))

    op.drop_table("scheduled_jobs")
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meetings_person_id"))

    op.drop_table("meetings")
    with op.batch_alter_table("event_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_sessions_event_id"))

    op.drop_table("event_sessions")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_center_status")

    op.drop_table("events")
