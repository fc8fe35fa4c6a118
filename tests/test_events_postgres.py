"""PostgreSQL under concurrency: no overbooking when 50 people sign up at once for 10 seats, and two
schedulers (each with its own engine) on one database send each of 1,000 due reminders exactly once."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import datetime

import pytest
from sqlalchemy import insert, select

from bot.bootstrap import App
from bot.outbound import Proactive, Recipient, SendResult
from bot.scheduler import Scheduler
from storage import events as ev
from storage.db import Database
from storage.models import ChannelIdentity, Person, ScheduledJob, Signup
from tests.conftest import FakeClock
from tests.events_kit import FakeSender, at, event

pytestmark = [pytest.mark.postgres, pytest.mark.app(db="postgres")]


def people(app: App, n: int) -> list[int]:
    now = app.clock()
    with app.db.transaction() as s:
        ids = list(
            s.scalars(
                insert(Person).returning(Person.id),
                [
                    {"created_at": now, "language": "he", "opted_out": False, "role": "participant"}
                    for _ in range(n)
                ],
            )
        )
        s.execute(
            insert(ChannelIdentity),
            [
                {
                    "person_id": i,
                    "channel": "telegram",
                    "external_id": str(i),
                    "created_at": now,
                    "unreachable": False,
                }
                for i in ids
            ],
        )
    return ids


def test_fifty_simultaneous_sign_ups_for_ten_seats(app: App) -> None:
    workshop = event(app, at(2026, 12, 13, 9), capacity=10)
    who = people(app, 50)
    start = threading.Barrier(50)
    results: dict[int, tuple[str, int | None]] = {}

    def sign_up(person_id: int) -> None:
        start.wait()
        with app.db.transaction() as s:  # each thread its own session and transaction
            results[person_id] = ev.sign_up(s, person_id, workshop, app.clock(), app.program)

    threads = [threading.Thread(target=sign_up, args=(p,)) for p in who]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert Counter(status for status, _ in results.values()) == {"confirmed": 10, "waitlisted": 40}
    with app.db.transaction() as s:
        rows = s.scalars(select(Signup).where(Signup.event_id == workshop)).all()
        assert Counter(r.status for r in rows) == {"confirmed": 10, "waitlisted": 40}
        queue = s.scalars(
            select(Signup.person_id)
            .where(Signup.status == "waitlisted")
            .order_by(Signup.queued_at, Signup.id)
        ).all()
    # in order: the position each was told is their place in the queue
    assert [results[p][1] for p in queue] == list(range(1, 41))
    # and a cancellation offers the seat to the first of them, once
    confirmed = next(p for p, (status, _) in results.items() if status == "confirmed")
    with app.db.transaction() as s:
        ev.cancel_signup(s, confirmed, workshop, app.clock(), app.program)
        offered = s.scalars(select(Signup.person_id).where(Signup.status == "offered")).all()
    assert offered == [queue[0]]


class MeetingSender(FakeSender):
    """A fake sender whose first send waits at `meet` for the other scheduler's first send."""

    def __init__(self, meet: threading.Barrier) -> None:
        super().__init__()
        self.meet = meet
        self.met = False

    def send(self, recipient: Recipient, message: Proactive, now: datetime) -> SendResult:
        if not self.met:
            self.met = True
            self.meet.wait()
        return super().send(recipient, message, now)


def test_two_schedulers_send_each_of_a_thousand_due_reminders_exactly_once(
    app: App, pg_url: str, clock: FakeClock
) -> None:
    workshop = event(app, at(2026, 12, 13, 9), capacity=None)
    who = people(app, 1000)
    now = clock()
    with app.db.transaction() as s:
        signups = list(
            s.scalars(
                insert(Signup).returning(Signup.id),
                [
                    {
                        "event_id": workshop,
                        "person_id": p,
                        "status": "confirmed",
                        "queued_at": now,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for p in who
                ],
            )
        )
        s.execute(
            insert(ScheduledJob),
            [
                {
                    "kind": "reminder",
                    "person_id": p,
                    "subject": f"event:{workshop}",
                    "due_at": now,
                    "scheduled_for": now,
                    "not_after": at(2026, 12, 13, 9),
                    "state": "pending",
                    "attempts": 0,
                    "payload": {"signup": sid, "confirm": False},
                    "created_at": now,
                    "updated_at": now,
                }
                for p, sid in zip(who, signups, strict=True)
            ],
        )
    # Both take part, however the machine schedules the two threads: each one's first send waits
    # until the other has claimed rows of its own and reached its first send too.
    meet = threading.Barrier(2, timeout=120)
    senders = [MeetingSender(meet), MeetingSender(meet)]
    engines = [Database(pg_url) for _ in range(2)]
    workers = [
        Scheduler(db, app.program, app.catalogs, clock, {"telegram": sender})
        for db, sender in zip(engines, senders, strict=True)
    ]
    threads = [threading.Thread(target=w.run_until_idle) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(600)
    assert not any(t.is_alive() for t in threads), "the schedulers did not finish"
    references = senders[0].references() + senders[1].references()
    assert len(references) == 1000 and len(set(references)) == 1000
    assert all(sender.sent for sender in senders)  # both took part
    with app.db.transaction() as s:
        assert Counter(s.scalars(select(ScheduledJob.state))) == {"sent": 1000}
    for db in engines:
        db.dispose()


@pytest.mark.parametrize(
    "scenario",
    [
        "test_joining_two_people_signed_up_for_one_event_keeps_the_confirmed_sign_up",
        "test_joining_two_people_each_holding_a_seat_gives_one_seat_to_the_waitlist",
        "test_joining_two_people_on_one_waitlist_keeps_the_earlier_place",
    ],
)
def test_joining_two_people_signed_up_for_one_event_on_postgresql(app: App, scenario: str) -> None:
    """The same cases as in test_events.py (SQLite), on PostgreSQL's locking and constraints."""
    from tests import test_events

    getattr(test_events, scenario)(app)
