"""The order of the waiting list and the limits of sign-ups, offers and reminders in time, on SQLite.

Each person here signs up at a moment of their own (the clock moves between sign-ups), so the order
of the list comes from when they joined it and not from the row ids."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from bot.bootstrap import App
from storage import events as ev
from storage.events.signups import answer_offer, lapse_offer
from storage.models import Signup
from tests.conftest import FakeClock
from tests.events_kit import (
    FakeSender,
    at,
    event,
    job_rows,
    local_times,
    participant,
    scheduler,
    sign_up,
    signup_status,
)


def queue(app: App, clock: FakeClock, workshop: int, *people: int) -> list[tuple[str, int | None]]:
    """Sign each person up a minute after the one before."""
    answers = []
    for person in people:
        clock.advance(minutes=1)
        answers.append(sign_up(app, person, workshop))
    return answers


def cancel(app: App, clock: FakeClock, person: int, workshop: int) -> None:
    clock.advance(minutes=1)
    with app.db.transaction() as s:
        assert ev.cancel_signup(s, person, workshop, clock(), app.program) == "cancelled"


def statuses(app: App, workshop: int, *people: int) -> list[str | None]:
    return [signup_status(app, p, workshop) for p in people]


# ---- the order of the list ---------------------------------------------------------------------
def test_a_freed_seat_goes_to_whoever_joined_the_waiting_list_first(app: App, clock: FakeClock) -> None:
    workshop = event(app, at(2026, 12, 13, 9), capacity=1)
    ruth, dana, avi, moshe = (participant(app, n) for n in ("1", "2", "3", "4"))
    assert queue(app, clock, workshop, ruth, dana, avi, moshe) == [
        ("confirmed", None),
        ("waitlisted", 1),
        ("waitlisted", 2),
        ("waitlisted", 3),
    ]
    cancel(app, clock, ruth, workshop)
    assert statuses(app, workshop, dana, avi, moshe) == ["offered", "waitlisted", "waitlisted"]


def test_leaving_the_waiting_list_and_joining_again_goes_to_its_end(app: App, clock: FakeClock) -> None:
    workshop = event(app, at(2026, 12, 13, 9), capacity=1)
    ruth, dana, avi = (participant(app, n) for n in ("1", "2", "3"))
    queue(app, clock, workshop, ruth, dana, avi)
    cancel(app, clock, dana, workshop)
    # Dana's row is older than Avi's, but she joined the list again after him
    assert queue(app, clock, workshop, dana) == [("waitlisted", 2)]
    assert sign_up(app, avi, workshop) == ("already", 1)
    cancel(app, clock, ruth, workshop)
    assert statuses(app, workshop, avi, dana) == ["offered", "waitlisted"]


def test_a_newcomer_does_not_take_a_free_seat_ahead_of_the_waiting_list(app: App, clock: FakeClock) -> None:
    clock.now = at(2026, 11, 27, 13)  # Friday 13:00; Shabbat's quiet hours start at 14:00
    workshop = event(app, at(2026, 11, 27, 16), capacity=1)  # an event inside the quiet hours
    ruth, dana, avi = (participant(app, n) for n in ("1", "2", "3"))
    queue(app, clock, workshop, ruth, dana)
    clock.now = at(2026, 11, 27, 15)
    cancel(app, clock, ruth, workshop)
    # no moment is left to tell Dana before the event: she stays first in line, nobody is offered
    assert statuses(app, workshop, dana) == ["waitlisted"]
    assert job_rows(app, kind="offer") == []
    assert queue(app, clock, workshop, avi) == [("waitlisted", 2)]


def test_a_seat_freed_while_a_moment_is_left_is_offered_at_that_moment(app: App, clock: FakeClock) -> None:
    clock.now = at(2026, 11, 27, 11)  # Friday morning, before the quiet hours
    workshop = event(app, at(2026, 11, 27, 16), capacity=1)
    ruth, dana = participant(app, "1"), participant(app, "2")
    queue(app, clock, workshop, ruth, dana)
    cancel(app, clock, ruth, workshop)
    assert statuses(app, workshop, dana) == ["offered"]
    [row] = job_rows(app, kind="offer")
    assert row.due_at == clock.now and row.not_after == at(2026, 11, 27, 16)


# ---- limits in time ------------------------------------------------------------------------------
def test_signing_up_closes_when_the_event_starts(app: App, clock: FakeClock) -> None:
    starts = at(2026, 11, 24, 10)
    workshop = event(app, starts)
    ruth, dana = participant(app, "1"), participant(app, "2")
    clock.now = starts - timedelta(seconds=1)
    assert sign_up(app, ruth, workshop) == ("confirmed", None)  # a moment before the start
    clock.now = starts
    assert sign_up(app, dana, workshop) == ("unavailable", None)


def test_a_seat_offer_never_runs_past_the_start_of_the_event(app: App, clock: FakeClock) -> None:
    starts = at(2026, 11, 24, 15)  # Tuesday afternoon: well inside the 24 hours an offer usually gets
    workshop = event(app, starts, capacity=1)
    ruth, dana = participant(app, "1"), participant(app, "2")
    clock.now = at(2026, 11, 24, 9)
    queue(app, clock, workshop, ruth, dana)
    cancel(app, clock, ruth, workshop)
    scheduler(app, FakeSender()).run_until_idle()
    with app.db.transaction() as s:
        offered = s.scalar(select(Signup).where(Signup.person_id == dana, Signup.event_id == workshop))
        assert offered is not None and offered.offer_expires_at == starts
    assert [r.due_at for r in job_rows(app, kind="offer_expiry")] == [starts]


def test_a_full_days_offer_when_the_event_is_further_away(app: App, clock: FakeClock) -> None:
    workshop = event(app, at(2026, 12, 13, 9), capacity=1)
    ruth, dana = participant(app, "1"), participant(app, "2")
    queue(app, clock, workshop, ruth, dana)
    cancel(app, clock, ruth, workshop)
    scheduler(app, FakeSender()).run_until_idle()  # the offer goes out at once, Sunday 10:03
    assert local_times(job_rows(app, kind="offer_expiry")) == [datetime(2026, 11, 23, 10, 3)]  # a day later


def test_reminders_whose_moment_has_passed_are_not_made(app: App, clock: FakeClock) -> None:
    ruth = participant(app, "1")
    workshop = event(app, at(2026, 11, 22, 20))  # tonight; "the day before" was yesterday evening
    assert sign_up(app, ruth, workshop) == ("confirmed", None)
    assert local_times(job_rows(app, kind="reminder")) == [datetime(2026, 11, 22, 18)]  # two hours before


# ---- one person's change leaves the others' sign-ups alone --------------------------------------
def pending_kinds(app: App, person: int, event_id: int) -> list[str]:
    return sorted(
        j.kind for j in job_rows(app, person_id=person, subject=f"event:{event_id}", state="pending")
    )


def test_cancelling_one_sign_up_leaves_my_other_sign_ups_and_the_others_reminders(
    app: App, clock: FakeClock
) -> None:
    workshop = event(app, at(2026, 12, 13, 9), capacity=2)
    evening = event(app, at(2026, 12, 14, 18))
    ruth, avi, dana = (participant(app, n) for n in ("1", "2", "3"))
    queue(app, clock, evening, ruth)
    queue(app, clock, workshop, ruth, avi, dana)
    cancel(app, clock, ruth, workshop)
    assert statuses(app, workshop, ruth, avi, dana) == ["cancelled", "confirmed", "offered"]
    assert signup_status(app, ruth, evening) == "confirmed"
    assert pending_kinds(app, ruth, workshop) == []
    assert pending_kinds(app, ruth, evening) == ["reminder", "reminder"]  # still reminded of the evening
    assert pending_kinds(app, avi, workshop) == ["reminder", "reminder"]


def test_declining_an_offer_gives_the_seat_on_and_leaves_my_other_sign_ups(
    app: App, clock: FakeClock
) -> None:
    workshop = event(app, at(2026, 12, 13, 9), capacity=2)
    evening = event(app, at(2026, 12, 14, 18))
    ruth, moshe, dana, avi = (participant(app, n) for n in ("1", "2", "3", "4"))
    queue(app, clock, evening, dana)
    queue(app, clock, workshop, ruth, moshe, dana, avi)
    cancel(app, clock, ruth, workshop)
    scheduler(app, FakeSender()).run_until_idle()  # the offer goes out to Dana
    clock.advance(minutes=5)
    with app.db.transaction() as s:
        assert answer_offer(s, dana, workshop, False, clock(), app.program) == "declined"
    assert statuses(app, workshop, moshe, dana, avi) == ["confirmed", "cancelled", "offered"]
    assert signup_status(app, dana, evening) == "confirmed"
    assert pending_kinds(app, dana, workshop) == []
    assert pending_kinds(app, dana, evening) == ["reminder", "reminder"]
    assert pending_kinds(app, moshe, workshop) == ["reminder", "reminder"]


def test_taking_an_offered_seat_confirms_that_sign_up_and_leaves_the_next_offer_running(
    app: App, clock: FakeClock
) -> None:
    workshop = event(app, at(2026, 12, 13, 9), capacity=2)
    evening = event(app, at(2026, 12, 14, 18), capacity=1)
    ruth, moshe, dana, avi = (participant(app, n) for n in ("1", "2", "3", "4"))
    queue(app, clock, evening, moshe, dana)  # Dana waits for the evening too
    queue(app, clock, workshop, ruth, moshe, dana, avi)
    cancel(app, clock, ruth, workshop)
    cancel(app, clock, moshe, workshop)  # two seats free: offered to Dana and to Avi
    scheduler(app, FakeSender()).run_until_idle()
    assert statuses(app, workshop, dana, avi) == ["offered", "offered"]
    clock.advance(minutes=5)
    with app.db.transaction() as s:
        assert answer_offer(s, dana, workshop, True, clock(), app.program) == "confirmed"
    assert statuses(app, workshop, dana, avi) == ["confirmed", "offered"]
    assert signup_status(app, dana, evening) == "waitlisted"
    assert pending_kinds(app, dana, workshop) == ["reminder", "reminder"]
    assert "offer_expiry" in pending_kinds(app, avi, workshop)  # Avi's offer still has its deadline


def test_the_waiting_list_number_counts_only_the_people_waiting_for_that_event(
    app: App, clock: FakeClock
) -> None:
    workshop = event(app, at(2026, 12, 13, 9), capacity=1)
    evening = event(app, at(2026, 12, 14, 18), capacity=1)
    ruth, dana, avi, moshe = (participant(app, n) for n in ("1", "2", "3", "4"))
    assert queue(app, clock, evening, ruth, dana, avi) == [
        ("confirmed", None),
        ("waitlisted", 1),
        ("waitlisted", 2),
    ]
    # the evening's full list and its waiting people make the workshop neither full nor its list longer
    assert queue(app, clock, workshop, moshe, ruth) == [("confirmed", None), ("waitlisted", 1)]


def test_a_cancelled_event_takes_no_sign_ups(app: App, clock: FakeClock) -> None:
    workshop = event(app, at(2026, 12, 13, 9))
    ruth = participant(app, "1")
    with app.db.transaction() as s:
        ev.cancel_event(s, workshop, clock(), app.program)
    assert sign_up(app, ruth, workshop) == ("unavailable", None)


def test_a_yes_at_the_very_moment_the_offer_runs_out_gives_no_seat(app: App, clock: FakeClock) -> None:
    workshop = event(app, at(2026, 12, 13, 9), capacity=1)
    ruth, dana, avi = (participant(app, n) for n in ("1", "2", "3"))
    queue(app, clock, workshop, ruth, dana, avi)
    cancel(app, clock, ruth, workshop)
    scheduler(app, FakeSender()).run_until_idle()  # the offer reaches Dana; her day to answer starts
    with app.db.transaction() as s:
        [deadline] = s.scalars(select(Signup.offer_expires_at).where(Signup.person_id == dana))
    clock.now = deadline  # the very moment the time is up
    with app.db.transaction() as s:
        assert answer_offer(s, dana, workshop, True, clock(), app.program) == "expired"
    assert statuses(app, workshop, dana) == ["offered"]  # not confirmed: the deadline job passes it on


def test_a_yes_pressed_after_declining_the_offer_gives_no_seat(app: App, clock: FakeClock) -> None:
    workshop = event(app, at(2026, 12, 13, 9), capacity=1)
    ruth, dana, avi = (participant(app, n) for n in ("1", "2", "3"))
    queue(app, clock, workshop, ruth, dana, avi)
    cancel(app, clock, ruth, workshop)
    with app.db.transaction() as s:
        assert answer_offer(s, dana, workshop, False, clock(), app.program) == "declined"
    clock.advance(minutes=1)
    with app.db.transaction() as s:
        assert answer_offer(s, dana, workshop, True, clock(), app.program) == "expired"
    assert statuses(app, workshop, dana, avi) == ["cancelled", "offered"]


def test_cancelling_a_sign_up_never_made_is_refused(app: App, clock: FakeClock) -> None:
    workshop = event(app, at(2026, 12, 13, 9))
    ruth = participant(app, "1")
    with app.db.transaction() as s:
        assert ev.cancel_signup(s, ruth, workshop, clock(), app.program) == "unavailable"


def test_an_offers_question_timing_out_passes_on_that_events_seat_only(app: App, clock: FakeClock) -> None:
    evening = event(app, at(2026, 12, 14, 18))
    workshop = event(app, at(2026, 12, 13, 9), capacity=1)
    ruth, dana, avi = (participant(app, n) for n in ("1", "2", "3"))
    queue(app, clock, evening, dana)  # Dana's first sign-up is for the evening
    queue(app, clock, workshop, ruth, dana, avi)
    cancel(app, clock, ruth, workshop)
    with app.db.transaction() as s:
        assert lapse_offer(s, dana, workshop, clock(), app.program)
    assert statuses(app, workshop, dana, avi) == ["expired", "offered"]
    assert signup_status(app, dana, evening) == "confirmed"
