"""Homework: tasks between meetings (`midway homework`), the messages they schedule, and the
participant's reports. Not staff's "call them" tasks (`staff_tasks`, `midway tasks`).

    assign            `midway homework assign`: the row, "your task" at once (allowed hours), and the
                      check-in on the due date (job kinds of flows/homework/proactive.py)
    report            the chat's `ReportHomework`: done / partly (a new date: a new check-in) / help /
                      dropped; an overdue task's "call them" task is closed with it
    mark_unanswered   the chat's `HomeworkUnanswered` (the reminder timed out): overdue since now, and
                      a "call them" task for the promoter
    list_homework     `midway homework list`; `blocks_booking` for the meeting rule
                      (program.scheduling.meetings.open_tasks_block_booking)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from flows.context import HomeworkFacts, PersonFacts
from flows.homework import ANSWERS, COUNTED, FREE, TASKS
from flows.homework.effects import HomeworkUnanswered, ReportHomework
from flows.program import Program
from flows.results import HomeworkResult
from flows.scheduling import TIMEZONE
from storage import handoffs, jobs
from storage.db import locked
from storage.effects import Applying, Handler
from storage.models import Center, Homework, Person

OPEN = ("open", "partly", "help")  # not done, not dropped
AWAITED = ("open", "partly")  # waiting for the participant's word (help: with their promoter)
ASSIGNED, CHECKIN = "homework_assigned", "homework_checkin"  # job kinds
REFERENCE = "homework:"  # scheduled_jobs.subject and staff_tasks.reference


def ref(homework: Homework) -> str:
    return f"hw{homework.id}"


def _id(reference: str) -> int | None:
    digits = reference.removeprefix("hw")
    return int(digits) if digits.isdigit() else None


def local_today(now: datetime) -> date:
    return now.astimezone(TIMEZONE).date()


def is_overdue(homework: Homework) -> bool:
    return homework.status in AWAITED and homework.overdue_since is not None


# ---- assigning ----------------------------------------------------------------------------------
def assign(
    session: Session,
    *,
    person_id: int,
    kind: str,
    due: date,
    now: datetime,
    program: Program,
    count: int | None = None,
    text: str | None = None,
    by: str | None = None,
) -> Homework:
    """A task for a participant; ValueError / LookupError say in one line what is wrong."""
    person = session.get(Person, person_id)
    if person is None:
        raise LookupError(f"no person {person_id}")
    if person.role != "participant":
        raise ValueError(f"person {person_id} is staff ({person.role}): homework is for participants")
    text = " ".join((text or "").split()) or None
    if kind == FREE and not text:
        raise ValueError('a free-text task needs its words: --text "..."')
    if kind != FREE and kind not in TASKS:
        raise ValueError(f"unknown task {kind!r}; one of: {', '.join((*TASKS, FREE))}")
    if kind in COUNTED and (count is None or count < 1):
        raise ValueError(f"the task {kind} needs how many: --count N (1 or more)")
    if kind not in COUNTED and count is not None:
        raise ValueError(f"--count fits only {', '.join(COUNTED)} (a free-text task says its own number)")
    if due < local_today(now):
        raise ValueError(f"the due date {due.isoformat()} has passed")
    homework = Homework(
        person_id=person_id,
        kind=kind,
        text=text if kind == FREE else None,
        target_count=count,
        due_on=due,
        status="open",
        assigned_by=by,
        created_at=now,
        updated_at=now,
    )
    session.add(homework)
    session.flush()
    told = program.scheduling.quiet_hours.allowed_moment(now, None, now) or now
    jobs.enqueue(
        session,
        kind=ASSIGNED,
        person_id=person_id,
        due_at=told,
        now=now,
        payload={"homework": homework.id},
        dedupe_key=f"hw:{homework.id}:assigned",
    )
    _schedule_checkin(session, homework, now, program)
    return homework


def _schedule_checkin(session: Session, homework: Homework, now: datetime, program: Program) -> None:
    """The check-in on the due date, at the configured hour, moved out of quiet hours."""
    settings = program.scheduling
    wanted = max(settings.homework.checkin_moment(homework.due_on), now)
    due = settings.quiet_hours.allowed_moment(wanted, None, now) or wanted
    jobs.enqueue(
        session,
        kind=CHECKIN,
        person_id=homework.person_id,
        due_at=due,
        now=now,
        payload={"homework": homework.id, "due": homework.due_on.isoformat()},
        subject=f"{REFERENCE}{homework.id}",
        dedupe_key=f"hw:{homework.id}:checkin:{homework.due_on.isoformat()}",
    )


# ---- what the participant says ------------------------------------------------------------------
def report(
    session: Session,
    person: Person,
    homework_id: int,
    effect: ReportHomework,
    now: datetime,
    program: Program | None,
) -> HomeworkResult:
    homework = locked(session, Homework, homework_id)
    if homework is None or homework.person_id != person.id or homework.status not in OPEN:
        return HomeworkResult("unavailable")
    if effect.status not in ANSWERS:
        return HomeworkResult("unavailable")
    homework.status = effect.status
    homework.reported_at = homework.updated_at = now
    homework.overdue_since = None
    if effect.note:
        homework.note = effect.note
    if effect.status == "done" and homework.target_count:
        homework.progress = homework.target_count
    jobs.drop_open(session, f"{REFERENCE}{homework.id}", now)
    handoffs.close_open_tasks(session, f"{REFERENCE}{homework.id}", now)  # nothing to call them about
    if effect.status == "partly":
        if effect.progress is not None:
            homework.progress = effect.progress
        if effect.due is not None and effect.due > local_today(now):
            homework.due_on = effect.due
        if program is not None:
            _schedule_checkin(session, homework, now, program)
        return HomeworkResult("partly", homework.due_on)
    return HomeworkResult(effect.status)


def mark_unanswered(session: Session, person: Person, homework_id: int, now: datetime) -> None:
    """The check-in and its reminder went unanswered: overdue, and the promoter calls them."""
    homework = locked(session, Homework, homework_id)
    if homework is None or homework.person_id != person.id or homework.status not in AWAITED:
        return
    if homework.overdue_since is None:
        homework.overdue_since = homework.updated_at = now
        handoffs.add_call_task(session, person, "homework_unanswered", f"{REFERENCE}{homework.id}", now)


def blocks_booking(session: Session, person_id: int, program: Program) -> Homework | None:
    """An overdue task, when the program's rule says it blocks booking the next meeting."""
    if not program.scheduling.meetings.open_tasks_block_booking:
        return None
    return session.scalar(
        select(Homework)
        .where(
            Homework.person_id == person_id, Homework.status.in_(AWAITED), Homework.overdue_since.is_not(None)
        )
        .order_by(Homework.due_on, Homework.id)
        .limit(1)
    )


# ---- staff's list -------------------------------------------------------------------------------
@dataclass(frozen=True)
class HomeworkRow:
    homework: Homework
    name: str | None
    center: str | None

    @property
    def overdue(self) -> bool:
        return is_overdue(self.homework)


def list_homework(
    session: Session,
    person_id: int | None = None,
    overdue: bool = False,
    center: str | None = None,
    closed_too: bool = False,
) -> list[HomeworkRow]:
    query = (
        select(Homework, Person.display_name, Center.slug)
        .join(Person, Person.id == Homework.person_id)
        .outerjoin(Center, Center.id == Person.center_id)
        .order_by(Homework.due_on, Homework.id)
    )
    if person_id is not None:
        query = query.where(Homework.person_id == person_id)
    if center:
        query = query.where(Center.slug == center)
    if overdue:
        query = query.where(Homework.status.in_(AWAITED), Homework.overdue_since.is_not(None))
    elif not closed_too:
        query = query.where(Homework.status.in_(OPEN))
    return [HomeworkRow(h, name, slug) for h, name, slug in session.execute(query).all()]


# ---- what a step may consult, and what a proactive message says ---------------------------------
def facts_of(homework: Homework) -> HomeworkFacts:
    return HomeworkFacts(
        ref=ref(homework),
        kind=homework.kind,
        due=homework.due_on,
        count=homework.target_count,
        text=homework.text,
        progress=homework.progress,
        overdue=is_overdue(homework),
        waiting=homework.status in AWAITED,
    )


def load_homework(
    session: Session, person_id: int, facts: PersonFacts, lang: str, now: datetime, program: Program
) -> dict[str, Any]:
    """The `homework` fact: the person's open tasks, the earliest due first."""
    rows = session.scalars(
        select(Homework)
        .where(Homework.person_id == person_id, Homework.status.in_(OPEN))
        .order_by(Homework.due_on, Homework.id)
    )
    return {"homework_tasks": tuple(facts_of(h) for h in rows)}


def proactive_data(
    session: Session, kind: str, payload: dict[str, Any], lang: str, now: datetime
) -> dict[str, Any] | None:
    """The message's data, fresh; None when it has lost its point (the task closed or re-dated)."""
    homework = session.get(Homework, int(payload["homework"]))
    if homework is None or homework.status not in AWAITED:
        return None
    if kind == CHECKIN and payload.get("due") != homework.due_on.isoformat():
        return None
    return {
        "homework": ref(homework),
        "kind": homework.kind,
        "count": homework.target_count,
        "text": homework.text,
        "due": homework.due_on.isoformat(),
        "progress": homework.progress,
    }


# ---- applying a step's effects ------------------------------------------------------------------
def _report(a: Applying, effect: ReportHomework) -> HomeworkResult:
    homework_id = _id(effect.homework)
    if homework_id is None:
        return HomeworkResult("unavailable")
    return report(a.session, a.person, homework_id, effect, a.now, a.program)


def _unanswered(a: Applying, effect: HomeworkUnanswered) -> None:
    homework_id = _id(effect.homework)
    if homework_id is not None:
        mark_unanswered(a.session, a.person, homework_id, a.now)


HANDLERS: dict[type, Handler] = {ReportHomework: _report, HomeworkUnanswered: _unanswered}
FACTS = {"homework": load_homework}
PROACTIVE_DATA = {ASSIGNED: proactive_data, CHECKIN: proactive_data}
