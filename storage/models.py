"""The shared database: centers, people and their channels, conversations, answers and outcomes.

Only what a flow asks is stored. Message bodies are never stored outside `answers.raw_text`
(the reply to a question, which staff need); the inbound log keeps ids only, except for a WhatsApp
message between its webhook and its step (`InboundMessage.fields`, cleared by the step).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, on SQLite (which keeps no zone) as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime stored; pass an aware one")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class Center(Base):
    __tablename__ = "centers"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    names: Mapped[dict[str, Any]]
    cities: Mapped[list[Any]]
    services: Mapped[list[Any]]
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("centers.id"))


class Person(Base):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime]
    language: Mapped[str] = mapped_column(String(8), default="he")
    display_name: Mapped[str | None] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)
    # The platform vouched for the number (WhatsApp's sender, Telegram's own-contact button), rather
    # than someone typing it: only a vouched-for number joins two people into one.
    phone_verified: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    opted_out_at: Mapped[datetime | None]
    role: Mapped[str] = mapped_column(String(20), default="participant")  # or manager | router | promoter
    center_id: Mapped[int | None] = mapped_column(ForeignKey("centers.id", ondelete="SET NULL"))
    # Staff: the center they work at (`midway staff add`); not the center they would attend.
    staff_center_id: Mapped[int | None] = mapped_column(ForeignKey("centers.id", ondelete="SET NULL"))

    identities: Mapped[list[ChannelIdentity]] = relationship(
        back_populates="person", cascade="all, delete-orphan", passive_deletes=True
    )


class ChannelIdentity(Base):
    """How one person is reached on one channel (a Telegram user id, a WhatsApp number...)."""

    __tablename__ = "channel_identities"
    __table_args__ = (
        UniqueConstraint("channel", "external_id", name="uq_channel_identities_channel_external"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    last_inbound_at: Mapped[datetime | None]
    unreachable: Mapped[bool] = mapped_column(Boolean, default=False)

    person: Mapped[Person] = relationship(back_populates="identities")


class ParticipantProfile(Base):
    __tablename__ = "participant_profiles"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    birth_year: Mapped[int | None] = mapped_column(Integer)
    city: Mapped[str | None] = mapped_column(String(80))
    center_id: Mapped[int | None] = mapped_column(ForeignKey("centers.id", ondelete="SET NULL"))
    out_of_work: Mapped[str | None] = mapped_column(String(16))
    job_share: Mapped[float | None] = mapped_column(Float)
    experience_years: Mapped[int | None] = mapped_column(Integer)
    able_to_work: Mapped[bool | None] = mapped_column(Boolean)
    willing_to_attend: Mapped[bool | None] = mapped_column(Boolean)
    recruitment_source: Mapped[str | None] = mapped_column(String(32))
    track: Mapped[str | None] = mapped_column(String(16))  # employees | self_employed | all (events)
    joined_at: Mapped[datetime | None]  # became a participant: eligible, or approved by the manager
    updated_at: Mapped[datetime]


class Conversation(Base):
    """Where each person stands in the conversation (a `flows.State` as JSON)."""

    __tablename__ = "conversations"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    state: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime]


class Answer(Base):
    __tablename__ = "answers"
    __table_args__ = (Index("ix_answers_person_flow", "person_id", "flow"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    flow: Mapped[str] = mapped_column(String(32))
    question: Mapped[str] = mapped_column(String(64))
    raw_text: Mapped[str] = mapped_column(Text)
    value: Mapped[Any] = mapped_column(JSON)
    answered_at: Mapped[datetime]


class PrescreenOutcome(Base):
    __tablename__ = "prescreen_outcomes"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    center_id: Mapped[int | None] = mapped_column(ForeignKey("centers.id", ondelete="SET NULL"))
    outcome: Mapped[str] = mapped_column(String(20))
    reasons: Mapped[list[Any]]
    referral_suggested: Mapped[bool] = mapped_column(Boolean, default=False)
    decided_at: Mapped[datetime]


class ManagerDecision(Base):
    """A borderline case waiting for (or decided by) the center manager."""

    __tablename__ = "manager_decisions"
    __table_args__ = (Index("ix_manager_decisions_status_center", "status", "center_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    outcome_id: Mapped[int] = mapped_column(ForeignKey("prescreen_outcomes.id", ondelete="CASCADE"))
    center_id: Mapped[int | None] = mapped_column(ForeignKey("centers.id", ondelete="SET NULL"))
    reasons: Mapped[list[Any]]
    status: Mapped[str] = mapped_column(String(16), default="pending")
    due_by: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(120))
    note: Mapped[str | None] = mapped_column(Text)


class HandoffRequest(Base):
    """ "Talk to a person": a request in the staff queue (`midway handoffs`, the staff chat), with a
    "call them" task beside it (`staff_tasks.reference` = "handoff:<id>"). status: open | done."""

    __tablename__ = "handoff_requests"
    __table_args__ = (Index("ix_handoff_requests_status_center", "status", "center_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    flow: Mapped[str | None] = mapped_column(String(32))
    question: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime]
    # the person's center when they asked (None: not known yet; then their center when listed)
    center_id: Mapped[int | None] = mapped_column(ForeignKey("centers.id", ondelete="SET NULL"))
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[str | None] = mapped_column(String(120))
    note: Mapped[str | None] = mapped_column(Text)


class InboundMessage(Base):
    """Every inbound update by its platform id, so that a redelivery is processed once.

    state: done (stepped, or logged by the step itself: Telegram polling) | pending (kept before the
    platform got its answer, not stepped yet: WhatsApp, Telegram's webhook, `storage/inbox.py`) |
    failed (its step failed; the person got an apology). Only a pending row holds the message
    (`fields`: its text, the sender's number; the Telegram update's JSON); the step that takes it
    clears them in its own transaction."""

    __tablename__ = "inbound_messages"
    __table_args__ = (
        UniqueConstraint("channel", "platform_message_id", name="uq_inbound_messages_channel_platform_id"),
        Index("ix_inbound_messages_state_received", "state", "received_at"),
        # a sender's kept messages not stepped yet, in the order they came (`storage.inbox.earlier`)
        Index(
            "ix_inbound_messages_pending_sender",
            "channel",
            "sender",
            "id",
            postgresql_where=text("state = 'pending'"),
            sqlite_where=text("state = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    platform_message_id: Mapped[str] = mapped_column(String(128))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))
    received_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(16), default="done", server_default="done")
    fields: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    # who sent a pending row (the channel's external id), cleared with `fields` by its step
    sender: Mapped[str | None] = mapped_column(String(64))


class OutboundMessage(Base):
    """The outbox: one message to one person on one platform (one platform call: a long reply is
    several rows), written in the transaction of the step or job that produced it, then delivered
    (`bot/delivery.py`). `payload` holds the rendered call (text, buttons, the address) only until
    it is settled, then it is cleared: what stays says what kind of message went to whom, as which
    template, and what became of it. No bodies once sent.

    status: pending (to send; `due_at` says when), sending (claimed by a process until
    `lease_until`), then sent (`platform_message_id`; on WhatsApp Twilio's status follows: queued,
    sent, delivered, read, failed, undelivered), failed (`error_code`: the platform's), held (not
    sent on purpose: outside WhatsApp's 24-hour window with no approved template), expired (its
    moment passed, `not_after`), or error (the platform refused it at once).
    One person's rows go out in `id` order; `priority` 0 (a reply to someone typing) before 1 (bulk).
    """

    __tablename__ = "outbound_messages"
    __table_args__ = (
        Index("ix_outbound_messages_status_created", "status", "created_at"),
        Index("ix_outbound_messages_status_due", "status", "priority", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_message_id: Mapped[str | None] = mapped_column(String(64), unique=True)  # Twilio's SM…/MM…
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(64))  # "reply", or a proactive kind ("reminder.event")
    template: Mapped[str | None] = mapped_column(String(64))  # the Content SID, when sent as a template
    reference: Mapped[str | None] = mapped_column(String(64))  # the due row it came from ("job:42")
    status: Mapped[str] = mapped_column(String(16))
    error_code: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    priority: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    due_at: Mapped[datetime | None]
    lease_until: Mapped[datetime | None]
    not_after: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(64))  # the process sending it (`processes`)


class HostedFile(Base):
    """A file a platform fetches by URL (WhatsApp's media: the calendar file of a sign-up), served
    at `/files/<token>/<filename>` until `expires_at`. Found by the SHA-256 of the URL's random
    token, so the database alone does not give the address. Linked to no person: it holds what the
    file holds (an event's title, times and place), nothing about who received it."""

    __tablename__ = "hosted_files"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    filename: Mapped[str] = mapped_column(String(120))
    mime_type: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)


# ---- events, sign-ups, personal meetings, due work (issue 4) ----------------------------------
class Event(Base):
    """A group service of one center (catalog in docs): one sign-up covers all its sessions."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_center_status", "center_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("centers.id"))
    kind: Mapped[str] = mapped_column(String(32))
    titles: Mapped[dict[str, Any]]  # language → title (data, not catalog keys)
    capacity: Mapped[int | None] = mapped_column(Integer)  # None: no limit
    track: Mapped[str] = mapped_column(String(16), default="all")  # employees | self_employed | all
    signup_required: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | cancelled
    first_starts_at: Mapped[datetime]  # the first session's start, for listing upcoming events
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    sessions: Mapped[list[EventSession]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="EventSession.starts_at"
    )


class EventSession(Base):
    __tablename__ = "event_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime | None]
    place: Mapped[str] = mapped_column(String(200), default="")

    event: Mapped[Event] = relationship(back_populates="sessions")


class Signup(Base):
    """One person on one event. status: confirmed | waitlisted | offered (promoted from the waitlist,
    the seat held until `offer_expires_at`) | cancelled. Seats taken = confirmed + offered."""

    __tablename__ = "signups"
    __table_args__ = (
        UniqueConstraint("event_id", "person_id", name="uq_signups_event_person"),
        Index("ix_signups_event_status", "event_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    queued_at: Mapped[datetime]  # waitlist order (with id)
    offer_expires_at: Mapped[datetime | None]
    attendance_answer: Mapped[str | None] = mapped_column(String(16))  # "coming" | "not_coming"
    attendance_answered_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Meeting(Base):
    """A personal meeting a promoter scheduled. status: scheduled | confirmed | reschedule_requested |
    cancelled (by the person) | cancelled_by_staff | attended | late_not_admitted | no_show."""

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    promoter: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(16), default="personal")  # personal | intake
    starts_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(24), default="scheduled")
    reschedule_reason: Mapped[str | None] = mapped_column(Text)
    responded_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ScheduledJob(Base):
    """Due work: one row per message to send later. state: pending | claimed (by a scheduler, until
    `lease_until`) | sent | failed | dropped (no longer relevant) | held (could not go out; a staff
    task was made). `due_at` is when a scheduler should look at the row next: for a claimed row it
    equals `lease_until`, so one index (state, due_at) finds both due work and expired claims."""

    __tablename__ = "scheduled_jobs"
    __table_args__ = (Index("ix_scheduled_jobs_state_due", "state", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    subject: Mapped[str | None] = mapped_column(String(32), index=True)  # "event:12", "meeting:5"
    due_at: Mapped[datetime]
    scheduled_for: Mapped[datetime]  # when it was first due (latency, reports)
    not_after: Mapped[datetime | None]  # past this (the event started) it is dropped, not sent
    state: Mapped[str] = mapped_column(String(16), default="pending")
    lease_until: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(64))  # the process holding the claim
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    payload: Mapped[dict[str, Any]]
    dedupe_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    channel: Mapped[str | None] = mapped_column(String(16))  # where it went (or was last tried)
    last_error: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class StaffTask(Base):
    """Work for a person on staff: "call them" when a reminder could not get through."""

    __tablename__ = "staff_tasks"
    __table_args__ = (Index("ix_staff_tasks_status_center", "status", "center_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    center_id: Mapped[int | None] = mapped_column(ForeignKey("centers.id", ondelete="SET NULL"))
    assignee: Mapped[str | None] = mapped_column(String(120))  # the person's promoter, when known
    kind: Mapped[str] = mapped_column(String(16), default="call")
    reason: Mapped[str] = mapped_column(String(64))
    reference: Mapped[str | None] = mapped_column(String(64))  # "job:42"
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime]
    done_at: Mapped[datetime | None]


class Homework(Base):
    """A task between meetings that a promoter gave a participant (not staff's "call them" tasks).
    status: open | partly (in progress, a new date) | help (asked their promoter) | done | dropped
    (not relevant any more). `overdue_since`: the check-in and its reminder went unanswered."""

    __tablename__ = "homework"
    __table_args__ = (Index("ix_homework_status_due", "status", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # flows.homework.TASKS, or "free"
    text: Mapped[str | None] = mapped_column(Text)
    target_count: Mapped[int | None]
    progress: Mapped[int | None]
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open")
    assigned_by: Mapped[str | None] = mapped_column(String(120))
    note: Mapped[str | None] = mapped_column(Text)  # the participant's note for the promoter
    overdue_since: Mapped[datetime | None]
    reported_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


# ---- employment history and the case (issue 12) ----------------------------------------------------
class EmploymentPeriod(Base):
    """One job a participant held, from the status surveys (`storage/employment.record_report`),
    corrected by later answers. `ends_on` None: still held at the last report. The salary (a number:
    low == high, or a range) only when the person gave it; shown only to staff whose role allows it.
    An occupation text with no code: "none of these", for staff to classify (`midway occupations`)."""

    __tablename__ = "employment_periods"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    occupation_code: Mapped[str | None] = mapped_column(String(8))  # ISCO-08 unit group
    occupation_text: Mapped[str | None] = mapped_column(Text)
    percent: Mapped[int | None] = mapped_column(Integer)  # job percentage
    salary_low: Mapped[int | None] = mapped_column(Integer)  # monthly, shekels
    salary_high: Mapped[int | None] = mapped_column(Integer)
    found_via: Mapped[str | None] = mapped_column(String(16))  # self | program
    survey_id: Mapped[int | None] = mapped_column(Integer)  # the survey that reported it first
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class CaseEvent(Base):
    """What staff did to a participant's case, and when the program told them they graduated.
    action: closed (a `reason`: no_cooperation | moved_away | other) | reopened | graduated (the
    graduation message went out). Whether a case is open is read from these, the employment
    periods and the program's maximum time (`storage/cases.py`, `flows/cases/`)."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
    by: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime]


class Survey(Base):
    """One employment-status survey of a person (flows/survey). `period`: the first month of the
    cadence period it belongs to ("2026-10"); `source`: quarterly (the cadence) | manual (`midway
    survey send`) | found_job ("I found a job! 🎉" from the menu). status: invited | answered |
    expired | opted_out (they wrote "stop": their promoter got a "call them" task instead).
    `answers`: what they answered (kept when it expires unfinished); `report`: the
    `flows.employment.JobReport` of a complete one, as JSON."""

    __tablename__ = "surveys"
    __table_args__ = (
        Index("ix_surveys_status_expires", "status", "expires_at"),
        Index("ix_surveys_period_center", "period", "center_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    center_id: Mapped[int | None] = mapped_column(ForeignKey("centers.id", ondelete="SET NULL"))
    period: Mapped[str] = mapped_column(String(7))
    source: Mapped[str] = mapped_column(String(16), default="quarterly")
    status: Mapped[str] = mapped_column(String(16), default="invited")
    due_on: Mapped[date] = mapped_column(Date)
    expires_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    expired_at: Mapped[datetime | None]
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Process(Base):
    """A running `midway serve` or `midway run`: it writes `seen_at` every few seconds
    (`bot/presence.py`). The live ones share the platforms' sending limits (each paces at its part);
    one gone quiet (or, on the same host, whose pid is gone) is taken as dead: the rows it was
    sending and the jobs it claimed are released at once, not after their leases."""

    __tablename__ = "processes"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # host:pid:random
    host: Mapped[str] = mapped_column(String(64))
    pid: Mapped[int] = mapped_column(Integer)
    channels: Mapped[str] = mapped_column(String(64))  # those it sends on, comma-separated
    started_at: Mapped[datetime]
    seen_at: Mapped[datetime]
