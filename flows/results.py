"""What the shell decided about an effect, as the feature's flows tell it: the value types that
`storage/` returns from its effect handlers and the feature's `results` renderers read. Plain data
only, so both layers can see them without `storage/` importing a feature's flows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flows.context import EventOffer


@dataclass(frozen=True)
class BookingResult:
    """The shell's answer to a booking effect.

    action: signup | cancel | offer | attendance
    status: confirmed | waitlisted | already | unavailable | cancelled | expired | declined | coming |
            not_coming
    """

    action: str
    status: str
    event: EventOffer | None = None
    position: int | None = None


@dataclass(frozen=True)
class MeetingAnswerResult:
    """The shell's answer to `AnswerMeeting`.

    status: confirm | reschedule | cancel (done as asked) | unavailable (no such open meeting of the
            person) | blocked_homework (confirming waits for the homework due before it)
    """

    status: str


@dataclass(frozen=True)
class StaffResult:
    """The shell's answer to a staff effect.

    action: create | edit | cancel
    status: done | not_allowed (the role no longer allows it) | unavailable (no such active event of
            the center) | invalid (the storage refused the values)
    """

    action: str
    status: str
    title: str = ""
    starts_at: datetime | None = None
    told: int = 0  # cancel: people who were signed up (or waiting) and will be told


@dataclass(frozen=True)
class QueueResult:
    """The shell's answer to `CloseHandoff` or `DecideCase`.

    action: handoff | decision
    status: done | not_allowed (the role no longer allows it) | unavailable (handled or decided
            meanwhile, or not of the staff member's center)
    """

    action: str
    status: str
    name: str = ""
    approved: bool = False


@dataclass(frozen=True)
class HomeworkResult:
    """The shell's answer to `ReportHomework`.

    status: done | partly | help | dropped (stored), or unavailable (the task is closed or gone)
    """

    status: str
    due: date | None = None


@dataclass(frozen=True)
class MeetingResult:
    """The shell's answer to `MarkAttendance` or `AssignHomework`.

    action: attendance | homework
    status: done | not_allowed (the role no longer allows it) | unavailable (no such meeting of the
            center, or not begun) | invalid (the storage refused the values)
    value:  attendance: attended | no_show | late_not_admitted (as stored)
    """

    action: str
    status: str
    name: str = ""
    value: str = ""
    due: date | None = None
    starts_at: datetime | None = None
