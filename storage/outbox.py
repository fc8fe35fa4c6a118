"""The outbox (`outbound_messages`): every message the assistant sends is a row, written in the
transaction of the step or job that produced it, delivered after the commit (`bot/delivery.py`),
and afterwards what became of it (WhatsApp's status callbacks move it on: delivered, read).

    enqueue()  in the step's transaction: `pending`, the rendered call kept in `payload`
    claim()    one short transaction: `pending` (due) or `sending` with its lease run out → `sending`
               until `lease_until`; only a person's first unsettled rows (their order), FOR UPDATE
               SKIP LOCKED on PostgreSQL (two processes never claim the same row)
    settle()   sent (the platform's id) / failed (its error code) / held / expired: `payload` cleared
    retry()    a transient error: `pending` again at `due_at`, the payload kept
    depth()    how many rows wait, and how long the oldest has waited (for /metrics)

A process that dies after claiming leaves rows `sending`; when the lease ends any process's drainer
sends them again (at most one duplicate per crash). Bodies are never kept once a row is settled."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Table, bindparam, delete, exists, func, insert, select, update
from sqlalchemy.orm import Session, aliased

from storage.db import locked
from storage.models import ChannelIdentity, OutboundMessage, Person

# Twilio's statuses in the order a message goes through them: a late callback for an earlier
# status ("sent" arriving after "delivered") does not move a message back.
PROGRESS = {"accepted": 0, "scheduled": 0, "queued": 1, "sending": 2, "sent": 3, "delivered": 4, "read": 5}
FINAL = {"failed", "undelivered", "canceled", "held", "error", "expired"}

PENDING, SENDING = "pending", "sending"
UNSETTLED = (PENDING, SENDING)
REPLY, BULK = 0, 1  # priority: a reply to someone typing goes before bulk work (reminders, surveys)


# ---- the outbox --------------------------------------------------------------------------------
def enqueue(
    session: Session,
    *,
    person_id: int | None,
    channel: str,
    kind: str,
    payloads: Sequence[Mapping[str, Any]],
    now: datetime,
    priority: int = BULK,
    reference: str | None = None,
    not_after: datetime | None = None,
    templates: Sequence[str | None] | None = None,
) -> list[int]:
    """One row per platform call, in order, in the caller's transaction; their ids."""
    return _enqueue(session, locals(), None)[0]


def enqueue_claimed(
    session: Session,
    *,
    person_id: int | None,
    channel: str,
    kind: str,
    payloads: Sequence[Mapping[str, Any]],
    now: datetime,
    lease: timedelta,
    priority: int = REPLY,
    templates: Sequence[str | None] | None = None,
    by: str | None = None,
) -> tuple[list[int], list[Claimed]]:
    """`enqueue`, and the rows claimed at once for this process (no transaction of its own for the
    claim: the normal path of a reply) unless an earlier row of the person on that channel must go
    first; then none is claimed (`claim(ids=...)` after the commit sends them in order).
    `person_id` None: rows of no one (a deletion's confirmation), claimed at once."""
    values = dict(locals(), reference=None, not_after=None)
    # Not flushed first: the step's own changes do not bear on it (a row this session enqueued is
    # inserted already, by `_enqueue`), and `_enqueue` flushes them once, just before its insert.
    with session.no_autoflush:
        earlier = session.scalar(
            _EARLIER, {"person": person_id, "channel": channel, "priority": priority, "now": now}
        )
    return _enqueue(session, values, None if earlier is not None else now + lease)


# A row of the person's on that channel that a new reply must wait for (built once: the statement
# is the same for every step).
_EARLIER = (
    select(OutboundMessage.id)
    .where(
        OutboundMessage.person_id == bindparam("person"),
        OutboundMessage.channel == bindparam("channel"),
        (OutboundMessage.status == SENDING)
        | (
            (OutboundMessage.status == PENDING)
            & (
                (OutboundMessage.priority <= bindparam("priority"))
                | (OutboundMessage.due_at <= bindparam("now"))
            )
        ),
    )
    .limit(1)
)


def _enqueue(
    session: Session, v: Mapping[str, Any], lease_until: datetime | None
) -> tuple[list[int], list[Claimed]]:
    """Insert the rows (one statement, on the connection: no ORM objects for them), after flushing
    what the session holds (the step's own changes: one flush, then this); their ids, in order."""
    person_id, channel, kind, now = v["person_id"], v["channel"], v["kind"][:64], v["now"]
    reference, templates, not_after = v["reference"], v["templates"], v["not_after"]
    payloads = [dict(payload) for payload in v["payloads"]]
    if not payloads:
        return [], []
    rows = [
        {
            "person_id": person_id,
            "channel": channel,
            "kind": kind,
            "template": templates[i] if templates else None,
            "reference": (reference or None) and reference[:64],
            "status": PENDING if lease_until is None else SENDING,
            "priority": v["priority"],
            "payload": payload,
            "attempts": 0 if lease_until is None else 1,
            "due_at": now,
            "lease_until": lease_until,
            "claimed_by": None if lease_until is None else v.get("by"),
            "not_after": not_after,
            "created_at": now,
            "updated_at": now,
        }
        for i, payload in enumerate(payloads)
    ]
    session.flush()
    ids = list(session.connection().scalars(_INSERT, rows))
    if lease_until is None:
        return ids, []
    claimed = [
        Claimed(
            row_id,
            _whose(person_id, row_id),
            channel,
            kind,
            v["priority"],
            payload,
            1,
            lease_until,
            None,
            None,
        )
        for row_id, payload in zip(ids, payloads, strict=True)
    ]
    return ids, claimed


_OUTBOX = cast(Table, OutboundMessage.__table__)
_INSERT = insert(_OUTBOX).returning(_OUTBOX.c.id, sort_by_parameter_order=True)


@dataclass(frozen=True)
class Claimed:
    id: int
    person_id: int
    channel: str
    kind: str
    priority: int
    payload: dict[str, Any]
    attempts: int  # counting this one
    lease_until: datetime
    not_after: datetime | None
    reference: str | None


def _whose(person_id: int | None, row_id: int) -> int:
    """Whose a row is, for its order and for what stops with it: a person's id; a row of no one (the
    confirmation to someone who deleted their data) is its own (-its id): one such row never waits
    for, nor fails with, another's."""
    return int(person_id) if person_id is not None else -row_id


def _ready(row: OutboundMessage, now: datetime, created_before: datetime | None) -> bool:
    if row.status not in UNSETTLED:
        return False
    if row.status == SENDING:
        return row.lease_until is None or row.lease_until <= now
    if row.due_at is not None and row.due_at > now:
        return False
    return created_before is None or row.created_at <= created_before


def claim(
    session: Session,
    now: datetime,
    lease: timedelta,
    *,
    ids: Iterable[int] | None = None,
    limit: int = 100,
    created_before: datetime | None = None,
    channels: Sequence[str] | None = None,
    by: str | None = None,
) -> list[Claimed]:
    """Claim rows to send, each person's in their order: a row only when every earlier unsettled
    row of that person on that channel is claimed with it.

    `ids`: these rows, and the person's earlier ones (sent first): the path right after a commit.
    Else (the drainer) the first due row of up to `limit` people, replies first, of those created
    before `created_before` (rows a live process is about to send itself are left), on `channels`
    (those this process can send on). `by`: the claiming process (`storage/processes.py`)."""
    wanted = set(ids) if ids is not None else None
    query = select(OutboundMessage).where(OutboundMessage.status.in_(UNSETTLED))
    chosen: list[int] = []
    if wanted is not None:
        if not wanted:
            return []
        people = select(OutboundMessage.person_id).where(OutboundMessage.id.in_(wanted))
        on = select(OutboundMessage.channel).where(OutboundMessage.id.in_(wanted))
        query = query.where(OutboundMessage.person_id.in_(people), OutboundMessage.channel.in_(on))
        candidates = list(session.scalars(query.order_by(OutboundMessage.id)))
        by_person: dict[tuple[int | None, str], list[OutboundMessage]] = {}
        for row in candidates:
            by_person.setdefault((row.person_id, row.channel), []).append(row)
        top = max(wanted)
        for rows in by_person.values():  # each person's unsettled rows in order: the ready run from the first
            for got in rows:
                if got.id > top:
                    break
                if not _ready(got, now, created_before):
                    if got.status == PENDING and got.priority > REPLY and got.id not in wanted:
                        continue  # bulk waiting for its retry: a reply does not wait behind it
                    break
                chosen.append(got.id)
    else:
        # the first unsettled row of each person (one a person a batch: a wave goes out to everyone
        # at once, not to one chat at its own slow pace), replies first
        earlier = aliased(OutboundMessage)
        first = ~exists().where(
            earlier.person_id == OutboundMessage.person_id,
            earlier.channel == OutboundMessage.channel,
            earlier.id < OutboundMessage.id,
            earlier.status.in_(UNSETTLED),
        )
        due = (OutboundMessage.status == SENDING) | (OutboundMessage.due_at <= now)
        query = query.where(due, first)
        if channels is not None:
            query = query.where(OutboundMessage.channel.in_(channels))
        query = query.order_by(OutboundMessage.priority, OutboundMessage.due_at, OutboundMessage.id).limit(
            limit
        )
        candidates = list(session.scalars(query))
        chosen = [row.id for row in candidates if _ready(row, now, created_before)]
    if not chosen:
        return []
    locking = select(OutboundMessage).where(OutboundMessage.id.in_(chosen)).order_by(OutboundMessage.id)
    if session.get_bind().dialect.name == "postgresql":
        locking = locking.with_for_update(skip_locked=True)
    locked_rows = {row.id: row for row in session.scalars(locking.execution_options(populate_existing=True))}
    until = now + lease
    claimed: list[Claimed] = []
    stopped: set[tuple[int | None, str]] = set()
    person_of = {r.id: (_whose(r.person_id, r.id), r.channel) for r in candidates}
    for row_id in chosen:
        person = person_of[row_id]
        locked_row = locked_rows.get(row_id)  # None: locked by another process
        if person in stopped or locked_row is None or not _ready(locked_row, now, created_before):
            stopped.add(person)  # this person's later rows wait for it
            continue
        row = locked_row
        row.status, row.lease_until, row.attempts, row.updated_at = SENDING, until, row.attempts + 1, now
        row.claimed_by = by
        claimed.append(
            Claimed(
                row.id,
                _whose(row.person_id, row.id),
                row.channel,
                row.kind,
                row.priority,
                dict(row.payload or {}),
                row.attempts,
                until,
                row.not_after,
                row.reference,
            )
        )
    return claimed


def owners(session: Session, ids: Iterable[int]) -> set[tuple[int, str]]:
    """The (person, channel) of these rows."""
    ids = list(ids)
    if not ids:
        return set()
    found = session.execute(
        select(OutboundMessage.id, OutboundMessage.person_id, OutboundMessage.channel).where(
            OutboundMessage.id.in_(ids)
        )
    )
    return {(_whose(person, row_id), channel) for row_id, person, channel in found}


def _ours(session: Session, claimed: Claimed) -> OutboundMessage | None:
    row = session.get(OutboundMessage, claimed.id, with_for_update=True, populate_existing=True)
    if row is None or row.status != SENDING or row.lease_until != claimed.lease_until:
        return None  # taken over after the lease ran out (the other process records it), or deleted
    return row


def settle(
    session: Session,
    claimed: Claimed,
    status: str,
    now: datetime,
    *,
    platform_message_id: str | None = None,
    error_code: str | None = None,
    callbacks: bool = False,
) -> bool:
    """The row's end (sent, failed, held, expired, or the platform's first status): its payload
    cleared. False when it is not ours any more. `callbacks`: the platform reports delivery (a
    status callback may have come first, as a row of its own: its status moves onto this one)."""
    if platform_message_id is not None and callbacks:
        early = session.scalar(
            select(OutboundMessage).where(OutboundMessage.platform_message_id == platform_message_id)
        )
        if early is not None and early.id != claimed.id:
            status = early.status if PROGRESS.get(early.status, 9) > PROGRESS.get(status, -1) else status
            error_code = error_code or early.error_code
            session.execute(delete(OutboundMessage).where(OutboundMessage.id == early.id))
    result = session.execute(
        update(OutboundMessage)
        .where(
            OutboundMessage.id == claimed.id,
            OutboundMessage.status == SENDING,
            OutboundMessage.lease_until == claimed.lease_until,
        )
        .values(
            status=status[:16],
            error_code=(error_code or None) and error_code[:16],
            platform_message_id=platform_message_id and platform_message_id[:64],
            payload=None,
            lease_until=None,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return cast(CursorResult[Any], result).rowcount == 1


# built once: building it is more of a settle's CPU than running it (bound names other than the
# columns': an UPDATE reserves those for its SET clause)
_SETTLE_SENT = (
    update(_OUTBOX)
    .where(
        _OUTBOX.c.id == bindparam("row_id"),
        _OUTBOX.c.status == SENDING,
        _OUTBOX.c.lease_until == bindparam("row_lease"),
    )
    .values(
        status=bindparam("row_status"),
        error_code=None,
        platform_message_id=bindparam("row_platform_id"),
        payload=None,
        lease_until=None,
        updated_at=bindparam("row_now"),
    )
)


def settle_sent(session: Session, sent: Sequence[tuple[Claimed, str, str | None]], now: datetime) -> int:
    """Rows the platform took (each with its status and the platform's id), settled in one statement
    (one `executemany`, no row read first); how many were still ours. For platforms whose status
    callbacks cannot come first (Telegram): no early row to fold in, unlike `settle(callbacks=True)`."""
    if not sent:
        return 0
    params = [
        {
            "row_id": row.id,
            "row_lease": row.lease_until,
            "row_status": status[:16],
            "row_platform_id": platform_id and platform_id[:64],
            "row_now": now,
        }
        for row, status, platform_id in sent
    ]
    result = session.connection().execute(_SETTLE_SENT, params)
    return cast(CursorResult[Any], result).rowcount


def retry(session: Session, claimed: Claimed, at: datetime, now: datetime, error_code: str | None) -> bool:
    """A transient failure: pending again at `at`, its payload kept."""
    row = _ours(session, claimed)
    if row is None:
        return False
    row.status, row.due_at, row.lease_until, row.updated_at = PENDING, at, None, now
    row.error_code = (error_code or None) and error_code[:16]
    return True


def release(session: Session, claimed: Claimed, at: datetime, now: datetime) -> bool:
    """Not tried (an earlier row of the person failed for now): pending again, the attempt not counted."""
    row = _ours(session, claimed)
    if row is None:
        return False
    row.status, row.due_at, row.lease_until, row.updated_at = PENDING, at, None, now
    row.attempts = max(row.attempts - 1, 0)
    return True


def fail_waiting(session: Session, person_id: int, channel: str, error_code: str, now: datetime) -> None:
    """The platform said the person cannot be reached there: their rows still waiting on that
    channel end failed alike (not tried one by one), their payloads cleared."""
    session.execute(
        update(OutboundMessage)
        .where(
            OutboundMessage.person_id == person_id,
            OutboundMessage.channel == channel,
            OutboundMessage.status == PENDING,
        )
        .values(status="failed", error_code=error_code[:16], payload=None, updated_at=now)
        .execution_options(synchronize_session=False)
    )


def withdraw(session: Session, ids: Sequence[int], now: datetime) -> None:
    """Rows waiting for a retry that their job retries itself (with a new row): failed, cleared."""
    if ids:
        session.execute(
            update(OutboundMessage)
            .where(OutboundMessage.id.in_(ids), OutboundMessage.status == PENDING)
            .values(status="failed", payload=None, updated_at=now)
            .execution_options(synchronize_session=False)
        )


def job_rows(session: Session, reference: str) -> str | None:
    """What became of a due row's (`job:42`) latest message in the outbox: "sent" (it went), "queued"
    (still to send: the outbox will), or None (no row, or its rows failed: the job goes on)."""
    statuses = list(
        session.scalars(
            select(OutboundMessage.status)
            .where(OutboundMessage.reference == reference, OutboundMessage.due_at.is_not(None))
            .order_by(OutboundMessage.id.desc())
            .limit(20)
        )
    )
    if not statuses:
        return None
    if any(status in UNSETTLED for status in statuses):
        return "queued"
    latest = statuses[0]
    if latest in FINAL:
        return None
    return "sent"


def depth(session: Session, now: datetime) -> tuple[int, float]:
    """How many rows wait to be sent (pending or being sent), and the age in seconds of the oldest."""
    count, oldest = session.execute(
        select(func.count(OutboundMessage.id), func.min(OutboundMessage.created_at)).where(
            OutboundMessage.status.in_(UNSETTLED)
        )
    ).one()
    if not count or oldest is None:
        return 0, 0.0
    if oldest.tzinfo is None:
        from datetime import UTC

        oldest = oldest.replace(tzinfo=UTC)
    return int(count), max((now - oldest).total_seconds(), 0.0)


def unsettled_for(session: Session, reference: str) -> list[int]:
    """The rows of a due row (`job:42`) not settled yet."""
    return list(
        session.scalars(
            select(OutboundMessage.id).where(
                OutboundMessage.reference == reference, OutboundMessage.status.in_(UNSETTLED)
            )
        )
    )


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
