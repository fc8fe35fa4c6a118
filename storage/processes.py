"""The running processes (`processes`): who shares the platforms' sending limits, and whose claims
are a dead process's.

    register()  at start-up: this process's row (host, pid, the channels it sends on)
    beat()      every few seconds: `seen_at` = now
    listing()   who is registered; the caller decides who is dead (bot/presence.py: a `seen_at`
                that has not moved for a while by the caller's own clock, or a pid gone on its host)
    reap()      the dead: their rows deleted (unless they beat meanwhile), their outbox rows being
                sent and their claimed jobs released (due now)
    leave()     at a clean exit: the row deleted (the others' share grows at their next beat)

A released row is sent by whichever process claims it next: at most one duplicate per crash, as
after a lease runs out, but seconds after the crash instead of a minute."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

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


def listing(session: Session) -> list[tuple[str, str, int, str, datetime]]:
    """Every registered process: (id, host, pid, channels, seen_at)."""
    query = select(Process.id, Process.host, Process.pid, Process.channels, Process.seen_at)
    return [(i, h, p, c, s) for i, h, p, c, s in session.execute(query.order_by(Process.id))]


def reap(session: Session, dead: Mapping[str, datetime], now: datetime) -> list[str]:
    """Take these processes for dead — each unless it beat since (`seen_at` no longer what was
    seen): their rows deleted, the outbox rows they were sending and the jobs they claimed released
    (due now). The ids of those taken."""
    taken = []
    for process_id, seen_at in sorted(dead.items()):
        result = session.execute(delete(Process).where(Process.id == process_id, Process.seen_at == seen_at))
        if getattr(result, "rowcount", 0):
            taken.append(process_id)
    if not taken:
        return []
    session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.status == "sending", OutboundMessage.claimed_by.in_(taken))
        .values(lease_until=now, claimed_by=None)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(ScheduledJob)
        .where(ScheduledJob.state == "claimed", ScheduledJob.claimed_by.in_(taken))
        .values(lease_until=now, due_at=now, claimed_by=None)
        .execution_options(synchronize_session=False)
    )
    return taken


def live_by_channel(session: Session) -> dict[str, int]:
    """Channel → how many registered processes send on it."""
    return by_channel(session.scalars(select(Process.channels)))


def by_channel(channel_lists: Iterable[str]) -> dict[str, int]:
    """Channel → how many of these processes' `channels` (comma-separated) name it."""
    counts: dict[str, int] = {}
    for channels in channel_lists:
        for channel in filter(None, channels.split(",")):
            counts[channel] = counts.get(channel, 0) + 1
    return counts


def leave(session: Session, process_id: str) -> None:
    session.execute(delete(Process).where(Process.id == process_id))
