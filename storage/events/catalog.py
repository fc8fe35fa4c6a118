"""The catalog of events as it is read: the listings, an event's row under its lock, titles and the
references the flows carry ("e12")."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from storage.models import Center, Event, Person, Signup
from storage.refs import ref_id


def title_in(titles: dict[str, Any], lang: str) -> str:
    return str(titles.get(lang) or titles.get("he") or next(iter(titles.values()), ""))


def locked_event(session: Session, event_id: int) -> Event | None:
    return session.scalar(
        select(Event).where(Event.id == event_id).with_for_update().execution_options(populate_existing=True)
    )


def find_event(session: Session, event_id: int) -> Event | None:
    return session.get(Event, event_id)


def already_listed(session: Session, center: str, kind: str, starts_at: datetime, title: str | None) -> bool:
    """Is there an active event of the center, of this kind, starting then, with this Hebrew title?
    (A schedule imported again adds nothing twice.)"""
    query = (
        select(Event)
        .join(Center, Center.id == Event.center_id)
        .where(
            Center.slug == center,
            Event.kind == kind,
            Event.first_starts_at == starts_at,
            Event.status == "active",
        )
    )
    return any(event.titles.get("he") == title for event in session.scalars(query))


def list_events(
    session: Session, now: datetime, center: str | None = None, include_past: bool = False
) -> list[Event]:
    query = select(Event).options(selectinload(Event.sessions)).order_by(Event.first_starts_at, Event.id)
    if center:
        query = query.join(Center, Center.id == Event.center_id).where(Center.slug == center)
    if not include_past:
        query = query.where(Event.status == "active", Event.first_starts_at > now - timedelta(days=180))
    return list(session.scalars(query))


def seat_counts(session: Session, event_ids: list[int]) -> dict[int, dict[str, int]]:
    rows = session.execute(
        select(Signup.event_id, Signup.status, func.count())
        .where(Signup.event_id.in_(event_ids))
        .group_by(Signup.event_id, Signup.status)
    ).all()
    found: dict[int, dict[str, int]] = {}
    for event_id, status, n in rows:
        found.setdefault(event_id, {})[status] = int(n)
    return found


def signups_of(session: Session, event_id: int) -> list[tuple[Signup, Person]]:
    return [
        (s, p)
        for s, p in session.execute(
            select(Signup, Person)
            .join(Person, Person.id == Signup.person_id)
            .where(Signup.event_id == event_id)
            .order_by(Signup.status, Signup.queued_at, Signup.id)
        ).all()
    ]


def upcoming_events(now: datetime) -> Select[Event]:
    """Active events not yet begun, soonest first, with their sessions."""
    return (
        select(Event)
        .options(selectinload(Event.sessions))
        .where(Event.status == "active", Event.first_starts_at > now)
        .order_by(Event.first_starts_at, Event.id)
    )


# the exposure conferences a person can sign up for (offered after an eligible pre-screen)
EXPOSURE_OPEN = (Event.kind == "exposure_conference", Event.signup_required.is_(True))


def event_id_of(ref: str) -> int | None:
    return ref_id(ref, "e")
