"""Events, sign-ups, the waitlist and personal meetings: the queries, and the reminders they schedule.

No overbooking: every change to who holds a seat of an event first locks the event's row
(`SELECT … FOR UPDATE` on PostgreSQL; on SQLite every transaction holds the single write lock from
BEGIN IMMEDIATE), then counts the seats taken (confirmed + offered) and decides.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session, selectinload

from flows.context import Bookings, EventOffer, MeetingFacts, PersonFacts, SessionInfo
from flows.effects import AnswerAttendance, AnswerMeeting, AnswerOffer, CancelSignup, LetOfferLapse, SignUp
from flows.event_kinds import KINDS, NO_SIGNUP_KINDS, TRACKS
from flows.events import BookingResult
from flows.program import Program
from flows.scheduling import TIMEZONE
from storage import jobs
from storage.db import locked
from storage.effects import Applying, Handler
from storage.models import (
    Center,
    Event,
    EventSession,
    Meeting,
    Person,
    ScheduledJob,
    Signup,
    StaffTask,
)

SEATED = ("confirmed", "offered")
ACTIVE = ("confirmed", "waitlisted", "offered")
MEETING_OPEN = ("scheduled", "confirmed", "reschedule_requested")
ATTENDANCE = ("attended", "no_show", "late_not_admitted")  # a meeting's status once it was held


@dataclass(frozen=True)
class NewSession:
    starts_at: datetime
    ends_at: datetime | None = None
    place: str = ""


def title_in(titles: dict[str, Any], lang: str) -> str:
    return str(titles.get(lang) or titles.get("he") or next(iter(titles.values()), ""))


# ---- staff: events ---------------------------------------------------------------------------
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


def locked_event(session: Session, event_id: int) -> Event | None:
    return session.scalar(
        select(Event).where(Event.id == event_id).with_for_update().execution_options(populate_existing=True)
    )


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


def where_and_when(sessions: list[EventSession]) -> list[list[Any]]:
    """What people signed up for were told of an event's sessions: each start and place (JSON
    values, in order). A changed end alone is not a move: nobody is told of it."""
    return sorted([round(s.starts_at.timestamp()), s.place or ""] for s in sessions)


def tell_moved(session: Session, event: Event, was: list[list[Any]], now: datetime, program: Program) -> int:
    """After an event's sessions changed (`was`: as they were): everyone on it (confirmed, offered,
    waitlisted) gets a notice with the new dates, at the first allowed moment before the next session.

    One notice per person however many edits come before it goes out: a notice still pending is moved
    to the new due moment (it reads the event when it is sent, so it says the latest times); it
    remembers what the person last heard, so an edit back to that is no move, and the notice is
    dropped. A notice already sent (or being sent) stands, and a new one follows. Returns how many
    people will be told."""
    subject = f"event:{event.id}"
    now_known = where_and_when(event.sessions)
    upcoming = [s.starts_at for s in event.sessions if s.starts_at > now]
    not_after = min(upcoming) if upcoming else None
    pending = {
        job.person_id: job
        for job in session.scalars(
            select(ScheduledJob).where(
                ScheduledJob.subject == subject,
                ScheduledJob.kind == "event_moved",
                ScheduledJob.state == "pending",
            )
        )
    }
    quiet = program.scheduling.quiet_hours
    told = 0
    for signup in session.scalars(
        select(Signup).where(Signup.event_id == event.id, Signup.status.in_(ACTIVE)).order_by(Signup.id)
    ):
        job = pending.get(signup.person_id)
        known = job.payload.get("was", was) if job is not None else was
        due = None
        if not_after is not None and known != now_known:
            due = quiet.allowed_moment(now, not_after, now)
        if job is not None and due is None:
            jobs.settle(job, "dropped", now, "superseded")
        elif job is not None and due is not None:
            job.due_at, job.not_after, job.updated_at = due, not_after, now
        elif due is not None:
            jobs.enqueue(
                session,
                kind="event_moved",
                person_id=signup.person_id,
                due_at=due,
                now=now,
                payload={"signup": signup.id, "was": was},
                subject=subject,  # dropped with the event's other pending work if it is cancelled
                not_after=not_after,
            )  # no dedupe key: edits of one event queue on its row lock; a pending notice is reused
        told += due is not None
    return told


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
        _notice(
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


def moved_notices_pending(session: Session, event_id: int) -> int:
    """How many people are still to be told that the event moved (`tell_moved`)."""
    return (
        session.scalar(
            select(func.count())
            .select_from(ScheduledJob)
            .where(
                ScheduledJob.subject == f"event:{event_id}",
                ScheduledJob.kind == "event_moved",
                ScheduledJob.state == "pending",
            )
        )
        or 0
    )


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


# ---- sign-ups and the waitlist ---------------------------------------------------------------
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


def ref_id(ref: str, prefix: str) -> int | None:
    """The row id in a reference the flows carry ("e12" for event 12, "m3", "h7", ...)."""
    rest = ref[len(prefix):]
    return int(rest) if ref.startswith(prefix) and rest.isdigit() else None


def _event_id(ref: str) -> int | None:
    return ref_id(ref, "e")


def _taken(session: Session, event_id: int) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Signup)
            .where(Signup.event_id == event_id, Signup.status.in_(SEATED))
        )
        or 0
    )


def seats_left(session: Session, event: Event) -> int | None:
    """Seats no one holds yet; None: no limit."""
    return None if event.capacity is None else max(event.capacity - _taken(session, event.id), 0)


def _position(session: Session, signup: Signup) -> int:
    ahead = (
        session.scalar(
            select(func.count())
            .select_from(Signup)
            .where(
                Signup.event_id == signup.event_id,
                Signup.status == "waitlisted",
                (Signup.queued_at < signup.queued_at)
                | ((Signup.queued_at == signup.queued_at) & (Signup.id < signup.id)),
            )
        )
        or 0
    )
    return int(ahead) + 1


def sign_up(
    session: Session, person_id: int, event_id: int, now: datetime, program: Program
) -> tuple[str, int | None]:
    """(status, waitlist position): confirmed, waitlisted, already, or unavailable."""
    event = locked_event(session, event_id)
    if event is None or event.status != "active" or not event.signup_required or event.first_starts_at <= now:
        return "unavailable", None
    signup = session.scalar(select(Signup).where(Signup.event_id == event_id, Signup.person_id == person_id))
    if signup is not None and signup.status in ACTIVE:
        return "already", _position(session, signup) if signup.status == "waitlisted" else None
    if signup is None:
        signup = Signup(
            event_id=event_id,
            person_id=person_id,
            status="waitlisted",
            queued_at=now,
            created_at=now,
            updated_at=now,
        )
        session.add(signup)
    full = event.capacity is not None and _taken(session, event_id) >= event.capacity
    waiting = (
        session.scalar(
            select(func.count())
            .select_from(Signup)
            .where(Signup.event_id == event_id, Signup.status == "waitlisted", Signup.person_id != person_id)
        )
        or 0
    )
    signup.status = "waitlisted" if full or waiting else "confirmed"
    signup.queued_at = now
    signup.offer_expires_at = None
    signup.attendance_answer = None
    signup.attendance_answered_at = None
    signup.updated_at = now
    session.flush()
    if signup.status == "confirmed":
        schedule_reminders(session, signup, event, now, program)
        return "confirmed", None
    return "waitlisted", _position(session, signup)


def cancel_signup(session: Session, person_id: int, event_id: int, now: datetime, program: Program) -> str:
    event = locked_event(session, event_id)
    signup = session.scalar(select(Signup).where(Signup.event_id == event_id, Signup.person_id == person_id))
    if event is None or signup is None or signup.status not in ACTIVE:
        return "unavailable"
    held_seat = signup.status in SEATED
    signup.status = "cancelled"
    signup.updated_at = now
    jobs.drop_open(session, f"event:{event_id}", now, person_id=person_id)
    if held_seat:
        promote_waitlist(session, event, now, program)
    return "cancelled"


def release_seats(session: Session, person_id: int, now: datetime, program: Program) -> int:
    """Cancel every sign-up of a person (before their data is deleted): their seats go on."""
    active = list(
        session.scalars(
            select(Signup.event_id).where(Signup.person_id == person_id, Signup.status.in_(ACTIVE))
        )
    )
    for event_id in active:
        cancel_signup(session, person_id, event_id, now, program)
    return len(active)


SIGNUP_RANK = {"confirmed": 3, "offered": 2, "waitlisted": 1}  # cancelled, expired: 0


def _kept_over(a: Signup, b: Signup) -> bool:
    """Of one person's two sign-ups for an event, is `a` the one to keep? The further along (confirmed,
    offered, waitlisted, then ended ones); between equals, the earlier in the queue."""
    rank_a, rank_b = SIGNUP_RANK.get(a.status, 0), SIGNUP_RANK.get(b.status, 0)
    if rank_a != rank_b:
        return rank_a > rank_b
    return (a.queued_at, a.id) <= (b.queued_at, b.id)


def merge_signups(session: Session, keep_id: int, other_id: int, now: datetime | None = None) -> list[int]:
    """Before two people become one (`repo.merge_people`): for every event both signed up for, one
    sign-up may stay (one per person and event). The better one stays (`_kept_over`); the other is
    deleted with its pending reminders and offers, and a seat it held is handed to the waitlist by a
    `waitlist` job, which the scheduler runs at its next tick with the program's quiet hours. Returns
    the events whose seat was freed.

    `now` may be missing (a merge inside `find_or_create_person`, which has no clock to pass on): the
    later of the two sign-ups' last changes stands in, a moment already past, so the job is due at once."""
    mine = {row.event_id: row for row in session.scalars(select(Signup).where(Signup.person_id == keep_id))}
    if not mine:
        return []
    both = select(Signup).where(Signup.person_id == other_id, Signup.event_id.in_(mine))
    theirs = list(session.scalars(both.order_by(Signup.event_id)))
    freed = []
    for their in theirs:
        event = locked_event(session, their.event_id)  # seats change: the event first, as everywhere
        pair = (mine[their.event_id], their)
        for row in pair:
            session.refresh(row)
        kept, dropped = pair if _kept_over(*pair) else pair[::-1]
        moment = now or max(row.updated_at for row in pair)
        held_seat = dropped.status in SEATED
        jobs.drop_open(session, f"event:{their.event_id}", moment, person_id=dropped.person_id)
        session.delete(dropped)
        session.flush()
        if held_seat and event is not None:
            jobs.enqueue(session, kind="waitlist", person_id=None, due_at=moment, now=moment,
                         payload={"event": event.id}, subject=f"event:{event.id}",
                         dedupe_key=f"waitlist:{dropped.id}")
            freed.append(event.id)
    return freed


def promote_waitlist(session: Session, event: Event, now: datetime, program: Program) -> list[Signup]:
    """Offer free seats to the first on the waitlist (the event row is locked by the caller). The
    offer goes out as a proactive message; the time limit starts when it is sent."""
    if event.status != "active" or event.first_starts_at <= now:
        return []
    promoted = []
    while event.capacity is None or _taken(session, event.id) < event.capacity:
        first = session.scalar(
            select(Signup)
            .where(Signup.event_id == event.id, Signup.status == "waitlisted")
            .order_by(Signup.queued_at, Signup.id)
            .limit(1)
        )
        if first is None:
            break
        first.status = "offered"
        first.offer_expires_at = None
        first.updated_at = now
        session.flush()
        quiet = program.scheduling.quiet_hours
        due = quiet.allowed_moment(now, event.first_starts_at, now)
        if due is None:  # no moment left to tell anyone before the event: the seat stays free
            first.status = "waitlisted"
            break
        jobs.enqueue(
            session,
            kind="offer",
            person_id=first.person_id,
            due_at=due,
            now=now,
            payload={"signup": first.id},
            subject=f"event:{event.id}",
            not_after=event.first_starts_at,
            dedupe_key=f"offer:{first.id}:{now.timestamp():.0f}",
        )
        promoted.append(first)
    return promoted


def offer_sent(session: Session, signup_id: int, now: datetime, program: Program) -> datetime | None:
    """The offer reached the person: the clock to take the seat starts now."""
    signup = session.get(Signup, signup_id)
    if signup is None or signup.status != "offered":
        return None
    event = session.get(Event, signup.event_id)
    assert event is not None
    limit = timedelta(hours=program.scheduling.scheduler.waitlist_confirm_hours)
    until = min(now + limit, event.first_starts_at)
    signup.offer_expires_at = until
    jobs.enqueue(
        session,
        kind="offer_expiry",
        person_id=signup.person_id,
        due_at=until,
        now=now,
        payload={"signup": signup.id},
        subject=f"event:{event.id}",
        dedupe_key=f"expiry:{signup.id}:{until.timestamp():.0f}",
    )
    return until


def expire_offer(session: Session, signup_id: int, now: datetime, program: Program) -> bool:
    signup = session.get(Signup, signup_id)
    if signup is None:
        return False
    event = locked_event(session, signup.event_id)
    session.refresh(signup)
    if (
        event is None
        or signup.status != "offered"
        or signup.offer_expires_at is None
        or signup.offer_expires_at > now
    ):
        return False
    signup.status = "expired"
    signup.updated_at = now
    promote_waitlist(session, event, now, program)
    return True


def lapse_offer(session: Session, person_id: int, event_id: int, now: datetime, program: Program) -> bool:
    """The offer's question timed out (`flows.events.OFFER`): the seat goes to the next in line."""
    signup = session.scalar(select(Signup).where(Signup.event_id == event_id, Signup.person_id == person_id))
    return signup is not None and withdraw_offer(session, signup.id, now, program)


def withdraw_offer(session: Session, signup_id: int, now: datetime, program: Program) -> bool:
    """The offer could not reach the person (no channel, quiet until the event): the seat goes on."""
    signup = session.get(Signup, signup_id)
    if signup is None:
        return False
    event = locked_event(session, signup.event_id)
    session.refresh(signup)
    if event is None or signup.status != "offered":
        return False
    signup.status = "expired"
    signup.updated_at = now
    promote_waitlist(session, event, now, program)
    return True


def answer_offer(
    session: Session, person_id: int, event_id: int, accept: bool, now: datetime, program: Program
) -> str:
    event = locked_event(session, event_id)
    signup = session.scalar(select(Signup).where(Signup.event_id == event_id, Signup.person_id == person_id))
    if event is None or signup is None:
        return "unavailable"
    if signup.status != "offered" or (signup.offer_expires_at is not None and signup.offer_expires_at <= now):
        return "expired" if accept else "declined"
    if not accept:
        signup.status = "cancelled"
        signup.updated_at = now
        jobs.drop_open(session, f"event:{event_id}", now, person_id=person_id)
        promote_waitlist(session, event, now, program)
        return "declined"
    signup.status = "confirmed"
    signup.offer_expires_at = None
    signup.updated_at = now
    jobs.drop_open(session, f"event:{event_id}", now, person_id=person_id, kinds=("offer_expiry",))
    schedule_reminders(session, signup, event, now, program)
    return "confirmed"


def answer_attendance(
    session: Session, person_id: int, event_id: int, coming: bool, now: datetime, program: Program
) -> str:
    signup = session.scalar(select(Signup).where(Signup.event_id == event_id, Signup.person_id == person_id))
    if signup is None or signup.status != "confirmed":
        return "unavailable"
    signup.attendance_answer = "coming" if coming else "not_coming"
    signup.attendance_answered_at = now
    signup.updated_at = now
    if not coming:
        cancel_signup(session, person_id, event_id, now, program)
        signup.attendance_answer = "not_coming"
    return "coming" if coming else "not_coming"


# ---- reminders -------------------------------------------------------------------------------
def schedule_reminders(
    session: Session, signup: Signup, event: Event, now: datetime, program: Program
) -> int:
    """One reminder per session and offset of the event's kind, moved out of quiet hours; none for
    a moment already past. Returns how many were made."""
    settings = program.scheduling
    confirm = event.kind in settings.reminders.confirm_attendance
    made = 0
    for ses in event.sessions:
        if ses.starts_at <= now:
            continue
        for offset in settings.reminders.for_kind(event.kind):
            wanted = ses.starts_at - offset
            if wanted < now:
                continue
            due = settings.quiet_hours.allowed_moment(wanted, ses.starts_at, now)
            if due is None:
                continue
            key = (
                f"rem:{signup.id}:{signup.queued_at.timestamp():.0f}:{ses.starts_at.timestamp():.0f}:"
                f"{offset.total_seconds():.0f}"
            )
            made += (
                jobs.enqueue(
                    session,
                    kind="reminder",
                    person_id=signup.person_id,
                    due_at=due,
                    now=now,
                    payload={
                        "signup": signup.id,
                        "session": ses.id,
                        "confirm": confirm and ses is event.sessions[0],
                    },
                    subject=f"event:{event.id}",
                    not_after=ses.starts_at,
                    dedupe_key=key,
                )
                is not None
            )
    return made


def _notice(
    session: Session,
    person_id: int,
    key: str,
    params: dict[str, Any],
    subject: str,
    not_after: datetime | None,
    now: datetime,
    program: Program,
    dedupe: str,
) -> None:
    due = program.scheduling.quiet_hours.allowed_moment(now, not_after, now)
    if due is not None:
        jobs.enqueue(
            session,
            kind="notice",
            person_id=person_id,
            due_at=due,
            now=now,
            payload={"key": key, "params": params},
            subject=None,
            not_after=not_after,
            dedupe_key=f"notice:{dedupe}",
        )


# ---- personal meetings -----------------------------------------------------------------------
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
    told = settings.quiet_hours.allowed_moment(now, meeting.starts_at, now)
    if told is not None:
        jobs.enqueue(
            session,
            kind="meeting",
            person_id=meeting.person_id,
            due_at=told,
            now=now,
            payload={"meeting": meeting.id, "note": note},
            subject=subject,
            not_after=meeting.starts_at,
            dedupe_key=f"meet:{meeting.id}:{stamp}:told",
        )
    for offset in settings.reminders.for_kind("meeting"):
        wanted = meeting.starts_at - offset
        due = settings.quiet_hours.allowed_moment(wanted, meeting.starts_at, now) if wanted >= now else None
        if due is not None:
            jobs.enqueue(
                session,
                kind="meeting",
                person_id=meeting.person_id,
                due_at=due,
                now=now,
                payload={"meeting": meeting.id, "note": "reminder"},
                subject=subject,
                not_after=meeting.starts_at,
                dedupe_key=f"meet:{meeting.id}:{stamp}:{offset.total_seconds():.0f}",
            )


def cancel_meeting(session: Session, meeting_id: int, now: datetime, program: Program) -> Meeting:
    meeting = locked(session, Meeting, meeting_id)
    if meeting is None or meeting.status not in MEETING_OPEN:
        raise LookupError(f"no open meeting {meeting_id}")
    meeting.status = "cancelled_by_staff"
    meeting.updated_at = now
    jobs.drop_open(session, f"meeting:{meeting.id}", now)
    _notice(
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
        .where(StaffTask.reference == f"meeting:{meeting.id}", StaffTask.kind == "reschedule",
               StaffTask.status == "open")
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
        raise ValueError(f"meeting #{meeting.id} is on {_local_text(meeting.starts_at)}: attendance is "
                         "marked once it has begun")
    if value == "late":
        value = "late_not_admitted" if program.scheduling.meetings.late_arrival_blocks_entry else "attended"
    if value not in ATTENDANCE:
        raise ValueError("attendance is one of: attended, no_show, late")
    if meeting.status not in MEETING_OPEN + ATTENDANCE:
        raise ValueError(f"meeting #{meeting.id} is {meeting.status}: attendance is marked only on a "
                         "meeting that was on (scheduled, confirmed or reschedule_requested), or to "
                         "correct one already marked")
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


# ---- what a step may consult ------------------------------------------------------------------
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
        session.scalars(
            upcoming.where(*EXPOSURE_OPEN).limit(exposure_limit * max(len(slugs), 1))
        )
    )
    center_id = next((i for i, s in slugs.items() if s == center), None)
    own = list(session.scalars(upcoming.where(Event.center_id == center_id).limit(40))) if center_id else []
    mine = {
        s.event_id: s
        for s in session.scalars(
            select(Signup).where(Signup.person_id == person_id, Signup.status.in_(ACTIVE))
        )
    }
    extra = [e for e in session.scalars(upcoming.where(Event.id.in_(list(mine)))) if e.center_id != center_id]
    staff_id = next((i for i, s in slugs.items() if s == staff_center), None) if staff_center else None
    if staff_id is None:
        staffed = []
    elif staff_id == center_id:
        staffed = own
    else:
        staffed = list(session.scalars(upcoming.where(Event.center_id == staff_id).limit(40)))
    rows = {e.id: e for e in [*exposure_rows, *own, *extra, *staffed]}
    counts = seat_counts(session, list(rows))
    taken = {i: sum(n for s, n in c.items() if s in SEATED) for i, c in counts.items()}

    def offer(event: Event) -> EventOffer:
        signup = mine.get(event.id)
        position = (
            _position(session, signup) if signup is not None and signup.status == "waitlisted" else None
        )
        return offer_of(event, lang, taken.get(event.id, 0), signup, position, slugs.get(event.center_id),
                        counts.get(event.id, {}).get("waitlisted", 0))

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


# ---- applying a step's booking effects ---------------------------------------------------------
def _meeting_answer(a: Applying, effect: AnswerMeeting) -> BookingResult:
    meeting_id = ref_id(effect.meeting, "m") or 0
    return BookingResult("meeting", answer_meeting(a.session, a.person.id, meeting_id, effect.action,
                                                   effect.reason, a.now))


def _offer_lapsed(a: Applying, effect: LetOfferLapse) -> None:
    """Said nothing: the seat passes on quietly."""
    event_id = _event_id(effect.event)
    if event_id is not None:
        lapse_offer(a.session, a.person.id, event_id, a.now, _program(a))


def _program(a: Applying) -> Program:
    assert a.program is not None, "booking effects are applied with the program's rules"
    return a.program


def _on_event(action: str, decide: Callable[[Applying, Any, int], tuple[str, int | None]]) -> Handler:
    """A booking on one event: decided under the event's lock, told with the event as it is now."""

    def handle(a: Applying, effect: Any) -> BookingResult:
        event_id = _event_id(effect.event)
        if event_id is None:
            return BookingResult("signup", "unavailable")
        status, position = decide(a, effect, event_id)
        event = a.session.get(Event, event_id)
        offer = offer_of(event, a.lang, _taken(a.session, event.id)) if event is not None else None
        return BookingResult(action, status, offer, position)

    return handle


def _sign_up(a: Applying, effect: SignUp, event_id: int) -> tuple[str, int | None]:
    return sign_up(a.session, a.person.id, event_id, a.now, _program(a))


def _cancel(a: Applying, effect: CancelSignup, event_id: int) -> tuple[str, int | None]:
    return cancel_signup(a.session, a.person.id, event_id, a.now, _program(a)), None


def _offer(a: Applying, effect: AnswerOffer, event_id: int) -> tuple[str, int | None]:
    return answer_offer(a.session, a.person.id, event_id, effect.accept, a.now, _program(a)), None


def _attendance(a: Applying, effect: AnswerAttendance, event_id: int) -> tuple[str, int | None]:
    return answer_attendance(a.session, a.person.id, event_id, effect.coming, a.now, _program(a)), None


HANDLERS: dict[type, Handler] = {
    SignUp: _on_event("signup", _sign_up),
    CancelSignup: _on_event("cancel", _cancel),
    AnswerOffer: _on_event("offer", _offer),
    AnswerAttendance: _on_event("attendance", _attendance),
    AnswerMeeting: _meeting_answer,
    LetOfferLapse: _offer_lapsed,
}


# ---- what a proactive message needs, read when it is about to go out --------------------------
def proactive_data(session: Session, kind: str, payload: dict[str, Any], lang: str) -> dict[str, Any] | None:
    """The data of the message, fresh from the database; None when it is no longer relevant (the
    event or meeting was cancelled, the sign-up is gone)."""
    if kind in ("reminder", "offer"):
        signup = session.get(Signup, int(payload["signup"]))
        if signup is None:
            return None
        event = session.get(Event, signup.event_id)
        wanted = "confirmed" if kind == "reminder" else "offered"
        if event is None or event.status != "active" or signup.status != wanted:
            return None
        ses = next((s for s in event.sessions if s.id == payload.get("session")), event.sessions[0])
        data: dict[str, Any] = {
            "event": f"e{event.id}",
            "title": title_in(event.titles, lang),
            "when": ses.starts_at.isoformat(),
            "ends": ses.ends_at.isoformat() if ses.ends_at else None,
            "place": ses.place,
            "confirm": bool(payload.get("confirm")),
        }
        if kind == "offer":
            data["signup"] = signup.id
        return data
    if kind == "meeting":
        meeting = session.get(Meeting, int(payload["meeting"]))
        if meeting is None or meeting.status not in MEETING_OPEN:
            return None
        return {
            "meeting": f"m{meeting.id}",
            "when": meeting.starts_at.isoformat(),
            "place": meeting.place,
            "promoter": meeting.promoter,
            "note": payload.get("note", "details"),
        }
    if kind == "event_moved":
        moved = session.get(Signup, int(payload["signup"]))
        event = session.get(Event, moved.event_id) if moved is not None else None
        if moved is None or event is None or event.status != "active" or moved.status not in ACTIVE:
            return None
        if where_and_when(event.sessions) == payload.get("was"):  # moved back meanwhile
            return None
        ordered = sorted(event.sessions, key=lambda s: s.starts_at)
        return {
            "event": f"e{event.id}",
            "title": title_in(event.titles, lang),
            "when": ordered[0].starts_at.isoformat(),
            "ends": ordered[0].ends_at.isoformat() if ordered[0].ends_at else None,
            "place": ordered[0].place,
            "sessions": [
                [s.starts_at.isoformat(), s.ends_at.isoformat() if s.ends_at else None, s.place]
                for s in ordered
            ],
            "status": moved.status,
            "revised": event.updated_at.isoformat(),  # the calendar file's version
        }
    if kind == "notice":
        params = dict(payload.get("params", {}))
        ref = params.pop("event", None)
        if ref is not None:
            event = session.get(Event, _event_id(ref) or 0)
            params["title"] = title_in(event.titles, lang) if event else ""
            params["when"] = event.first_starts_at.isoformat() if event else ""
            first = event.sessions[0] if event and event.sessions else None
            params["ends"] = first.ends_at.isoformat() if first and first.ends_at else None
        return {"key": payload["key"], "params": params}
    return None


def load_bookings(session: Session, person_id: int, facts: PersonFacts, lang: str, now: datetime,
                  program: Program) -> dict[str, Any]:
    """The `bookings` fact of a step's context: events, sign-ups, meetings (and staff's events)."""
    offers = event_facts(session, person_id, facts.center, lang, now,
                         program.scheduling.scheduler.exposure_buttons, staff_center=facts.staff_center)
    return {"bookings": Bookings(offers.exposure, offers.events, offers.meetings, offers.staff_events)}


FACTS = {"bookings": load_bookings}
