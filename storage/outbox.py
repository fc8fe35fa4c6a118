"""Outbound messages on platforms that report delivery (WhatsApp): what was sent or held, and
the status the platform last reported. Bodies are never stored: a row says what kind of message
went to whom, as which template, and what became of it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.models import ChannelIdentity, OutboundMessage, Person

# Twilio's statuses in the order a message goes through them: a late callback for an earlier
# status ("sent" arriving after "delivered") does not move a message back.
PROGRESS = {"accepted": 0, "scheduled": 0, "queued": 1, "sending": 2, "sent": 3, "delivered": 4, "read": 5}
FINAL = {"failed", "undelivered", "canceled", "held", "error"}


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
    row = OutboundMessage(
        platform_message_id=platform_message_id, person_id=person_id, channel=channel, kind=kind[:64],
        template=template, reference=(reference or None) and reference[:64], status=status,
        error_code=error_code, created_at=now, updated_at=now,
    )
    session.add(row)
    session.flush()
    return row


def record_status(
    session: Session, platform_message_id: str, status: str, error_code: str | None, now: datetime
) -> OutboundMessage | None:
    """A status callback: update the message's status (never backwards). None for an unknown id."""
    row = session.scalar(
        select(OutboundMessage).where(OutboundMessage.platform_message_id == platform_message_id)
        .with_for_update()
    )
    if row is None:
        return None
    forward = status in FINAL or PROGRESS.get(status, -1) >= PROGRESS.get(row.status, -1)
    if row.status not in FINAL and forward:
        row.status = status[:16]
    if error_code:
        row.error_code = error_code[:16]
    row.updated_at = now
    return row


def held_messages(session: Session, since: datetime | None = None) -> list[OutboundMessage]:
    """Messages not sent on purpose (no template outside the window), oldest first: for staff."""
    query = select(OutboundMessage).where(OutboundMessage.status == "held")
    if since is not None:
        query = query.where(OutboundMessage.created_at >= since)
    return list(session.scalars(query.order_by(OutboundMessage.created_at, OutboundMessage.id)))


def mark_unsubscribed(session: Session, person_id: int, channel: str, now: datetime) -> None:
    """The platform said the person unsubscribed (Twilio 21610): opted out, and this channel
    cannot reach them until they write again."""
    person = session.get(Person, person_id, with_for_update=True)
    if person is not None and not person.opted_out:
        person.opted_out = True
        person.opted_out_at = now
    session.execute(
        update(ChannelIdentity)
        .where(ChannelIdentity.person_id == person_id, ChannelIdentity.channel == channel)
        .values(unreachable=True)
    )
