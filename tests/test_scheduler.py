"""The durable scheduler on a fake clock (no sleeping): reminder offsets, quiet hours, Shabbat and
holidays, sending exactly once, catching up after downtime, lease expiry after a crash, edited and
cancelled events, passed reminders, and what happens when a reminder cannot get through."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.bootstrap import App
from bot.outbound import SendResult, SendStatus
from bot.program_config import DEFAULT_CONFIG
from flows.scheduling import QuietHours
from storage import events as ev
from storage import jobs
from storage.events.signups import answer_attendance
from storage.models import ChannelIdentity, Conversation, ScheduledJob, Signup, StaffTask
from tests.conftest import FakeClock, make_app
from tests.events_kit import (
    TZ,
    FakeSender,
    add_identity,
    at,
    event,
    job_rows,
    local_times,
    meeting,
    participant,
    scheduler,
    sign_up,
)
from tests.kit.dispatcher import Person_, render

QUIET = QuietHours()


# ---- offsets and quiet hours -----------------------------------------------------------------
def test_a_workshop_is_reminded_the_day_before_and_two_hours_before(app: App) -> None:
    ruth = participant(app, "1")
    workshop = event(app, at(2026, 11, 26, 10))  # Thursday
    assert sign_up(app, ruth, workshop) == ("confirmed", None)
    rows = job_rows(app, kind="reminder")
    assert local_times(rows) == [datetime(2026, 11, 25, 10), datetime(2026, 11, 26, 8)]
    assert all(r.not_after == at(2026, 11, 26, 10) and not r.payload["confirm"] for r in rows)


def test_an_exposure_conference_is_reminded_three_days_before_with_a_request_to_confirm(app: App) -> None:
    ruth = participant(app, "1")
    conference = event(app, at(2026, 11, 25, 18), kind="exposure_conference", title="כנס חשיפה")
    sign_up(app, ruth, conference)
    (row,) = job_rows(app, kind="reminder")
    assert local_times([row]) == [datetime(2026, 11, 22, 18)] and row.payload["confirm"] is True


def test_every_session_of_a_multi_meeting_workshop_is_reminded(app: App) -> None:
    ruth = participant(app, "1")
    course = event(app, [at(2026, 11, 24, 12), at(2026, 12, 1, 12)], kind="back_to_work")
    sign_up(app, ruth, course)
    assert local_times(job_rows(app, kind="reminder")) == [
        datetime(2026, 11, 23, 12),
        datetime(2026, 11, 24, 10),
        datetime(2026, 11, 30, 12),
        datetime(2026, 12, 1, 10),
    ]


def test_a_reminder_that_would_fall_at_night_moves_to_eight_in_the_morning(app: App) -> None:
    ruth = participant(app, "1")
    sign_up(app, ruth, event(app, at(2026, 11, 24, 9)))  # Tuesday 09:00: "two hours before" is 07:00
    assert local_times(job_rows(app, kind="reminder")) == [
        datetime(2026, 11, 23, 9),
        datetime(2026, 11, 24, 8),
    ]


def test_no_reminder_on_shabbat_it_goes_out_on_saturday_night(app: App) -> None:
    ruth = participant(app, "1")
    sign_up(app, ruth, event(app, at(2026, 11, 29, 10)))  # Sunday 10:00: "the day before" is Saturday 10:00
    assert local_times(job_rows(app, kind="reminder")) == [
        datetime(2026, 11, 28, 20),
        datetime(2026, 11, 29, 8),
    ]


def test_when_no_allowed_moment_is_left_before_the_event_the_last_allowed_one_is_used(app: App) -> None:
    ruth = participant(app, "1")
    sign_up(app, ruth, event(app, at(2026, 11, 29, 8)))  # Sunday 08:00: two hours before is 06:00
    assert local_times(job_rows(app, kind="reminder")) == [
        datetime(2026, 11, 28, 20),
        datetime(2026, 11, 28, 20, 59),
    ]


def test_holidays_from_the_library_are_quiet_and_so_is_their_eve(tmp_path, sqlite_url: str) -> None:  # type: ignore[no-untyped-def]
    assert QUIET.quiet(at(2026, 9, 21, 11))  # Yom Kippur (a Monday)
    assert QUIET.quiet(at(2026, 9, 20, 15)) and not QUIET.quiet(at(2026, 9, 20, 13))  # its eve, from 14:00
    assert QUIET.quiet(at(2026, 9, 13, 12))  # Rosh Hashana, second day (a Sunday)
    assert not QUIET.quiet(at(2026, 9, 22, 8)) and not QUIET.quiet(at(2026, 9, 23, 12))
    assert not QuietHours(holidays=False).quiet(at(2026, 9, 21, 11))
    assert not QuietHours(enabled=False).quiet(at(2026, 11, 28, 12))  # nor Shabbat when switched off

    app = make_app(sqlite_url, FakeClock(at(2026, 9, 8, 10)), tmp_path)
    ruth = participant(app, "1")
    sign_up(app, ruth, event(app, at(2026, 9, 22, 10)))  # the day after Yom Kippur
    sign_up(app, ruth, event(app, at(2026, 9, 14, 10), title="אחרי ראש השנה"))
    assert local_times(job_rows(app, kind="reminder")) == [
        datetime(2026, 9, 14, 8),
        datetime(2026, 9, 14, 8),
        datetime(2026, 9, 22, 8),
        datetime(2026, 9, 22, 8),
    ]
    app.db.dispose()


def test_quiet_hours_are_configuration(tmp_path, sqlite_url: str, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "program.toml"
    base = DEFAULT_CONFIG.read_text(encoding="utf-8")
    config.write_text(
        base.replace('night_end = "08:00"', 'night_end = "09:30"').replace(
            'exposure_conference = ["3d"]', 'exposure_conference = ["2d", "3h"]'
        ),
        encoding="utf-8",
    )
    app = make_app(sqlite_url, clock, tmp_path, program_config=str(config))
    ruth = participant(app, "1")
    sign_up(app, ruth, event(app, at(2026, 11, 25, 11), kind="exposure_conference"))
    assert local_times(job_rows(app, kind="reminder")) == [
        datetime(2026, 11, 23, 11),
        datetime(2026, 11, 25, 9, 30),
    ]
    app.db.dispose()


# ---- sending, once -----------------------------------------------------------------------------
def test_a_due_reminder_is_sent_once_in_the_persons_language(app: App, clock: FakeClock) -> None:
    ruth = participant(app, "1", lang="en")
    sign_up(app, ruth, event(app, at(2026, 11, 26, 10)))
    sender = FakeSender()
    worker = scheduler(app, sender)
    assert worker.tick().claimed == 0
    clock.now = at(2026, 11, 25, 10)
    assert worker.tick().sent == 1
    assert worker.tick().claimed == 0  # sent rows are never claimed again
    message = sender.last_for(ruth)
    text = render(app, message.lang, message.replies)
    assert "Reminder: Opening workshop, Wednesday, November 26, 2026" not in text  # (the 26th is a Thursday)
    assert "Reminder: Opening workshop, Thursday, November 26, 2026, 10:00–12:00, room 2" in text
    assert [r.state for r in job_rows(app, kind="reminder")] == ["sent", "pending"]


def test_work_due_while_the_process_was_down_is_sent_on_start_if_still_relevant(
    app: App, clock: FakeClock
) -> None:
    people = [participant(app, str(n)) for n in range(3)]
    soon, later = event(app, at(2026, 11, 24, 12)), event(app, at(2026, 11, 26, 12), title="סדנה אחרת")
    for p in people:
        sign_up(app, p, soon)
        sign_up(app, p, later)
    clock.now = at(2026, 11, 25, 12, 30)  # down since Sunday: "soon" is over, "later"'s day-before is due
    sender = FakeSender()
    report = scheduler(app, sender).run_until_idle()
    assert report.sent == 3
    states = {
        (r.subject, r.scheduled_for.astimezone(TZ).hour, r.state) for r in job_rows(app, kind="reminder")
    }
    assert (f"event:{soon}", 10, "dropped") in states and (f"event:{soon}", 12, "dropped") in states  # passed
    assert sorted(r.state for r in job_rows(app, subject=f"event:{later}")) == ["pending"] * 3 + ["sent"] * 3


def test_a_claim_left_by_a_crashed_process_is_retried_after_the_lease(app: App, clock: FakeClock) -> None:
    ruth = participant(app, "1")
    sign_up(app, ruth, event(app, at(2026, 11, 26, 10)))
    clock.now = at(2026, 11, 25, 10)
    with app.db.transaction() as s:  # a process claims and dies before sending
        (claimed,) = jobs.claim(
            s, clock.now, timedelta(seconds=app.program.scheduling.scheduler.lease_seconds), 10
        )
    sender = FakeSender()
    worker = scheduler(app, sender)
    assert worker.tick().claimed == 0 and sender.sent == []  # still leased to the dead process
    clock.advance(seconds=app.program.scheduling.scheduler.lease_seconds + 1)
    assert worker.tick().sent == 1
    assert sender.references() == [f"job:{claimed}"]
    (row,) = [r for r in job_rows(app) if r.id == claimed]
    assert row.state == "sent" and row.attempts == 2


def test_a_slow_process_whose_lease_expired_does_not_record_over_the_new_claim(
    app: App, clock: FakeClock
) -> None:
    ruth = participant(app, "1")
    sign_up(app, ruth, event(app, at(2026, 11, 26, 10)))
    clock.now = at(2026, 11, 25, 10)
    worker = scheduler(app, FakeSender())
    lease = timedelta(seconds=app.program.scheduling.scheduler.lease_seconds)
    with app.db.transaction() as s:
        (job_id,) = jobs.claim(s, clock.now, lease, 10)
    with app.db.transaction() as s:
        prepared = worker.prepare(s, job_id, clock.now + lease)
    assert prepared is not None
    clock.advance(seconds=lease.total_seconds() + 1)
    other = FakeSender()
    assert scheduler(app, other).tick().sent == 1  # the second process takes it over
    with app.db.transaction() as s:  # the first comes back: its record changes nothing
        worker.record(s, prepared, SendResult(SendStatus.FAILED, "late"))
    assert [r.state for r in job_rows(app, kind="reminder")][:1] == ["sent"]


def test_two_schedulers_on_one_sqlite_file_send_each_reminder_once(tmp_path, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'two.sqlite3'}"
    app = make_app(url, clock, tmp_path)
    people = [participant(app, str(n)) for n in range(40)]
    workshop = event(app, at(2026, 11, 26, 10), capacity=None)
    for p in people:
        sign_up(app, p, workshop)
    clock.now = at(2026, 11, 26, 8, 30)  # both reminders of everyone are due
    sender = FakeSender()
    apps = [make_app(url, clock, tmp_path) for _ in range(2)]
    workers = [scheduler(a, sender) for a in apps]
    threads = [threading.Thread(target=w.run_until_idle) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    references = sender.references()
    assert len(references) == 80 and len(set(references)) == 80
    for a in (app, *apps):
        a.db.dispose()


# ---- edits, cancellations, passed moments ---------------------------------------------------------
def test_cancelling_an_event_cancels_its_reminders_and_tells_the_people(app: App, clock: FakeClock) -> None:
    ruth = participant(app, "1")
    workshop = event(app, at(2026, 11, 26, 10))
    sign_up(app, ruth, workshop)
    with app.db.transaction() as s:
        assert ev.cancel_event(s, workshop, clock(), app.program) == [ruth]
    assert [r.state for r in job_rows(app, kind="reminder")] == ["dropped", "dropped"]
    sender = FakeSender()
    scheduler(app, sender).run_until_idle()
    assert "בוטל" in render(app, "he", sender.last_for(ruth).replies)
    clock.now = at(2026, 11, 25, 10)
    assert scheduler(app, sender).tick().claimed == 0


def test_editing_an_event_moves_its_pending_reminders(app: App, clock: FakeClock) -> None:
    ruth = participant(app, "1")
    workshop = event(app, at(2026, 11, 26, 10))
    sign_up(app, ruth, workshop)
    with app.db.transaction() as s:
        ev.edit_event(
            s, workshop, clock(), app.program, sessions=[ev.NewSession(at(2026, 12, 1, 12), None, "hall")]
        )
    rows = job_rows(app, kind="reminder")
    assert [r.state for r in rows] == ["dropped", "dropped", "pending", "pending"]
    assert local_times([r for r in rows if r.state == "pending"]) == [
        datetime(2026, 11, 30, 12),
        datetime(2026, 12, 1, 10),
    ]


def test_a_reminder_whose_event_has_started_is_dropped_not_sent(app: App, clock: FakeClock) -> None:
    ruth = participant(app, "1")
    sign_up(app, ruth, event(app, at(2026, 11, 24, 12)))
    clock.now = at(2026, 11, 24, 12, 1)
    sender = FakeSender()
    scheduler(app, sender).run_until_idle()
    assert sender.sent == [] and [r.state for r in job_rows(app)] == ["dropped", "dropped"]


def test_catching_up_at_night_waits_for_the_morning(app: App, clock: FakeClock) -> None:
    ruth = participant(app, "1")
    sign_up(app, ruth, event(app, at(2026, 11, 26, 10)))
    clock.now = at(2026, 11, 25, 22)  # the process was down from 10:00 to 22:00
    sender = FakeSender()
    worker = scheduler(app, sender)
    worker.run_until_idle()
    assert sender.sent == []
    assert local_times(job_rows(app, kind="reminder")) == [
        datetime(2026, 11, 26, 8),
        datetime(2026, 11, 26, 8),
    ]
    clock.now = at(2026, 11, 26, 8)
    assert worker.run_until_idle().sent == 2


def test_a_person_who_asked_for_no_messages_gets_none(app: App, clock: FakeClock) -> None:
    ruth = participant(app, "1")
    sign_up(app, ruth, event(app, at(2026, 11, 26, 10)))
    Person_(app, "1").send("הסר")
    clock.now = at(2026, 11, 25, 10)
    sender = FakeSender()
    scheduler(app, sender).run_until_idle()
    assert sender.sent == [] and job_rows(app)[0].state == "dropped"


# ---- a reminder that asks, answered in the chat ---------------------------------------------------
@pytest.mark.parametrize(
    "lang, press, answer", [("he", "כן, אגיע", "coming"), ("en", "I can't come", "not_coming")]
)
def test_the_confirm_attendance_reminder_is_answered_with_its_buttons(
    app: App, clock: FakeClock, lang: str, press: str, answer: str
) -> None:
    ruth = participant(app, "1", lang=lang)
    conference = event(
        app,
        at(2026, 11, 25, 18),
        kind="exposure_conference",
        title="כנס חשיפה",
        en="Exposure conference",
        capacity=1,
    )
    dana = participant(app, "2")
    sign_up(app, ruth, conference)
    assert sign_up(app, dana, conference) == ("waitlisted", 1)
    clock.now = at(2026, 11, 22, 18)
    sender = FakeSender()
    scheduler(app, sender).run_until_idle()
    reminder = sender.last_for(ruth)
    chat = Person_(app, "1", lang=lang)
    chat.click(press, reminder.replies)
    with app.db.transaction() as s:
        signup = s.scalar(select(Signup).where(Signup.person_id == ruth))
        assert signup is not None and signup.attendance_answer == answer
        assert signup.status == ("confirmed" if answer == "coming" else "cancelled")
    if answer == "not_coming":  # the seat went on to the waitlist
        assert "someone else" in chat.text()
        with app.db.transaction() as s:
            assert s.scalar(select(Signup.status).where(Signup.person_id == dana)) == "offered"
    else:
        assert "נתראה" in chat.text()


def statuses_of(app: App, *pairs: tuple[int, int]) -> list[tuple[str, str | None] | None]:
    """(status, attendance answer) of each (person, event) sign-up, as `midway events show` lists them."""
    with app.db.transaction() as s:
        rows = [s.scalar(select(Signup).where(Signup.person_id == p, Signup.event_id == e)) for p, e in pairs]
        return [(r.status, r.attendance_answer) if r is not None else None for r in rows]


def test_a_no_to_the_attendance_question_cancels_that_sign_up_only(app: App, clock: FakeClock) -> None:
    """Ruth is signed up for two conferences, Dana for the second too (before her); Ruth's answers to
    the second one's question are hers and that conference's: "I can't come" frees that seat only."""
    first = event(app, at(2026, 11, 24, 18), kind="exposure_conference", title="כנס חשיפה")
    second = event(app, at(2026, 11, 25, 18), kind="exposure_conference", title="כנס חשיפה")
    dana, ruth = participant(app, "2"), participant(app, "1")
    sign_up(app, dana, second)
    sign_up(app, ruth, first)
    sign_up(app, ruth, second)
    clock.now = at(2026, 11, 22, 18)
    with app.db.transaction() as s:
        assert answer_attendance(s, ruth, second, True, clock(), app.program) == "coming"
    assert statuses_of(app, (ruth, first), (ruth, second), (dana, second)) == [
        ("confirmed", None),
        ("confirmed", "coming"),
        ("confirmed", None),
    ]
    with app.db.transaction() as s:
        assert answer_attendance(s, ruth, second, False, clock(), app.program) == "not_coming"
    assert statuses_of(app, (ruth, first), (ruth, second), (dana, second)) == [
        ("confirmed", None),
        ("cancelled", "not_coming"),
        ("confirmed", None),
    ]


def test_an_old_attendance_button_pressed_after_cancelling_does_not_sign_up_again(
    app: App, clock: FakeClock
) -> None:
    ruth = participant(app, "1")
    conference = event(app, at(2026, 11, 25, 18), kind="exposure_conference", title="כנס חשיפה")
    sign_up(app, ruth, conference)
    clock.now = at(2026, 11, 22, 18)
    sender = FakeSender()
    scheduler(app, sender).run_until_idle()
    reminder = sender.last_for(ruth)
    with app.db.transaction() as s:
        assert ev.cancel_signup(s, ruth, conference, clock(), app.program) == "cancelled"
    chat = Person_(app, "1").click("כן, אגיע", reminder.replies)
    assert "ההרשמה לפעילות הזו כבר לא פתוחה" in chat.text()
    assert statuses_of(app, (ruth, conference)) == [("cancelled", None)]


def test_a_message_that_did_not_go_out_leaves_no_question_behind(app: App, clock: FakeClock) -> None:
    ruth = participant(app, "1")
    sign_up(app, ruth, event(app, at(2026, 11, 25, 18), kind="exposure_conference"))
    clock.now = at(2026, 11, 22, 18)
    sender = FakeSender(answers=[SendResult(SendStatus.RETRY, "telegram_502")])
    scheduler(app, sender).tick()
    with app.db.transaction() as s:
        assert s.get(Conversation, ruth) is None  # the pushed question was taken back
    (row,) = job_rows(app)
    assert row.state == "pending" and row.due_at > clock.now  # retried later


# ---- when a reminder cannot get through ------------------------------------------------------
def test_blocked_on_telegram_the_reminder_goes_by_whatsapp_then_a_call_task(
    app: App, clock: FakeClock
) -> None:
    ruth = participant(app, "1")
    add_identity(app, ruth, "whatsapp", "+972501234567")
    meeting(app, ruth, place="room 2")
    telegram = FakeSender("telegram", answers=[SendResult(SendStatus.UNREACHABLE, "telegram_403")])
    whatsapp = FakeSender("whatsapp", answers=[SendResult(SendStatus.HELD, "no_template")])
    worker = scheduler(app, telegram, whatsapp)
    worker.run_until_idle()  # "a meeting was scheduled": blocked on Telegram, held on WhatsApp
    with app.db.transaction() as s:
        identities = {i.channel: i.unreachable for i in s.scalars(select(ChannelIdentity))}
        assert identities == {"telegram": True, "whatsapp": False}  # held is not unreachable
        (task,) = s.scalars(select(StaffTask)).all()
        assert (task.person_id, task.assignee, task.kind, task.status) == (ruth, "Dana", "call", "open")
    told = job_rows(app, kind="meeting")[0]
    assert told.state == "held" and told.payload["tried"] == ["telegram", "whatsapp"]
    clock.now = at(2026, 11, 25, 10)  # the next reminder: Telegram is known blocked, WhatsApp works now
    worker.run_until_idle()
    assert [r.channel for r, _ in whatsapp.sent] == ["whatsapp"] and telegram.sent == []


def test_transient_errors_are_retried_and_never_mark_the_channel_unreachable(
    app: App, clock: FakeClock
) -> None:
    ruth = participant(app, "1")
    sign_up(app, ruth, event(app, at(2026, 11, 26, 10)))
    clock.now = at(2026, 11, 25, 10)
    retry = SendResult(SendStatus.RETRY, "telegram_429", retry_after=3)
    sender = FakeSender(answers=[retry, SendResult(SendStatus.RETRY, "ConnectError")])
    worker = scheduler(app, sender)
    worker.run_until_idle()
    clock.advance(seconds=3)
    worker.run_until_idle()
    clock.advance(seconds=60)
    worker.run_until_idle()
    assert len(sender.sent) == 1
    with app.db.transaction() as s:
        assert s.scalars(select(ChannelIdentity.unreachable)).all() == [False]
        assert s.scalars(select(StaffTask)).all() == []


def test_after_too_many_transient_failures_staff_are_asked_to_call(app: App, clock: FakeClock) -> None:
    ruth = participant(app, "1")
    sign_up(app, ruth, event(app, at(2026, 11, 26, 10)))
    clock.now = at(2026, 11, 25, 10)
    attempts = app.program.scheduling.scheduler.max_attempts
    sender = FakeSender(answers=[SendResult(SendStatus.RETRY, "telegram_502")] * attempts)
    worker = scheduler(app, sender)
    for _ in range(attempts):
        worker.run_until_idle()
        clock.advance(minutes=30)
    with app.db.transaction() as s:
        (task,) = s.scalars(select(StaffTask)).all()
        assert task.person_id == ruth and task.reference is not None
        first = s.scalars(select(ScheduledJob).order_by(ScheduledJob.id)).first()
        assert first is not None and first.state == "failed"


def test_a_whatsapp_message_still_undelivered_after_the_configured_time_goes_to_a_call_task(
    app: App, clock: FakeClock
) -> None:
    from storage.models import OutboundMessage

    ruth = participant(app, "+972501234567", channel="whatsapp")
    sign_up(app, ruth, event(app, at(2026, 11, 26, 10)))
    clock.now = at(2026, 11, 25, 10)
    whatsapp = FakeSender("whatsapp")
    worker = scheduler(app, whatsapp)
    assert worker.run_until_idle().sent == 1
    (sent,) = [r for r in job_rows(app, kind="reminder") if r.state == "sent"]
    with app.db.transaction() as s:  # what the WhatsApp channel records; Twilio's callback says "undelivered"
        s.add(
            OutboundMessage(
                platform_message_id="SM1",
                person_id=ruth,
                channel="whatsapp",
                kind="reminder",
                reference=f"job:{sent.id}",
                status="undelivered",
                error_code="63024",
                created_at=clock.now,
                updated_at=clock.now,
            )
        )
    clock.advance(minutes=app.program.scheduling.scheduler.undelivered_after_minutes)
    worker.run_until_idle()
    with app.db.transaction() as s:
        (task,) = s.scalars(select(StaffTask)).all()
        assert task.person_id == ruth and "undelivered" in task.reason


def test_proactive_messages_name_their_kind_and_carry_template_variables_in_the_persons_language(
    app: App, clock: FakeClock
) -> None:
    ruth = participant(app, "1", lang="en")
    sign_up(app, ruth, event(app, at(2026, 11, 25, 18), kind="exposure_conference", en="Exposure conference"))
    clock.now = at(2026, 11, 22, 18)
    sender = FakeSender()
    scheduler(app, sender).run_until_idle()
    message = sender.last_for(ruth)
    assert message.kind == "reminder.confirm"
    assert dict(message.variables) == {
        "title": "Exposure conference",
        "place": "room 2",
        "when": "Wednesday, November 25, 2026, 18:00–20:00",
    }


def test_the_scheduler_gets_a_sender_for_every_enabled_channel(
    sqlite_url: str, clock: FakeClock, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    from bot.bootstrap import build_scheduler

    bare = make_app(sqlite_url, clock, tmp_path)
    assert build_scheduler(bare).senders == {}
    telegram = make_app(sqlite_url, clock, tmp_path, telegram_token="123:abc")
    worker = build_scheduler(telegram)
    assert list(worker.senders) == ["telegram"] and worker.senders["telegram"].channel == "telegram"
    worker.start()  # APScheduler in a background thread, nothing due
    worker.shutdown()
    for app in (bare, telegram):
        app.db.dispose()
