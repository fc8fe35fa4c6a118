"""What is queued to tell the people of an event later: the reminders before each session, the notice
that an event moved, and one-off notices (an event or a meeting cancelled)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from flows.program import Program
from storage import jobs
from storage.events.statuses import ACTIVE
from storage.models import Event, EventSession, ScheduledJob, Signup


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


def queue_notice(
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
