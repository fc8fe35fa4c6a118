"""Outbound messages on platforms that report delivery (WhatsApp): what was sent or held, and
the status the platform last reported. Bodies are never stored: a row says what kind of message
went to whom, as which template, and what became of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from storage.db import locked
from storage.models import ChannelIdentity, OutboundMessage, Person

# Twilio's statuses in the order a message goes through them: a late callback for an earlier
# status ("sent" arriving after "delivered") does not move a message back.
PROGRESS = {"accepted": 0, "scheduled": 0, "queued": 1, "sending": 2, "sent": 3, "delivered": 4, "read": 5}
FINAL = {"failed", "undelivered", "canceled", "held", "error"}
# Handed to the platform but not yet out of it: what the outbox still has to see through.
UNSENT = tuple(status for status, rank in PROGRESS.items() if rank < PROGRESS["sent"])


def record_outbound(
    session: Session,
    *,
    person_id: int | None,
    channel: str,
    kind: str,
    status: str,
    now: datetime,
    platform_message_id: str | None = None,
    template: str | None = None,
    reference: str | None = None,
    error_code: str | None = None,
) -> OutboundMessage:
    if platform_message_id is not None:
        # A status callback can overtake the sender's own record: complete the row it started.
        early = session.scalar(
            select(OutboundMessage).where(OutboundMessage.platform_message_id == platform_message_id)
        )
        if early is not None:
            early.person_id, early.channel, early.kind = person_id, channel, kind[:64]
            early.template, early.reference = template, (reference or None) and reference[:64]
            _advance(early, status, error_code)
            return early
    row = OutboundMessage(
        platform_message_id=platform_message_id,
        person_id=person_id,
        channel=channel,
        kind=kind[:64],
        template=template,
        reference=(reference or None) and reference[:64],
        status=status,
        error_code=error_code,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    return row


def record_status(
    session: Session,
    platform_message_id: str,
    status: str,
    error_code: str | None,
    now: datetime,
    channel: str = "whatsapp",
) -> OutboundMessage:
    """A status callback: update the message's status (never backwards). A message not recorded
    yet (the callback came first) gets a row that the sender completes."""
    row = session.scalar(
        select(OutboundMessage)
        .where(OutboundMessage.platform_message_id == platform_message_id)
        .with_for_update()
    )
    if row is None:
        return record_outbound(
            session,
            person_id=None,
            channel=channel,
            kind="unknown",
            status=status[:16],
            now=now,
            platform_message_id=platform_message_id,
            error_code=error_code,
        )
    _advance(row, status, error_code)
    row.updated_at = now
    return row


def _advance(row: OutboundMessage, status: str, error_code: str | None) -> None:
    forward = status in FINAL or PROGRESS.get(status, -1) >= PROGRESS.get(row.status, -1)
    if row.status not in FINAL and forward:
        row.status = status[:16]
    if error_code:
        row.error_code = error_code[:16]


def held_messages(session: Session, since: datetime | None = None) -> list[OutboundMessage]:
    """Messages that did not reach the person because of the 24-hour window: held on purpose (no
    template) or refused by WhatsApp as outside it (63016). Oldest first; for staff."""
    query = select(OutboundMessage).where(
        (OutboundMessage.status == "held") | (OutboundMessage.error_code == "63016")
    )
    if since is not None:
        query = query.where(OutboundMessage.created_at >= since)
    return list(session.scalars(query.order_by(OutboundMessage.created_at, OutboundMessage.id)))


def mark_unsubscribed(session: Session, person_id: int, channel: str, now: datetime) -> None:
    """The platform said the person unsubscribed (Twilio 21610): opted out, and this channel
    cannot reach them until they write again."""
    person = locked(session, Person, person_id)
    if person is not None and not person.opted_out:
        person.opted_out = True
        person.opted_out_at = now
    session.execute(
        update(ChannelIdentity)
        .where(ChannelIdentity.person_id == person_id, ChannelIdentity.channel == channel)
        .values(unreachable=True)
    )


def mark_unreachable(session: Session, channel: str, external_id: str) -> None:
    """The platform says this address cannot be reached (a blocked bot, a number not on WhatsApp)."""
    session.execute(
        update(ChannelIdentity)
        .where(ChannelIdentity.channel == channel, ChannelIdentity.external_id == external_id)
        .values(unreachable=True)
    )


def last_status(session: Session, reference: str) -> str | None:
    """What the platform last reported of the newest message sent for `reference` ("job:12")."""
    return session.scalar(
        select(OutboundMessage.status)
        .where(OutboundMessage.reference == reference)
        .order_by(OutboundMessage.id.desc())
        .limit(1)
    )


@dataclass(frozen=True)
class Gate:
    """What decides whether a proactive message may go to a person on a channel."""

    opted_out: bool
    unreachable: bool
    last_inbound_at: datetime | None


def proactive_gate(session: Session, person_id: int, channel: str, external_id: str) -> Gate | None:
    """None when the person has no such identity (deleted, or merged away)."""
    row = session.execute(
        select(Person.opted_out, ChannelIdentity.unreachable, ChannelIdentity.last_inbound_at)
        .join(ChannelIdentity, ChannelIdentity.person_id == Person.id)
        .where(
            Person.id == person_id,
            ChannelIdentity.channel == channel,
            ChannelIdentity.external_id == external_id,
        )
    ).first()
    return Gate(bool(row[0]), bool(row[1]), row[2]) if row is not None else None


def depth(session: Session, now: datetime) -> tuple[int, float | None]:
    """The outbox's depth for `/metrics`: how many messages are not out yet (not final, not sent),
    and the age in seconds of the oldest of them (None when there is none). One statement, on the
    (status, created_at) index."""
    count, oldest = session.execute(
        select(func.count(), func.min(OutboundMessage.created_at)).where(OutboundMessage.status.in_(UNSENT))
    ).one()
    return int(count), (now - oldest).total_seconds() if oldest is not None else None
