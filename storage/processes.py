"""The running processes (`processes`): who shares the platforms' sending limits, and whose claims
are a dead process's.

    register()  at start-up: this process's row (host, pid, the channels it sends on)
    beat()      every few seconds: `seen_at` = now; then the dead are reaped and the live counted
    reap()      a process not seen for `gone` (or, on this host, whose pid no longer runs) is dead:
                its outbox rows being sent and its claimed jobs are released (due now), its row deleted
    leave()     at a clean exit: the row deleted (the others' share grows at their next beat)

A released row is sent by whichever process claims it next: at most one duplicate per crash, as
after a lease runs out, but seconds after the crash instead of a minute."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from storage.models import OutboundMessage, Process, ScheduledJob


def register(
    session: Session, process_id: str, host: str, pid: int, channels: Sequence[str], now: datetime
) -> None:
    session.merge(
        Process(
            id=process_id[:64],
            host=host[:64],
            pid=pid,
            channels=",".join(channels)[:64],
            started_at=now,
            seen_at=now,
        )
    )
    session.flush()


def beat(session: Session, process_id: str, now: datetime) -> bool:
    """`seen_at` = now; False when the row is gone (another process took this one for dead)."""
    result = session.execute(update(Process).where(Process.id == process_id).values(seen_at=now))
    return bool(getattr(result, "rowcount", 0))


def reap(
    session: Session,
    process_id: str,
    now: datetime,
    gone: timedelta,
    host: str,
    pid: int,
    running: Callable[[int], bool],
) -> list[str]:
    """Release the claims of the processes that are dead; their ids. Dead: not seen for `gone`, or
    on `host` (this process's) with a pid that `running` says is not running, or with this
    process's own `pid` under another id (a predecessor whose pid this restart was given)."""
    dead: list[str] = []
    for other, other_host, other_pid, seen_at in session.execute(
        select(Process.id, Process.host, Process.pid, Process.seen_at)
    ):
        if other == process_id:
            continue
        here = other_host == host[:64]
        if seen_at <= now - gone or (here and (other_pid == pid or not running(other_pid))):
            dead.append(other)
    if not dead:
        return []
    session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.status == "sending", OutboundMessage.claimed_by.in_(dead))
        .values(lease_until=now, claimed_by=None)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(ScheduledJob)
        .where(ScheduledJob.state == "claimed", ScheduledJob.claimed_by.in_(dead))
        .values(lease_until=now, due_at=now, claimed_by=None)
        .execution_options(synchronize_session=False)
    )
    session.execute(delete(Process).where(Process.id.in_(dead)))
    return dead


def live(session: Session, channel: str) -> int:
    """How many registered processes send on `channel` (this one included, when it does)."""
    return live_by_channel(session).get(channel, 0)


def live_by_channel(session: Session) -> dict[str, int]:
    """Channel → how many registered processes send on it."""
    counts: dict[str, int] = {}
    for channels in session.scalars(select(Process.channels)):
        for channel in filter(None, channels.split(",")):
            counts[channel] = counts.get(channel, 0) + 1
    return counts


def leave(session: Session, process_id: str) -> None:
    session.execute(delete(Process).where(Process.id == process_id))
