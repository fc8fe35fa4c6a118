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

from datetime import datetime
from typing import Any

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


def apply_queue_effects(
    session: Session, person: Person, effects: tuple[Any, ...], now: datetime, program: Program
) -> list[QueueResult]:
    results = []
    for effect in effects:
        if not isinstance(effect, (CloseHandoff, DecideCase)):
            continue
        center = session.scalar(select(Center.slug).where(Center.id == person.staff_center_id))
        by = person.display_name or f"person {person.id}"
        if isinstance(effect, CloseHandoff):
            if not program.may_handle_handoffs(person.role, center):
                results.append(QueueResult("handoff", "not_allowed"))
                continue
            request_id = ref_id(effect.handoff, "h")
            request = session.get(HandoffRequest, request_id) if request_id is not None else None
            owner = session.get(Person, request.person_id) if request is not None else None
            name = (owner.display_name or "") if owner is not None else ""
            try:
                handoffs.close_request(
                    session,
                    request_id or 0,
                    now,
                    by=by,
                    note=effect.note,
                    center_id=person.staff_center_id,
                    check_center=True,
                )
            except LookupError:
                results.append(QueueResult("handoff", "unavailable", name))
                continue
            results.append(QueueResult("handoff", "done", name))
            continue
        if not program.may_decide(person.role, center):
            results.append(QueueResult("decision", "not_allowed"))
            continue
        decision_id = ref_id(effect.decision, "d")
        case = session.get(ManagerDecision, decision_id) if decision_id is not None else None
        owner = session.get(Person, case.person_id) if case is not None else None
        name = (owner.display_name or "") if owner is not None else ""
        if case is None or case.center_id != person.staff_center_id:
            results.append(QueueResult("decision", "unavailable", name))
            continue
        try:
            decisions.decide(session, case.id, effect.approve, by, None, now, program)
        except LookupError:  # decided meanwhile by someone else
            results.append(QueueResult("decision", "unavailable", name))
            continue
        results.append(QueueResult("decision", "done", name, approved=effect.approve))
    return results


def _queue_effect(a: Applying, effect: CloseHandoff | DecideCase) -> QueueResult:
    assert a.program is not None, "staff effects are applied with the program's rules"
    (result,) = apply_queue_effects(a.session, a.person, (effect,), a.now, a.program)
    return result


HANDLERS: dict[type, Handler] = {CloseHandoff: _queue_effect, DecideCase: _queue_effect}


def load_staff_queue(
    session: Session, person_id: int, facts: PersonFacts, lang: str, now: datetime, program: Program
) -> dict[str, Any]:
    """The `staff_queue` fact of a step's context (only staff steps ever look)."""
    return {"staff_queue": load_queue(session, facts.role, facts.staff_center, program)}


FACTS = {"staff_queue": load_staff_queue}
