"""Sign-ups and the waiting list: taking a seat, giving it up, offers of a freed seat and their
deadline, the attendance question, and two people's sign-ups merged into one.

No overbooking: every change to who holds a seat of an event first locks the event's row
(`SELECT … FOR UPDATE` on PostgreSQL; on SQLite every transaction holds the single write lock from
BEGIN IMMEDIATE), then counts the seats taken (confirmed + offered) and decides.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from flows.program import Program
from storage import jobs
from storage.events.catalog import locked_event
from storage.events.reminders import schedule_reminders
from storage.events.statuses import ACTIVE, SEATED, SIGNUP_RANK
from storage.models import Event, Signup


def seats_taken(session: Session, event_id: int) -> int:
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
    return None if event.capacity is None else max(event.capacity - seats_taken(session, event.id), 0)


def waitlist_position(session: Session, signup: Signup) -> int:
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
        return "already", waitlist_position(session, signup) if signup.status == "waitlisted" else None
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
    full = event.capacity is not None and seats_taken(session, event_id) >= event.capacity
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
    return "waitlisted", waitlist_position(session, signup)


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
            jobs.enqueue(
                session,
                kind="waitlist",
                person_id=None,
                due_at=moment,
                now=moment,
                payload={"event": event.id},
                subject=f"event:{event.id}",
                dedupe_key=f"waitlist:{dropped.id}",
            )
            freed.append(event.id)
    return freed


def promote_waitlist(session: Session, event: Event, now: datetime, program: Program) -> list[Signup]:
    """Offer free seats to the first on the waitlist (the event row is locked by the caller). The
    offer goes out as a proactive message; the time limit starts when it is sent."""
    if event.status != "active" or event.first_starts_at <= now:
        return []
    promoted = []
    while event.capacity is None or seats_taken(session, event.id) < event.capacity:
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
        _queue_for(
            session,
            first,
            "offer",
            due,
            now,
            f"offer:{first.id}:{now.timestamp():.0f}",
            event.first_starts_at,
        )
        promoted.append(first)
    return promoted


def _queue_for(
    session: Session,
    signup: Signup,
    kind: str,
    due: datetime,
    now: datetime,
    dedupe_key: str,
    not_after: datetime | None = None,
) -> None:
    """Due work about one sign-up, dropped with the event's other pending work if it is cancelled."""
    jobs.enqueue(
        session,
        kind=kind,
        person_id=signup.person_id,
        due_at=due,
        now=now,
        payload={"signup": signup.id},
        subject=f"event:{signup.event_id}",
        not_after=not_after,
        dedupe_key=dedupe_key,
    )


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
    _queue_for(session, signup, "offer_expiry", until, now, f"expiry:{signup.id}:{until.timestamp():.0f}")
    return until


def expire_offer(session: Session, signup_id: int, now: datetime, program: Program) -> bool:
    """The time to take the seat is up: the seat goes to the next in line."""
    return _end_offer(session, signup_id, now, program, when_due=True)


def lapse_offer(session: Session, person_id: int, event_id: int, now: datetime, program: Program) -> bool:
    """The offer's question timed out (`flows.events.OFFER`): the seat goes to the next in line."""
    signup = session.scalar(select(Signup).where(Signup.event_id == event_id, Signup.person_id == person_id))
    return signup is not None and withdraw_offer(session, signup.id, now, program)


def withdraw_offer(session: Session, signup_id: int, now: datetime, program: Program) -> bool:
    """The offer could not reach the person (no channel, quiet until the event): the seat goes on."""
    return _end_offer(session, signup_id, now, program, when_due=False)


def _end_offer(session: Session, signup_id: int, now: datetime, program: Program, when_due: bool) -> bool:
    """An offered seat that is still offered (and, `when_due`, whose time is up) expires, and the
    waiting list moves on; False when there is nothing to end."""
    signup = session.get(Signup, signup_id)
    if signup is None:
        return False
    event = locked_event(session, signup.event_id)
    session.refresh(signup)
    if event is None or signup.status != "offered":
        return False
    if when_due and (signup.offer_expires_at is None or signup.offer_expires_at > now):
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
