"""The center manager's decision on a borderline pre-screen, and the message that tells the participant.

    decide           `midway decisions approve|reject`, and the managers' staff chat: `repo.decide`
                     (the decision, and the final outcome row the reports read), then a "decision"
                     row of due work, at the first allowed moment (quiet hours)
    proactive_data   what that message says, read when it goes out (bot/scheduler.py): approved → the
                     next exposure conferences of the center; declined → the reasons
                     (flows/decision_notice/ words it)

Like every proactive message, it waits out quiet hours, is not sent to a person who wrote "stop",
goes as an approved template outside WhatsApp's 24-hour window (kinds `decision.approved` and
`decision.declined`), and when no channel reaches the person, becomes a "call them" task.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from flows.program import Program
from storage import jobs, repo
from storage.events.catalog import EXPOSURE_OPEN, title_in, upcoming_events
from storage.events.signups import seats_left
from storage.models import Center, Event, ManagerDecision, ParticipantProfile, Person, PrescreenOutcome

KIND = "decision"  # scheduled_jobs.kind


def answers_of(session: Session, person_id: int, asked_at: datetime) -> dict[str, object]:
    """The pre-screen answers behind a case's reasons, as `flows.context.DecisionFacts.answers`."""
    profile = session.get(ParticipantProfile, person_id)
    if profile is None:
        return {}
    found: dict[str, object] = {
        "age": asked_at.year - profile.birth_year if profile.birth_year else None,
        "city": profile.city,
        "out_of_work": profile.out_of_work,
        "job_share": profile.job_share,
        "experience": profile.experience_years,
        "willing": profile.willing_to_attend,
        "able": profile.able_to_work,
    }
    return {key: value for key, value in found.items() if value is not None}


def decide(
    session: Session,
    decision_id: int,
    approve: bool,
    by: str,
    note: str | None,
    now: datetime,
    program: Program,
) -> ManagerDecision:
    """Decide a pending case (LookupError if it is not pending) and have the participant told."""
    decision = repo.decide(session, decision_id, approve, by, note, now)
    tell(session, decision, now, program)
    return decision


def tell(session: Session, decision: ManagerDecision, now: datetime, program: Program) -> None:
    due = program.scheduling.quiet_hours.allowed_moment(now, None, now)
    if due is None:  # (never without an end to wait for; kept for the type)
        return
    jobs.enqueue(
        session,
        kind=KIND,
        person_id=decision.person_id,
        due_at=due,
        now=now,
        payload={"decision": decision.id},
        subject=f"decision:{decision.id}",
        dedupe_key=f"decision:{decision.id}",
    )


def proactive_data(
    session: Session, payload: dict[str, Any], lang: str, now: datetime, conferences: int
) -> dict[str, Any] | None:
    """The message's data, fresh from the database (JSON values); None when it is no longer relevant:
    the decision is gone, or the person has a newer outcome since (took the pre-screen again)."""
    decision = session.get(ManagerDecision, int(payload["decision"]))
    if decision is None or decision.status not in ("approved", "rejected") or decision.decided_at is None:
        return None
    newer = session.scalar(
        select(PrescreenOutcome.id)
        .where(
            PrescreenOutcome.person_id == decision.person_id,
            PrescreenOutcome.decided_at > decision.decided_at,
        )
        .limit(1)
    )
    person = session.get(Person, decision.person_id)
    if newer is not None or person is None:
        return None
    center = session.get(Center, decision.center_id) if decision.center_id is not None else None
    approved = decision.status == "approved"
    data: dict[str, Any] = {
        "decision": f"d{decision.id}",
        "approved": approved,
        "name": person.display_name or "",
        "center": center.slug if center else None,
        "center_name": str(center.names.get(lang) or center.names.get("he") or center.slug) if center else "",
        "reasons": [str(r) for r in decision.reasons],
    }
    if approved and center is not None:
        upcoming = session.scalars(
            upcoming_events(now).where(Event.center_id == center.id, *EXPOSURE_OPEN).limit(conferences)
        )
        data["conferences"] = [_conference(session, event, lang) for event in upcoming]
        if data["conferences"]:
            next_one = data["conferences"][0]  # the next conference, for a WhatsApp template
            data["when"], data["ends"] = next_one["when"], next_one["ends"]
    return data


def _conference(session: Session, event: Event, lang: str) -> dict[str, Any]:
    first = event.sessions[0] if event.sessions else None
    return {
        "ref": f"e{event.id}",
        "title": title_in(event.titles, lang),
        "when": event.first_starts_at.isoformat(),
        "ends": first.ends_at.isoformat() if first and first.ends_at else None,
        "place": first.place if first else "",
        "seats_left": seats_left(session, event),  # 0: full, offered as its waiting list
    }
