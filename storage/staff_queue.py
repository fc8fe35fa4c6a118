"""What waits for a staff member's center, read for the staff chat, and the chat's answers to it.

    load_queue            the open "talk to a person" requests and the pending cases a staff member
                          may see (their role, their center): `flows.context.StaffQueue`
    apply_queue_effects   `CloseHandoff` and `DecideCase` from the chat, with the same functions as
                          `midway handoffs done` and `midway decisions approve|reject`

The role and the center are checked here again, from the database and the program configuration:
a flow only offers what the person's facts allowed when the step began, and a conversation may
outlive a role; a request or a case of another center is refused as unavailable.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from flows.context import DecisionFacts, HandoffFacts, PersonFacts, StaffQueue
from flows.program import Program
from flows.results import QueueResult
from flows.staff_queue.effects import CloseHandoff, DecideCase
from storage import decisions, handoffs, repo
from storage.effects import Applying, Handler
from storage.models import Center, HandoffRequest, ManagerDecision, Person
from storage.refs import ref_id

Row = TypeVar("Row", HandoffRequest, ManagerDecision)


def load_queue(session: Session, role: str, staff_center: str | None, program: Program) -> StaffQueue:
    if staff_center is None:
        return StaffQueue()
    found_handoffs: tuple[HandoffFacts, ...] = ()
    found_cases: tuple[DecisionFacts, ...] = ()
    if program.may_handle_handoffs(role, staff_center):
        found_handoffs = tuple(
            HandoffFacts(
                ref=f"h{row.id}",
                name=row.name or "",
                asked_at=row.created_at,
                phone=row.phone,
                channel=row.channel,
                center=row.center,
                flow=row.flow,
                question=row.question,
            )
            for row in handoffs.list_requests(session, staff_center, with_unplaced=True)
        )
    if program.may_decide(role, staff_center):
        found_cases = tuple(
            DecisionFacts(
                ref=f"d{decision.id}",
                name=person.display_name or "",
                created_at=decision.created_at,
                reasons=tuple(str(r) for r in decision.reasons),
                due_by=decision.due_by,
                phone=person.phone,
                center=staff_center,
                answers=decisions.answers_of(session, person.id, decision.created_at),
            )
            for decision, person in repo.pending_decisions(session, staff_center)
        )
    return StaffQueue(found_handoffs, found_cases)


def _staff(a: Applying) -> tuple[str | None, str, Program]:
    """The staff member's center (its slug), how they are named in the records, and the rules."""
    assert a.program is not None, "staff effects are applied with the program's rules"
    center = a.session.scalar(select(Center.slug).where(Center.id == a.person.staff_center_id))
    return center, a.person.display_name or f"person {a.person.id}", a.program


def _referred(a: Applying, model: type[Row], ref: str, prefix: str) -> tuple[Row | None, str]:
    """The request or case a reference names (None: no such row), and its participant's name."""
    row_id = ref_id(ref, prefix)
    row = a.session.get(model, row_id) if row_id is not None else None
    owner = a.session.get(Person, row.person_id) if row is not None else None
    return row, (owner.display_name or "") if owner is not None else ""


def _close_handoff(a: Applying, effect: CloseHandoff) -> QueueResult:
    center, by, program = _staff(a)
    if not program.may_handle_handoffs(a.person.role, center):
        return QueueResult("handoff", "not_allowed")
    request, name = _referred(a, HandoffRequest, effect.handoff, "h")
    try:
        handoffs.close_request(
            a.session,
            request.id if request is not None else 0,
            a.now,
            by=by,
            note=effect.note,
            center_id=a.person.staff_center_id,
            check_center=True,
        )
    except LookupError:
        return QueueResult("handoff", "unavailable", name)
    return QueueResult("handoff", "done", name)


def _decide_case(a: Applying, effect: DecideCase) -> QueueResult:
    center, by, program = _staff(a)
    if not program.may_decide(a.person.role, center):
        return QueueResult("decision", "not_allowed")
    case, name = _referred(a, ManagerDecision, effect.decision, "d")
    if case is None or case.center_id != a.person.staff_center_id:
        return QueueResult("decision", "unavailable", name)
    try:
        decisions.decide(a.session, case.id, effect.approve, by, None, a.now, program)
    except LookupError:  # decided meanwhile by someone else
        return QueueResult("decision", "unavailable", name)
    return QueueResult("decision", "done", name, approved=effect.approve)


APPLY: dict[type, Callable[[Applying, Any], QueueResult]] = {
    CloseHandoff: _close_handoff,
    DecideCase: _decide_case,
}
HANDLERS: dict[type, Handler] = dict(APPLY)


def apply_queue_effects(
    session: Session, person: Person, effects: tuple[Any, ...], now: datetime, program: Program
) -> list[QueueResult]:
    applying = Applying(session, person, now, program)
    return [APPLY[type(e)](applying, e) for e in effects if type(e) in APPLY]


def load_staff_queue(
    session: Session, person_id: int, facts: PersonFacts, lang: str, now: datetime, program: Program
) -> dict[str, Any]:
    """The `staff_queue` fact of a step's context (only staff steps ever look)."""
    return {"staff_queue": load_queue(session, facts.role, facts.staff_center, program)}


FACTS = {"staff_queue": load_staff_queue}
