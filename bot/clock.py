"""Where "now" comes from: the system clock in production, a hand-moved clock in tests, and for
`midway chat --now` a clock that starts at a chosen moment and runs on from there."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from flows.scheduling import TIMEZONE

Clock = Callable[[], datetime]
LOCAL_MOMENT = "%Y-%m-%d %H:%M"


def system_clock() -> datetime:
    return datetime.now(UTC)


def running_from(start: datetime, base: Clock = system_clock) -> Clock:
    """A clock that reads `start` now and runs on at the pace of `base`."""
    offset = start - base()
    return lambda: base() + offset


def local_moment(text: str) -> datetime:
    """A moment written "2026-12-10 09:00", Israel time; else a ValueError saying what is expected."""
    try:
        naive = datetime.strptime(" ".join(text.split()), LOCAL_MOMENT)
    except ValueError:
        raise ValueError(f'{text!r} is not a date and time like "2026-12-10 09:00" (Israel time)') from None
    return naive.replace(tzinfo=TIMEZONE)
