"""Messages kept before they are stepped: WhatsApp answers Twilio before the step, so the message
is stored first, or a crash between the answer and the step would lose it (Twilio does not send a
webhook again once it got 200). Telegram's webhook does the same (fields: the update's JSON).

    webhook ──▶ keep()     one short transaction: the row `pending`, with the form fields the
                           message is rebuilt from (its text, the sender's number) ──▶ 200 to Twilio
    the step ─▶ take()     inside the step's own transaction: `pending` → `done`, the fields cleared
                give_up()  the step failed (the person got an apology): `failed`, the fields cleared
    start-up, and every minute ─▶ waiting(): pending rows, in the order they came

One sender's messages are stepped in the order they were kept, whichever process received them:
each step holds the sender's lock (`repo.find_or_create_person`, PostgreSQL) and first asks for
`earlier()` kept rows of the same sender still pending; the dispatcher steps those first.

The rows are the inbound log's (`inbound_messages`, unique per channel and platform id): a
redelivered id is refused by `keep`, and `take` changes a row only while it is pending, in the
transaction that stores the step, so a message is stepped at most once however many processes try.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, bindparam, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.models import InboundMessage

PENDING, DONE, FAILED = "pending", "done", "failed"

# (bound names other than the columns': an UPDATE reserves those for its SET clause)
_PENDING_ROW = (
    update(InboundMessage)
    .where(
        InboundMessage.channel == bindparam("in_channel"),
        InboundMessage.platform_message_id == bindparam("in_id"),
        InboundMessage.state == PENDING,
    )
    .execution_options(synchronize_session=False)
)


def _keep_statement(insert: Any) -> Any:
    columns = ("channel", "platform_message_id", "kind", "received_at", "fields", "sender")
    return (
        insert(InboundMessage)
        .values(state=PENDING, **{c: bindparam(c) for c in columns})
        .on_conflict_do_nothing(index_elements=["channel", "platform_message_id"])
        .returning(InboundMessage.id)
    )


# built once: they run on every WhatsApp message
_KEEP = {"postgresql": _keep_statement(pg_insert), "sqlite": _keep_statement(sqlite_insert)}
_TAKE = _PENDING_ROW.values(
    state=DONE, fields=None, sender=None, kind=bindparam("to_kind"), person_id=bindparam("to_person")
)
_GIVE_UP = _PENDING_ROW.values(state=FAILED, fields=None, sender=None)
_OWN_ROW = (
    select(InboundMessage.id)
    .where(
        InboundMessage.channel == bindparam("channel"),
        InboundMessage.platform_message_id == bindparam("platform_id"),
    )
    .scalar_subquery()
)
_EARLIER = (
    select(InboundMessage.platform_message_id, InboundMessage.fields, InboundMessage.received_at)
    .where(
        InboundMessage.state == PENDING,
        InboundMessage.channel == bindparam("channel"),
        InboundMessage.sender == bindparam("sender"),
        InboundMessage.id < _OWN_ROW,
    )
    .order_by(InboundMessage.id)
)


def keep(
    session: Session,
    channel: str,
    platform_id: str,
    kind: str,
    fields: dict[str, Any],
    now: datetime,
    sender: str | None = None,
) -> bool:
    """Store a message to step later; False when this (channel, id) is known (a redelivery).
    `sender`: the channel's id of who sent it, for `earlier`."""
    statement = _KEEP[session.get_bind().dialect.name]
    values = {
        "channel": channel,
        "platform_message_id": platform_id,
        "kind": kind,
        "received_at": now,
        "fields": fields,
        "sender": sender,
    }
    return session.connection().execute(statement, values).first() is not None


def take(session: Session, channel: str, platform_id: str, kind: str, person_id: int) -> bool:
    """In the step's transaction: the kept message is done, its fields cleared. False when it is not
    pending any more (stepped already, by this process or another): the step must not go on.

    On PostgreSQL a concurrent `take` of the same row waits for this transaction, then finds the
    row done; on SQLite transactions are one at a time."""
    values = {"in_channel": channel, "in_id": platform_id, "to_kind": kind, "to_person": person_id}
    return _changed(session.connection().execute(_TAKE, values))  # (the ORM's path costs more)


def give_up(session: Session, channel: str, platform_id: str) -> bool:
    """The step failed: not to be tried again (the person was asked to send it again); fields cleared."""
    return _changed(session.connection().execute(_GIVE_UP, {"in_channel": channel, "in_id": platform_id}))


def _changed(result: Any) -> bool:
    return cast(CursorResult[Any], result).rowcount == 1


@dataclass(frozen=True)
class Waiting:
    platform_id: str
    fields: dict[str, Any]
    received_at: datetime


def earlier(session: Session, channel: str, sender: str, platform_id: str) -> list[Waiting]:
    """The sender's kept messages still pending that came before this one, oldest first. Asked in
    the step's transaction, under the sender's lock: none of them is being stepped meanwhile."""
    values = {"channel": channel, "sender": sender, "platform_id": platform_id}
    return [Waiting(sid, dict(fields or {}), at) for sid, fields, at in session.execute(_EARLIER, values)]


def waiting(session: Session, channel: str, received_before: datetime | None = None) -> list[Waiting]:
    """Messages kept and not stepped yet, in the order they came (by `received_before`, if given)."""
    query = (
        select(InboundMessage.platform_message_id, InboundMessage.fields, InboundMessage.received_at)
        .where(InboundMessage.state == PENDING, InboundMessage.channel == channel)
        .order_by(InboundMessage.id)
    )
    if received_before is not None:
        query = query.where(InboundMessage.received_at < received_before)
    return [Waiting(sid, dict(fields or {}), at) for sid, fields, at in session.execute(query)]
