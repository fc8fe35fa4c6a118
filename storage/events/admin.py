"""Staff's changes to events: add, edit and cancel one, and what each change sets off (reminders
that follow the new times, notices to the people on it, seats offered when capacity grows)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from flows.event_kinds import KINDS, NO_SIGNUP_KINDS, TRACKS
from flows.program import Program
from storage import jobs
from storage.events.catalog import locked_event
from storage.events.reminders import queue_notice, schedule_reminders, tell_moved, where_and_when
from storage.events.signups import promote_waitlist
from storage.events.statuses import ACTIVE
from storage.models import Center, Event, EventSession, Signup


@dataclass(frozen=True)
class NewSession:
    starts_at: datetime
    ends_at: datetime | None = None
    place: str = ""


def create_event(
    session: Session,
    *,
    center: str,
    kind: str,
    titles: dict[str, str],
    sessions: list[NewSession],
    capacity: int | None,
    track: str = "all",
    signup_required: bool | None = None,
    now: datetime,
) -> Event:
    center_row = session.scalar(select(Center).where(Center.slug == center))
    if center_row is None:
        raise ValueError(f"no center {center!r}")
    _check(kind, track, titles, sessions, capacity)
    required = kind not in NO_SIGNUP_KINDS if signup_required is None else signup_required
    event = Event(
        center_id=center_row.id,
        kind=kind,
        titles=dict(titles),
        capacity=capacity,
        track=track,
        signup_required=required,
        status="active",
        first_starts_at=min(s.starts_at for s in sessions),
        created_at=now,
        updated_at=now,
    )
    event.sessions = [EventSession(starts_at=s.starts_at, ends_at=s.ends_at, place=s.place) for s in sessions]
    session.add(event)
    session.flush()
    return event


def _check(
    kind: str, track: str, titles: dict[str, str], sessions: list[NewSession], capacity: int | None
) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown event kind {kind!r} (one of: {', '.join(KINDS)})")
    if track not in TRACKS:
        raise ValueError(f"track must be one of {', '.join(TRACKS)}")
    if not titles or not any(titles.values()):
        raise ValueError("an event needs a title (at least in Hebrew)")
    if not sessions:
        raise ValueError("an event needs at least one session")
    if capacity is not None and capacity < 0:
        raise ValueError("capacity cannot be negative")


def edit_event(
    session: Session,
    event_id: int,
    now: datetime,
    program: Program,
    *,
    titles: dict[str, str] | None = None,
    sessions: list[NewSession] | None = None,
    capacity: int | None = None,
    clear_capacity: bool = False,
    track: str | None = None,
) -> Event:
    event = locked_event(session, event_id)
    if event is None or event.status != "active":
        raise LookupError(f"no active event {event_id}")
    was = where_and_when(event.sessions)
    if titles:
        event.titles = {**event.titles, **titles}
    if track is not None:
        _check(event.kind, track, event.titles, [NewSession(now)], None)
        event.track = track
    if capacity is not None or clear_capacity:
        event.capacity = None if clear_capacity else capacity
    if sessions is not None:
        _check(event.kind, event.track, event.titles, sessions, event.capacity)
        event.sessions = [
            EventSession(starts_at=s.starts_at, ends_at=s.ends_at, place=s.place) for s in sessions
        ]
        event.first_starts_at = min(s.starts_at for s in sessions)
    event.updated_at = now
    session.flush()
    # Reminders follow the new times: the pending ones are dropped, new ones made.
    jobs.drop_open(session, f"event:{event.id}", now, kinds=("reminder",))
    for signup in session.scalars(
        select(Signup).where(Signup.event_id == event.id, Signup.status == "confirmed")
    ):
        schedule_reminders(session, signup, event, now, program)
    if sessions is not None:
        tell_moved(session, event, was, now, program)
    promote_waitlist(session, event, now, program)  # a larger capacity frees seats
    return event


def cancel_event(session: Session, event_id: int, now: datetime, program: Program) -> list[int]:
    """Cancel an event: its pending reminders are dropped and everyone on it is told. Returns them."""
    event = locked_event(session, event_id)
    if event is None or event.status != "active":
        raise LookupError(f"no active event {event_id}")
    event.status = "cancelled"
    event.updated_at = now
    jobs.drop_open(session, f"event:{event.id}", now)
    told = []
    for signup in session.scalars(
        select(Signup).where(Signup.event_id == event.id, Signup.status.in_(ACTIVE))
    ):
        signup.status = "cancelled"
        signup.updated_at = now
        told.append(signup.person_id)
        queue_notice(
            session,
            signup.person_id,
            "events.cancelled_notice",
            {"event": f"e{event.id}"},
            f"event:{event.id}",
            event.first_starts_at,
            now,
            program,
            f"cancel:{event.id}:{signup.person_id}",
        )
    return told
