"""What a step reads of events and meetings (the `bookings` fact), loaded when a step looks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from flows.context import Bookings, EventOffer, MeetingFacts, PersonFacts, SessionInfo
from flows.program import Program
from storage.events.catalog import EXPOSURE_OPEN, seat_counts, title_in, upcoming_events
from storage.events.signups import waitlist_position
from storage.events.statuses import ACTIVE, MEETING_OPEN, SEATED
from storage.models import Center, Event, Meeting, Signup


def offer_of(
    event: Event,
    lang: str,
    taken: int,
    signup: Signup | None = None,
    position: int | None = None,
    center: str | None = None,
    waiting: int = 0,
) -> EventOffer:
    sessions = tuple(SessionInfo(s.starts_at, s.ends_at, s.place) for s in event.sessions)
    return EventOffer(
        ref=f"e{event.id}",
        title=title_in(event.titles, lang),
        starts_at=event.first_starts_at,
        place=sessions[0].place if sessions else "",
        center=center,
        kind=event.kind,
        sessions=sessions,
        seats_left=None if event.capacity is None else max(event.capacity - taken, 0),
        signup_required=event.signup_required,
        track=event.track,
        my_status=signup.status if signup is not None and signup.status in ACTIVE else None,
        my_position=position,
        capacity=event.capacity,
        taken=taken,
        waiting=waiting,
        revised_at=event.updated_at,
    )


@dataclass(frozen=True)
class EventFacts:
    exposure: tuple[EventOffer, ...]
    events: tuple[EventOffer, ...]
    meetings: tuple[MeetingFacts, ...]
    staff_events: tuple[EventOffer, ...] = ()  # upcoming events of the center a staff member works at


def event_facts(
    session: Session,
    person_id: int,
    center: str | None,
    lang: str,
    now: datetime,
    exposure_limit: int = 3,
    staff_center: str | None = None,
) -> EventFacts:
    slugs = dict(session.execute(select(Center.id, Center.slug)).all())
    upcoming = upcoming_events(now)
    exposure_rows = list(
        session.scalars(upcoming.where(*EXPOSURE_OPEN).limit(exposure_limit * max(len(slugs), 1)))
    )
    center_id = next((i for i, s in slugs.items() if s == center), None)
    own = list(session.scalars(upcoming.where(Event.center_id == center_id).limit(40))) if center_id else []
    mine = {
        s.event_id: s
        for s in session.scalars(
            select(Signup).where(Signup.person_id == person_id, Signup.status.in_(ACTIVE))
        )
    }
    # (no query for an empty list: most people, at the pre-screen's end, have no sign-up and no event
    # is planned; each statement costs about a millisecond of the step's CPU on PostgreSQL)
    extra = (
        [e for e in session.scalars(upcoming.where(Event.id.in_(list(mine)))) if e.center_id != center_id]
        if mine
        else []
    )
    staff_id = next((i for i, s in slugs.items() if s == staff_center), None) if staff_center else None
    if staff_id is None:
        staffed = []
    elif staff_id == center_id:
        staffed = own
    else:
        staffed = list(session.scalars(upcoming.where(Event.center_id == staff_id).limit(40)))
    rows = {e.id: e for e in [*exposure_rows, *own, *extra, *staffed]}
    counts = seat_counts(session, list(rows)) if rows else {}
    taken = {i: sum(n for s, n in c.items() if s in SEATED) for i, c in counts.items()}

    def offer(event: Event) -> EventOffer:
        signup = mine.get(event.id)
        position = None
        if signup is not None and signup.status == "waitlisted":
            position = waitlist_position(session, signup)
        return offer_of(
            event,
            lang,
            taken.get(event.id, 0),
            signup,
            position,
            slugs.get(event.center_id),
            counts.get(event.id, {}).get("waitlisted", 0),
        )

    meetings = tuple(
        MeetingFacts(
            ref=f"m{m.id}",
            starts_at=m.starts_at,
            place=m.place,
            promoter=m.promoter,
            kind=m.kind,
            status=m.status,
        )
        for m in session.scalars(
            select(Meeting)
            .where(Meeting.person_id == person_id, Meeting.status.in_(MEETING_OPEN), Meeting.starts_at > now)
            .order_by(Meeting.starts_at)
        )
    )
    return EventFacts(
        tuple(offer(e) for e in exposure_rows),
        tuple(offer(e) for e in [*own, *extra]),
        meetings,
        tuple(offer(e) for e in staffed),
    )


def load_bookings(
    session: Session, person_id: int, facts: PersonFacts, lang: str, now: datetime, program: Program
) -> dict[str, Any]:
    """The `bookings` fact of a step's context: events, sign-ups, meetings (and staff's events)."""
    offers = event_facts(
        session,
        person_id,
        facts.center,
        lang,
        now,
        program.scheduling.scheduler.exposure_buttons,
        staff_center=facts.staff_center,
    )
    return {"bookings": Bookings(offers.exposure, offers.events, offers.meetings, offers.staff_events)}


FACTS = {"bookings": load_bookings}
