"""A participant's case: closed and reopened by a promoter (`midway participants close|reopen`),
graduated by keeping work six months, closed by the program's maximum time — read by
`flows.cases.case_status` from the case events, the employment periods and the day they joined.

    case_status(session, person_id, today, program)   CaseStatus, or None (not a participant)
    survey_eligible(session, person_id, today, program)
                                            does the status survey go out to them? An open case:
                                            yes; closed or graduated: only a placed person's
                                            persistence follow-up (24 months from first placement)
    eligible_for_survey(session, person_ids, today, program)   the same for many, in three queries
    close_case / reopen_case                the promoter's acts (ValueError / LookupError: one line)
    graduation_data                         the graduation message's data when it goes out (once)

`today` is the Israel-time date (`flows.scheduling.TIMEZONE`). Neither survey function looks at
"stop" (`people.opted_out`) or the person's role beyond being a participant: the survey's own
scheduler does.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from flows import cases
from flows.cases import CLOSE_REASONS, GRADUATION, CaseChange, CaseStatus
from flows.program import Program
from flows.scheduling import TIMEZONE
from storage import employment
from storage.effects import Handler
from storage.models import CaseEvent, Person


def local_day(now: datetime) -> date:
    return now.astimezone(TIMEZONE).date()


def _changes(session: Session, person_ids: list[int]) -> dict[int, list[CaseChange]]:
    found: dict[int, list[CaseChange]] = {pid: [] for pid in person_ids}
    for event in session.scalars(
        select(CaseEvent)
        .where(CaseEvent.person_id.in_(person_ids), CaseEvent.action.in_(("closed", "reopened")))
        .order_by(CaseEvent.created_at, CaseEvent.id)
    ):
        action: Literal["closed", "reopened"] = "closed" if event.action == "closed" else "reopened"
        found[event.person_id].append(CaseChange(local_day(event.created_at), action, event.reason))
    return found


def statuses(
    session: Session, person_ids: Iterable[int], today: date, program: Program
) -> dict[int, tuple[CaseStatus, employment.History]]:
    """Each participant among `person_ids` (people who never joined are left out)."""
    people = employment.histories(session, person_ids)
    changes = _changes(session, list(people))
    months = program.max_months_in_program
    return {
        pid: (cases.case_status(h.joined, changes[pid], h.periods, today, months), h)
        for pid, h in people.items()
    }


def case_status(session: Session, person_id: int, today: date, program: Program) -> CaseStatus | None:
    found = statuses(session, [person_id], today, program).get(person_id)
    return None if found is None else found[0]


def eligible_for_survey(
    session: Session, person_ids: Iterable[int], today: date, program: Program
) -> set[int]:
    follow_up = program.scheduling.survey.placed_months
    return {
        pid
        for pid, (status, history) in statuses(session, person_ids, today, program).items()
        if cases.survey_eligible(status, history.periods, history.joined, today, follow_up)
    }


def survey_eligible(session: Session, person_id: int, today: date, program: Program) -> bool:
    """Does the status survey still go out to this person on `today`? (see the module's text)"""
    return person_id in eligible_for_survey(session, [person_id], today, program)


# ---- the promoter's acts -----------------------------------------------------------------------
def _participant(session: Session, person_id: int) -> Person:
    person = session.get(Person, person_id, with_for_update=True)
    if person is None:
        raise LookupError(f"no person {person_id}")
    return person


def close_case(
    session: Session,
    person_id: int,
    reason: str,
    now: datetime,
    program: Program,
    by: str | None = None,
    note: str | None = None,
) -> CaseEvent:
    if reason not in CLOSE_REASONS:
        raise ValueError(f"unknown reason {reason!r}; one of: {', '.join(CLOSE_REASONS)}")
    _participant(session, person_id)
    status = case_status(session, person_id, local_day(now), program)
    if status is None:
        raise ValueError(f"person {person_id} has not joined the program: there is no case to close")
    if status.state != "open":
        raise ValueError(f"the case of person {person_id} is {status.state} already (since {status.since})")
    return _record(session, person_id, "closed", now, reason=reason, by=by, note=note)


def reopen_case(
    session: Session,
    person_id: int,
    now: datetime,
    program: Program,
    by: str | None = None,
    note: str | None = None,
) -> CaseEvent:
    _participant(session, person_id)
    status = case_status(session, person_id, local_day(now), program)
    if status is None:
        raise ValueError(f"person {person_id} has not joined the program: there is no case to reopen")
    if status.state == "open":
        raise ValueError(f"the case of person {person_id} is open already")
    return _record(session, person_id, "reopened", now, by=by, note=note)


def _record(session: Session, person_id: int, action: str, now: datetime, **fields: Any) -> CaseEvent:
    event = CaseEvent(person_id=person_id, action=action, created_at=now, **fields)
    session.add(event)
    session.flush()
    return event


def history(session: Session, person_id: int) -> list[CaseEvent]:
    return list(
        session.scalars(select(CaseEvent).where(CaseEvent.person_id == person_id).order_by(CaseEvent.id))
    )


# ---- the graduation message --------------------------------------------------------------------
def graduation_data(
    session: Session, kind: str, payload: dict[str, Any], lang: str, now: datetime
) -> dict[str, Any] | None:
    """When the message goes out (None: dropped): the person has kept work six months by today (a
    later report may have taken it back), no promoter closed the case since, and they were not told
    before. Telling is recorded (a "graduated" case event), so it goes once. The program's maximum
    time is not weighed here (the scheduler's reader gets no program): one who kept work six months
    is congratulated even if that time ran out first."""
    person_id = int(payload["person"])
    if any(e.action == "graduated" for e in history(session, person_id)):
        return None
    people = employment.histories(session, [person_id])
    if person_id not in people:
        return None
    found = people[person_id]
    today = local_day(now)
    status = cases.case_status(found.joined, _changes(session, [person_id])[person_id], found.periods, today)
    if status.state != "graduated":
        return None
    _record(session, person_id, "graduated", now)
    return {"since": status.since.isoformat()}


HANDLERS: dict[type, Handler] = {}
PROACTIVE_DATA = {GRADUATION: graduation_data}
