"""Due work as rows (`scheduled_jobs`): enqueueing, the atomic claim, and the states a row goes through.

    pending ──claim──▶ claimed (lease) ──▶ sent | failed | dropped | held
       ▲                  │  (lease expired: a crashed process) → claimed again by the next tick
       └── retry / quiet hours / other channel ◀┘

The claim is one statement. On PostgreSQL:

    UPDATE scheduled_jobs SET state='claimed', lease_until=:lease, due_at=:lease, attempts=attempts+1
    WHERE id IN (SELECT id FROM scheduled_jobs WHERE state IN ('pending','claimed') AND due_at <= :now
                 ORDER BY due_at LIMIT :n FOR UPDATE SKIP LOCKED)
    RETURNING id

so two schedulers on one database never claim the same row and neither waits for the other. On
SQLite the same statement runs inside `BEGIN IMMEDIATE` (see `storage.db`): one writer at a time, so
the claim is atomic without SKIP LOCKED (which SQLite ignores). A claimed row's `due_at` is its
lease's end, so the one index (state, due_at) finds due work and expired claims alike.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import ChannelIdentity, ScheduledJob

OPEN_STATES = ("pending", "claimed")
STATES = (*OPEN_STATES, "sent", "failed", "dropped", "held")


def enqueue(
    session: Session,
    *,
    kind: str,
    person_id: int | None,
    due_at: datetime,
    now: datetime,
    payload: dict[str, Any] | None = None,
    subject: str | None = None,
    not_after: datetime | None = None,
    dedupe_key: str | None = None,
) -> ScheduledJob | None:
    """Add due work; None when a row with the same dedupe key exists already."""
    if (
        dedupe_key is not None
        and session.scalar(select(ScheduledJob.id).where(ScheduledJob.dedupe_key == dedupe_key)) is not None
    ):
        return None
    job = ScheduledJob(
        kind=kind,
        person_id=person_id,
        subject=subject,
        due_at=due_at,
        scheduled_for=due_at,
        not_after=not_after,
        state="pending",
        attempts=0,
        payload=dict(payload or {}),
        dedupe_key=dedupe_key,
        created_at=now,
        updated_at=now,
    )
    try:
        with session.begin_nested():
            session.add(job)
            session.flush()
    except IntegrityError:  # the same key, added meanwhile by a concurrent transaction
        return None
    return job


def claim(
    session: Session,
    now: datetime,
    lease: timedelta,
    limit: int,
    identity: tuple[str, str] | None = None,
    by: str | None = None,
) -> list[int]:
    """Claim up to `limit` due rows (and rows whose claim expired); commit right after.

    `identity` (channel, external id): only the rows of the person behind it, and rows for no one in
    particular (a freed seat to pass on) — a console claims its own user's work and leaves everyone
    else's for their own terminal or for `midway serve`. `by`: the claiming process
    (`storage/processes.py`: a dead process's claims are released at once)."""
    lease_until = now + lease
    query = select(ScheduledJob.id).where(ScheduledJob.state.in_(OPEN_STATES), ScheduledJob.due_at <= now)
    if identity is not None:
        channel, external_id = identity
        theirs = select(ChannelIdentity.person_id).where(
            ChannelIdentity.channel == channel, ChannelIdentity.external_id == external_id
        )
        query = query.where(or_(ScheduledJob.person_id.in_(theirs), ScheduledJob.person_id.is_(None)))
    due = (
        query.order_by(ScheduledJob.due_at)
        .limit(limit)
        .with_for_update(skip_locked=True)  # PostgreSQL; SQLite renders nothing and relies on BEGIN IMMEDIATE
        .scalar_subquery()
    )
    statement = (
        update(ScheduledJob)
        .where(ScheduledJob.id.in_(due))
        .values(
            state="claimed",
            lease_until=lease_until,
            due_at=lease_until,
            attempts=ScheduledJob.attempts + 1,
            updated_at=now,
            claimed_by=by,
        )
        .returning(ScheduledJob.id)
        .execution_options(synchronize_session=False)
    )
    return sorted(session.scalars(statement).all())


def held_by_us(session: Session, job_id: int, lease_until: datetime | None) -> ScheduledJob | None:
    """The row, locked, if our claim on it still stands (not taken over after our lease expired)."""
    job = session.get(ScheduledJob, job_id, with_for_update=True, populate_existing=True)
    if job is None or job.state != "claimed" or job.lease_until != lease_until:
        return None
    return job


def release(session: Session, job_ids: list[int], lease_until: datetime, now: datetime) -> int:
    """Give claimed rows back untried (a process stopping): pending and due now, the attempt not
    counted, so another process takes them at its next tick instead of when the lease ends."""
    statement = (
        update(ScheduledJob)
        .where(
            ScheduledJob.id.in_(job_ids),
            ScheduledJob.state == "claimed",
            ScheduledJob.lease_until == lease_until,
        )
        .values(
            state="pending",
            lease_until=None,
            due_at=now,
            attempts=ScheduledJob.attempts - 1,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return int(session.execute(statement).rowcount or 0)  # type: ignore[attr-defined]


def settle(job: ScheduledJob, state: str, now: datetime, error: str | None = None) -> None:
    job.state = state
    job.lease_until = None
    job.updated_at = now
    if error is not None:
        job.last_error = error[:64]
    if state == "sent":
        job.sent_at = now


def postpone(job: ScheduledJob, due_at: datetime, now: datetime, error: str | None = None) -> None:
    """Back to pending, to be looked at again at `due_at`."""
    settle(job, "pending", now, error)
    job.due_at = due_at


def drop_open(
    session: Session,
    subject: str,
    now: datetime,
    person_id: int | None = None,
    kinds: tuple[str, ...] | None = None,
) -> int:
    """Drop the pending work about `subject` (an edited or cancelled event or meeting). A row being
    sent right now (claimed) is checked again before it goes out, and dropped then."""
    statement = update(ScheduledJob).where(ScheduledJob.subject == subject, ScheduledJob.state == "pending")
    if person_id is not None:
        statement = statement.where(ScheduledJob.person_id == person_id)
    if kinds is not None:
        statement = statement.where(ScheduledJob.kind.in_(kinds))
    result = session.execute(
        statement.values(state="dropped", updated_at=now, last_error="superseded").execution_options(
            synchronize_session=False
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def counts(session: Session) -> dict[str, int]:
    rows = session.execute(select(ScheduledJob.state, func.count()).group_by(ScheduledJob.state)).all()
    return {state: int(n) for state, n in rows}


def listing(session: Session, state: str | None = None, limit: int = 200) -> list[ScheduledJob]:
    """Rows for staff to read (`midway jobs list`): the soonest due first."""
    query = select(ScheduledJob).order_by(ScheduledJob.due_at, ScheduledJob.id).limit(limit)
    if state is not None:
        query = query.where(ScheduledJob.state == state)
    return list(session.scalars(query))


def lag(session: Session, now: datetime) -> float | None:
    """The scheduler's lag for `/metrics`: seconds since the oldest row that is due and not held by
    a live claim came due (a pending row, or a claim whose lease ran out: the rows the next claim
    takes); None when nothing is waiting. One statement, on the (state, due_at) index."""
    oldest = session.scalar(
        select(func.min(ScheduledJob.due_at)).where(
            ScheduledJob.state.in_(OPEN_STATES), ScheduledJob.due_at <= now
        )
    )
    return (now - oldest).total_seconds() if oldest is not None else None
