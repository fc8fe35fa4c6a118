"""After a meeting, from the staff chat (flows/homework/next_task.py): its attendance and the next task,
applied with the functions of `midway meetings attendance` and `midway homework assign`, after
checking again that the role may (`[staff] meeting_roles`) and that the meeting is of the staff
member's center.

    load_staff_meetings   the `staff_meetings` fact: the center's meetings begun in the last days
    HANDLERS              MarkAttendance, AssignHomework → a MeetingResult
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from flows.context import PersonFacts, StaffMeetingFacts
from flows.homework.effects import AssignHomework, MarkAttendance
from flows.program import Program
from flows.results import MeetingResult
from storage import homework
from storage.effects import Applying, Handler
from storage.events import ATTENDANCE, mark_attendance
from storage.events.statuses import MEETING_OPEN
from storage.models import Center, Meeting, Person

RECENT = timedelta(days=7)  # meetings whose attendance may still be marked from the chat
LISTED = 10


def _ref(meeting: Meeting) -> str:
    return f"m{meeting.id}"


def _meeting_id(ref: str) -> int | None:
    digits = ref.removeprefix("m")
    return int(digits) if digits.isdigit() else None


def load_staff_meetings(
    session: Session, person_id: int, facts: PersonFacts, lang: str, now: datetime, program: Program
) -> dict[str, Any]:
    """The center's meetings that began in the last week and were on (or are marked already, to
    correct), the latest first."""
    if not facts.staff_center or not program.may_run_meetings(facts.role, facts.staff_center):
        return {"staff_meeting_list": ()}
    rows = session.execute(
        select(Meeting, Person.display_name)
        .join(Person, Person.id == Meeting.person_id)
        .join(Center, Center.id == Person.center_id)
        .where(
            Center.slug == facts.staff_center,
            Meeting.starts_at <= now,
            Meeting.starts_at >= now - RECENT,
            Meeting.status.in_(MEETING_OPEN + ATTENDANCE),
        )
        .order_by(Meeting.starts_at.desc(), Meeting.id.desc())
        .limit(LISTED)
    ).all()
    found = tuple(
        StaffMeetingFacts(_ref(m), name or "", m.starts_at, m.status, m.promoter) for m, name in rows
    )
    return {"staff_meeting_list": found}


def _center_meeting(a: Applying, ref: str) -> tuple[Meeting, Person] | str:
    """The meeting, if the staff member may act on it; else the status to answer."""
    assert a.program is not None, "staff effects are applied with the program's rules"
    center = a.session.scalar(select(Center.slug).where(Center.id == a.person.staff_center_id))
    if not a.program.may_run_meetings(a.person.role, center):
        return "not_allowed"
    meeting_id = _meeting_id(ref)
    found = a.session.get(Meeting, meeting_id) if meeting_id is not None else None
    participant = a.session.get(Person, found.person_id) if found is not None else None
    if found is None or participant is None or participant.center_id != a.person.staff_center_id:
        return "unavailable"
    return found, participant


def _mark(a: Applying, effect: MarkAttendance) -> MeetingResult:
    found = _center_meeting(a, effect.meeting)
    if isinstance(found, str):
        return MeetingResult("attendance", found)
    meeting, participant = found
    assert a.program is not None
    try:
        with a.session.begin_nested():
            marked, _ = mark_attendance(a.session, meeting.id, effect.value, a.now, a.program)
    except (LookupError, ValueError):  # not begun, or cancelled meanwhile
        return MeetingResult("attendance", "unavailable", participant.display_name or "")
    return MeetingResult(
        "attendance", "done", participant.display_name or "", marked.status, starts_at=marked.starts_at
    )


def _assign(a: Applying, effect: AssignHomework) -> MeetingResult:
    found = _center_meeting(a, effect.meeting)
    if isinstance(found, str):
        return MeetingResult("homework", found)
    meeting, participant = found
    assert a.program is not None
    try:
        with a.session.begin_nested():  # a refused task leaves nothing half done
            task = homework.assign(
                a.session,
                person_id=participant.id,
                kind=effect.kind,
                due=effect.due,
                now=a.now,
                program=a.program,
                count=effect.count,
                text=effect.text,
                by=a.person.display_name or meeting.promoter or None,
            )
    except LookupError:
        return MeetingResult("homework", "unavailable", participant.display_name or "")
    except ValueError:
        return MeetingResult("homework", "invalid", participant.display_name or "")
    return MeetingResult("homework", "done", participant.display_name or "", due=task.due_on)


HANDLERS: dict[type, Handler] = {MarkAttendance: _mark, AssignHomework: _assign}
FACTS = {"staff_meetings": load_staff_meetings}
