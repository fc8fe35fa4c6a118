"""Personal meetings with a promoter: scheduled, moved, answered by the person, cancelled, marked
attended; the messages each queues, and the listings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from flows.program import Program
from flows.scheduling import TIMEZONE
from storage import jobs
from storage.db import locked
from storage.events.reminders import queue_notice
from storage.events.statuses import ATTENDANCE, MEETING_OPEN
from storage.models import Meeting, Person, StaffTask


def create_meeting(
    session: Session,
    *,
    person_id: int,
    promoter: str,
    starts_at: datetime,
    place: str,
    kind: str,
    now: datetime,
    program: Program,
) -> Meeting:
    if session.get(Person, person_id) is None:
        raise LookupError(f"no person {person_id}")
    if starts_at <= now:
        raise ValueError("the meeting must be in the future")
    meeting = Meeting(
        person_id=person_id,
        promoter=promoter,
        kind=kind,
        starts_at=starts_at,
        place=place,
        status="scheduled",
        created_at=now,
        updated_at=now,
    )
    session.add(meeting)
    session.flush()
    _meeting_messages(session, meeting, now, program)
    return meeting


def _meeting_messages(
    session: Session, meeting: Meeting, now: datetime, program: Program, note: str = "scheduled"
) -> None:
    """Tell the person (`note`: scheduled | moved) and queue the meeting's reminders."""
    settings = program.scheduling
    subject = f"meeting:{meeting.id}"
    stamp = f"{meeting.starts_at.timestamp():.0f}"
    if note != "scheduled":  # a move back to an earlier time is news again: keys of its own
        stamp = f"{stamp}:{note}{now.timestamp():.0f}"

    def queue(due: datetime | None, what: str, key: str) -> None:
        if due is not None:
            jobs.enqueue(
                session,
                kind="meeting",
                person_id=meeting.person_id,
                due_at=due,
                now=now,
                payload={"meeting": meeting.id, "note": what},
                subject=subject,
                not_after=meeting.starts_at,
                dedupe_key=f"meet:{meeting.id}:{stamp}:{key}",
            )

    queue(settings.quiet_hours.allowed_moment(now, meeting.starts_at, now), note, "told")
    for offset in settings.reminders.for_kind("meeting"):
        wanted = meeting.starts_at - offset
        due = settings.quiet_hours.allowed_moment(wanted, meeting.starts_at, now) if wanted >= now else None
        queue(due, "reminder", f"{offset.total_seconds():.0f}")


def cancel_meeting(session: Session, meeting_id: int, now: datetime, program: Program) -> Meeting:
    meeting = locked(session, Meeting, meeting_id)
    if meeting is None or meeting.status not in MEETING_OPEN:
        raise LookupError(f"no open meeting {meeting_id}")
    meeting.status = "cancelled_by_staff"
    meeting.updated_at = now
    jobs.drop_open(session, f"meeting:{meeting.id}", now)
    queue_notice(
        session,
        meeting.person_id,
        "meetings.cancelled_notice",
        {"when": meeting.starts_at.isoformat()},
        f"meeting:{meeting.id}",
        meeting.starts_at,
        now,
        program,
        f"meeting:{meeting.id}",
    )
    return meeting


def move_meeting(
    session: Session,
    meeting_id: int,
    starts_at: datetime,
    place: str | None,
    now: datetime,
    program: Program,
) -> Meeting:
    """Another time (and place): the person is told and asked again, the reminders follow, and a
    request to reschedule it is settled (its task on the promoter's list is done)."""
    meeting = locked(session, Meeting, meeting_id)
    if meeting is None or meeting.status not in MEETING_OPEN:
        raise LookupError(f"no open meeting {meeting_id}")
    if starts_at <= now:
        raise ValueError("the meeting must be in the future")
    meeting.starts_at = starts_at
    if place is not None:
        meeting.place = place
    meeting.status = "scheduled"
    meeting.reschedule_reason = None
    meeting.responded_at = None
    meeting.updated_at = now
    jobs.drop_open(session, f"meeting:{meeting.id}", now)
    session.execute(
        update(StaffTask)
        .where(
            StaffTask.reference == f"meeting:{meeting.id}",
            StaffTask.kind == "reschedule",
            StaffTask.status == "open",
        )
        .values(status="done", done_at=now)
    )
    _meeting_messages(session, meeting, now, program, note="moved")
    return meeting


def answer_meeting(
    session: Session, person_id: int, meeting_id: int, action: str, reason: str | None, now: datetime
) -> str:
    meeting = locked(session, Meeting, meeting_id)
    if (
        meeting is None
        or meeting.person_id != person_id
        or meeting.status not in MEETING_OPEN
        or meeting.starts_at <= now
    ):
        return "unavailable"
    meeting.responded_at = now
    meeting.updated_at = now
    if action == "confirm":
        meeting.status = "confirmed"
    elif action == "reschedule":
        meeting.status = "reschedule_requested"
        meeting.reschedule_reason = reason
        person = session.get(Person, person_id)
        # on the promoter's list (`midway tasks list`); the reason itself: `midway meetings list`
        session.add(
            StaffTask(
                person_id=person_id,
                center_id=person.center_id if person else None,
                assignee=meeting.promoter,
                kind="reschedule",
                reason="meeting_reschedule_requested",
                reference=f"meeting:{meeting.id}",
                status="open",
                created_at=now,
            )
        )
    elif action == "cancel":
        meeting.status = "cancelled"
        jobs.drop_open(session, f"meeting:{meeting.id}", now)
    else:
        return "unavailable"
    return action


def mark_attendance(
    session: Session, meeting_id: int, value: str, now: datetime, program: Program
) -> tuple[Meeting, str]:
    """attended | no_show | late, and the status it replaces. A late arrival is not admitted when the
    program's rule says so. Only for a meeting that has begun and was still on (MEETING_OPEN), or to
    correct the attendance already marked: a cancelled meeting stays cancelled."""
    meeting = locked(session, Meeting, meeting_id)
    if meeting is None:
        raise LookupError(f"no meeting {meeting_id}")
    if meeting.starts_at > now:
        raise ValueError(
            f"meeting #{meeting.id} is on {_local_text(meeting.starts_at)}: attendance is "
            "marked once it has begun"
        )
    if value == "late":
        value = "late_not_admitted" if program.scheduling.meetings.late_arrival_blocks_entry else "attended"
    if value not in ATTENDANCE:
        raise ValueError("attendance is one of: attended, no_show, late")
    if meeting.status not in MEETING_OPEN + ATTENDANCE:
        raise ValueError(
            f"meeting #{meeting.id} is {meeting.status}: attendance is marked only on a "
            "meeting that was on (scheduled, confirmed or reschedule_requested), or to "
            "correct one already marked"
        )
    was = meeting.status
    meeting.status = value
    meeting.updated_at = now
    jobs.drop_open(session, f"meeting:{meeting.id}", now)
    return meeting, was


def _local_text(moment: datetime) -> str:
    return moment.astimezone(TIMEZONE).strftime("%Y-%m-%d %H:%M")


def list_meetings(
    session: Session, promoter: str | None = None, person_id: int | None = None
) -> list[tuple[Meeting, str | None]]:
    """Meetings with the person's name; `promoter` matches whatever the case ("dana" finds "Dana")."""
    query = (
        select(Meeting, Person.display_name)
        .join(Person, Person.id == Meeting.person_id)
        .order_by(Meeting.starts_at, Meeting.id)
    )
    if promoter:
        query = query.where(func.lower(Meeting.promoter) == promoter.strip().lower())
    if person_id:
        query = query.where(Meeting.person_id == person_id)
    return [(m, name) for m, name in session.execute(query).all()]


def promoter_of(session: Session, person_id: int) -> str | None:
    return session.scalar(
        select(Meeting.promoter)
        .where(Meeting.person_id == person_id)
        .order_by(Meeting.created_at.desc(), Meeting.id.desc())
        .limit(1)
    )
