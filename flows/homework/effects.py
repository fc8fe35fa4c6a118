"""Homework's effects: the participant's word on a task (applied by `storage/homework.py`), and the
staff chat's attendance and next task after a meeting (applied by `storage/homework_next.py`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flows.effects import Effect


# ---- the participant tells how a task went; the shell answers with a `HomeworkResult` ----------
@dataclass(frozen=True)
class ReportHomework(Effect):
    homework: str  # a `HomeworkFacts.ref` ("hw12")
    status: str  # done | partly | help | dropped
    progress: int | None = None  # partly: how many so far (of the task's target count)
    due: date | None = None  # partly: the new date
    note: str | None = None  # for the promoter


@dataclass(frozen=True)
class HomeworkUnanswered(Effect):
    """The check-in and its reminder went unanswered: overdue, and a "call them" task for the promoter."""

    homework: str


# ---- staff after a meeting: its attendance, and the next task (next_task.py); the shell checks
# the role and the center again and answers with a `MeetingResult` ---------------------------------
@dataclass(frozen=True)
class MarkAttendance(Effect):
    meeting: str  # a `StaffMeetingFacts.ref` ("m12")
    value: str  # attended | no_show | late (as `midway meetings attendance`)


@dataclass(frozen=True)
class AssignHomework(Effect):
    """The next task for the participant of a meeting, as `midway homework assign` gives it."""

    meeting: str  # a `StaffMeetingFacts.ref`: the task is for its participant
    kind: str  # a `TASKS` kind, or "free"
    due: date
    count: int | None = None  # the target of a counted task
    text: str | None = None  # a free-text task's words
