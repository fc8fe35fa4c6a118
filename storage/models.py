"""The shared database: centers, people and their channels, conversations, answers and outcomes.

Only what a flow asks is stored. Message bodies are never stored outside `answers.raw_text`
(the reply to a question, which staff need); the inbound log keeps ids only.
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
    MetaData,
    String,
    Text,
    UniqueConstraint,
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
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    opted_out_at: Mapped[datetime | None]
    role: Mapped[str] = mapped_column(String(20), default="participant")
    center_id: Mapped[int | None] = mapped_column(ForeignKey("centers.id", ondelete="SET NULL"))

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
    """"Talk to a person": a request in the staff queue."""

    __tablename__ = "handoff_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    flow: Mapped[str | None] = mapped_column(String(32))
    question: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime]


class InboundMessage(Base):
    """Every inbound update by its platform id, so that a redelivery is processed once. No bodies."""

    __tablename__ = "inbound_messages"
    __table_args__ = (
        UniqueConstraint("channel", "platform_message_id", name="uq_inbound_messages_channel_platform_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    platform_message_id: Mapped[str] = mapped_column(String(128))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))
    received_at: Mapped[datetime]


class OutboundMessage(Base):
    """One message the assistant sent (or held back) on a platform that reports delivery, by the
    platform's id: its kind and the delivery status the platform last reported. No bodies.

    status: queued, sent, delivered, read, failed, undelivered (from the platform), or held (not
    sent on purpose: outside WhatsApp's 24-hour window with no approved template) and error (the
    platform refused it at once; `error_code` says why).
    """

    __tablename__ = "outbound_messages"
    __table_args__ = (Index("ix_outbound_messages_status_created", "status", "created_at"),)

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
