"""Staff move an event (a new date, time or place): everyone on it — confirmed, offered a seat, on the
waiting list — is told once, in their language, at an allowed hour before the event, with a fresh
calendar file for a held seat; through `midway events edit` and through the staff chat alike. A
capacity change tells nobody; two moves before the notice goes out make one notice with the latest
time; a cancellation after a move is the only message; "stop" means no notice (as for a cancelled
event); on WhatsApp outside the 24-hour window the notice goes as its own template. Fake clock,
no sleeping."""

from __future__ import annotations

from datetime import datetime

import pytest
from icalendar import Calendar
from sqlalchemy import select

from bot.bootstrap import App
from bot.outbound import Proactive, SendResult, SendStatus
from flows import Document
from flows.calendar_file import ics_document
from storage import events as ev
from storage import staff as staff_store
from storage.events.facts import offer_of
from storage.models import Event, ScheduledJob, StaffTask
from tests.conftest import FakeClock
from tests.events_kit import (
    FakeSender,
    at,
    event,
    job_rows,
    midway,
    participant,
    scheduler,
    sign_up,
    signup_status,
)
from tests.fake_twilio import FakeTwilio
from tests.kit import plain
from tests.kit.dispatcher import Person_, render
from tests.kit.whatsapp import PUBLIC, WhatsAppHarness, visible

pytestmark = pytest.mark.app(db="both")

THURSDAY = at(2026, 11, 26, 10)  # the clock starts on Sunday 22 November 2026, 10:00
MOVED = "2026-11-26 17:00-19:00 @ hall 3"
NEW_TIMES = {
    "he": "יום חמישי, 26 בנובמבר 2026, 17:00–19:00 – hall 3",
    "en": "Thursday, November 26, 2026, 17:00–19:00 – hall 3",
    "ru": "четверг, 26 ноября 2026\u202fг., 17:00–19:00 – hall 3",
    "ar": "الخميس، 26 نوفمبر 2026، 17:00–19:00 – hall 3",
}


def midway_events(app: App, *argv: str) -> int:
    """`midway events …`, parsed as the command line parses it."""
    return midway(app, "events", *argv)


def moved(sender: FakeSender) -> list[tuple[int, Proactive]]:
    return [(r.person_id, m) for r, m in sender.sent if m.kind == "notice.event_moved"]


def calendar_starts(message: Proactive) -> list[datetime]:
    (document,) = [r for r in message.replies if isinstance(r, Document)]
    calendar = Calendar.from_ical(document.content)
    return [entry.decoded("dtstart") for entry in calendar.walk("VEVENT")]


@pytest.fixture
def people(app: App, clock: FakeClock) -> dict[str, int]:
    """A workshop on Thursday with 3 seats: Ruth (Hebrew) and Emma (English) hold two; Noa took the
    third and cancelled, so Amal (Arabic), first on the waiting list, was offered it (and told); Olga
    (Russian) waits behind her."""
    workshop = event(app, THURSDAY, capacity=3)
    found = {"event": workshop}
    for name, lang in (("ruth", "he"), ("emma", "en"), ("noa", "he"), ("amal", "ar"), ("olga", "ru")):
        found[name] = participant(app, name, lang)
        sign_up(app, found[name], workshop)
    with app.db.transaction() as s:
        assert ev.cancel_signup(s, found["noa"], workshop, clock(), app.program) == "cancelled"
    assert scheduler(app).run_until_idle().sent == 1  # the seat offered to Amal
    statuses = {name: signup_status(app, found[name], workshop) for name in ("ruth", "emma", "amal", "olga")}
    assert statuses == {"ruth": "confirmed", "emma": "confirmed", "amal": "offered", "olga": "waitlisted"}
    return found


# ---- through `midway events edit` ------------------------------------------------------------------
def test_a_move_with_the_cli_tells_everyone_on_it_once_in_their_language_at_an_allowed_hour(
    app: App, clock: FakeClock, people: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    clock.now = at(2026, 11, 22, 21, 30)  # staff work late: the notices wait for the morning
    assert midway_events(app, "edit", str(people["event"]), "--session", MOVED) == 0
    assert "4 people signed up will be told of the change" in capsys.readouterr().out
    sender = FakeSender()
    worker = scheduler(app, sender)
    assert worker.run_until_idle().sent == 0
    clock.now = at(2026, 11, 23, 7, 59)
    assert worker.run_until_idle().sent == 0
    clock.now = at(2026, 11, 23, 8, 0)
    assert worker.run_until_idle().sent == 4
    assert worker.run_until_idle().sent == 0  # once

    told = dict(moved(sender))
    assert sorted(told) == sorted(people[n] for n in ("ruth", "emma", "amal", "olga"))  # not Noa
    for name, lang in (("ruth", "he"), ("emma", "en"), ("amal", "ar"), ("olga", "ru")):
        message = told[people[name]]
        assert message.lang == lang
        text = render(app, lang, message.replies)
        assert NEW_TIMES[lang] in text, (name, text)
    assert "Update: Opening workshop has moved." in render(app, "en", told[people["emma"]].replies)
    assert "עדכון: המועד או המקום של סדנת פתיחה השתנו" in render(app, "he", told[people["ruth"]].replies)
    # a held seat gets a fresh calendar file with the new time; the waiting list and an offer none
    assert calendar_starts(told[people["ruth"]]) == [at(2026, 11, 26, 17)]
    assert "updated calendar file" in render(app, "en", told[people["emma"]].replies)
    assert not any(isinstance(r, Document) for r in told[people["amal"]].replies)
    assert "ما زال بانتظار ردّكم" in render(app, "ar", told[people["amal"]].replies)
    assert "по-прежнему в листе ожидания" in render(app, "ru", told[people["olga"]].replies)
    rows = job_rows(app, kind="event_moved")
    assert [r.sent_at for r in rows] == [at(2026, 11, 23, 8)] * 4
    # the template's values, for WhatsApp outside the window: title, new time, new place
    assert told[people["emma"]].variables == {
        "title": "Opening workshop",
        "place": "hall 3",
        "when": "Thursday, November 26, 2026, 17:00–19:00",
    }


def test_the_moved_calendar_file_replaces_the_earlier_one_in_the_calendar(
    app: App, clock: FakeClock, people: dict[str, int]
) -> None:
    with app.db.transaction() as s:  # the file Ruth got when she signed up
        row = s.get(Event, people["event"])
        assert row is not None
        before = ics_document(offer_of(row, "he", 0), "he")
    clock.advance(hours=1)
    assert midway_events(app, "edit", str(people["event"]), "--session", MOVED) == 0
    clock.now = at(2026, 11, 23, 10)
    sender = FakeSender()
    scheduler(app, sender).run_until_idle()
    (after,) = [r for r in dict(moved(sender))[people["ruth"]].replies if isinstance(r, Document)]
    (old,) = Calendar.from_ical(before.content).walk("VEVENT")
    (new,) = Calendar.from_ical(after.content).walk("VEVENT")
    # the same event in the phone's calendar, a later version of it: calendars update, not duplicate
    assert str(new["uid"]) == str(old["uid"])
    assert int(new["sequence"]) > int(old["sequence"])
    assert new.decoded("dtstamp") > old.decoded("dtstamp")


def test_a_capacity_title_or_unchanged_edit_tells_nobody(
    app: App, clock: FakeClock, people: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    workshop = str(people["event"])
    assert midway_events(app, "edit", workshop, "--capacity", "10") == 0
    assert midway_events(app, "edit", workshop, "--title", "en=Opening workshop, new name") == 0
    assert midway_events(app, "edit", workshop, "--session", "2026-11-26 10:00-12:00 @ room 2") == 0
    assert "will be told" not in capsys.readouterr().out
    sender = FakeSender()
    scheduler(app, sender).run_until_idle()
    assert moved(sender) == [] and job_rows(app, kind="event_moved") == []
    assert signup_status(app, people["olga"], people["event"]) == "offered"  # the new seats went on


# ---- through the staff chat --------------------------------------------------------------------
def test_a_move_in_the_staff_chat_tells_them_as_the_cli_does(
    app: App, clock: FakeClock, people: dict[str, int]
) -> None:
    with app.db.transaction() as s:
        staff_store.make_staff(s, "telegram", "555", "manager", "kfar-saba", clock())
    dana = Person_(app, "555")
    dana.send("/staff").click("לשנות אירוע").click("סדנת פתיחה").click("שעה").send("17:00")
    assert "כולם יקבלו הודעה עם הפרטים החדשים" in dana.text()
    assert "לא נשלחת להם הודעה" not in dana.text()
    dana.click("כן, לשמור")
    assert "✅ עודכן: סדנת פתיחה" in dana.text()

    sender = FakeSender()
    assert scheduler(app, sender).run_until_idle().sent == 4
    told = dict(moved(sender))
    assert sorted(told) == sorted(people[n] for n in ("ruth", "emma", "amal", "olga"))
    assert "Thursday, November 26, 2026, 17:00" in render(app, "en", told[people["emma"]].replies)
    assert calendar_starts(told[people["ruth"]]) == [at(2026, 11, 26, 17)]

    # more seats, in the chat: no notice about a change, and no promise of one
    dana.send("/staff").click("לשנות אירוע").click("סדנת פתיחה").click("מספר מקומות").send("10")
    assert "יקבלו הודעה" not in dana.text()
    dana.click("כן, לשמור")
    scheduler(app, sender).run_until_idle()
    assert len(moved(sender)) == 4


# ---- edits and cancellations before the notice goes out -------------------------------------------
def edit(app: App, event_id: int, *sessions: str) -> None:
    assert midway_events(app, "edit", str(event_id), *(a for s in sessions for a in ("--session", s))) == 0


def test_two_moves_before_the_notice_goes_out_make_one_notice_with_the_latest_time(
    app: App, clock: FakeClock
) -> None:
    ruth = participant(app, "ruth")
    workshop = event(app, THURSDAY)
    sign_up(app, ruth, workshop)
    clock.now = at(2026, 11, 22, 22)
    edit(app, workshop, MOVED)
    clock.advance(minutes=20)
    edit(app, workshop, "2026-11-27 09:00-11:00 @ hall 4")
    clock.now = at(2026, 11, 23, 8)
    sender = FakeSender()
    assert scheduler(app, sender).run_until_idle().sent == 1
    ((_, notice),) = moved(sender)
    text = render(app, "he", notice.replies)
    assert "יום שישי, 27 בנובמבר 2026, 09:00–11:00 – hall 4" in text and "17:00" not in text
    assert calendar_starts(notice) == [at(2026, 11, 27, 9)]
    assert [r.state for r in job_rows(app, kind="event_moved")] == ["sent"]

    # moved again after it went out: a second notice, with the newest time
    edit(app, workshop, "2026-11-27 12:00-14:00 @ hall 4")
    assert scheduler(app, sender).run_until_idle().sent == 1
    assert "27 בנובמבר 2026, 12:00" in render(app, "he", moved(sender)[-1][1].replies)


def test_moved_and_moved_back_before_the_notice_goes_out_sends_nothing(app: App, clock: FakeClock) -> None:
    ruth = participant(app, "ruth")
    workshop = event(app, THURSDAY)
    sign_up(app, ruth, workshop)
    clock.now = at(2026, 11, 22, 22)
    edit(app, workshop, MOVED)
    edit(app, workshop, "2026-11-26 10:00-12:00 @ room 2")  # as she knows it
    clock.now = at(2026, 11, 23, 8)
    sender = FakeSender()
    scheduler(app, sender).run_until_idle()
    assert moved(sender) == [] and [r.state for r in job_rows(app, kind="event_moved")] == ["dropped"]


def test_cancelled_after_a_move_the_cancellation_is_the_only_message(app: App, clock: FakeClock) -> None:
    ruth = participant(app, "ruth")
    workshop = event(app, THURSDAY)
    sign_up(app, ruth, workshop)
    clock.now = at(2026, 11, 22, 22)
    edit(app, workshop, MOVED)
    assert midway_events(app, "cancel", str(workshop)) == 0
    clock.now = at(2026, 11, 23, 8)
    sender = FakeSender()
    assert scheduler(app, sender).run_until_idle().sent == 1
    (only,) = [m for _, m in sender.sent]
    assert only.kind == "notice.event_cancelled"


def test_someone_who_cancelled_their_sign_up_before_it_went_out_is_not_told(
    app: App, clock: FakeClock
) -> None:
    ruth = participant(app, "ruth")
    workshop = event(app, THURSDAY)
    sign_up(app, ruth, workshop)
    clock.now = at(2026, 11, 22, 22)
    edit(app, workshop, MOVED)
    with app.db.transaction() as s:
        ev.cancel_signup(s, ruth, workshop, clock(), app.program)
    clock.now = at(2026, 11, 23, 8)
    sender = FakeSender()
    scheduler(app, sender).run_until_idle()
    assert sender.sent == []


# ---- opt-out, quiet hours, channels --------------------------------------------------------------
def test_stop_means_no_notice_of_a_move_as_of_a_cancellation(app: App, clock: FakeClock) -> None:
    """A change notice is a proactive message like the cancellation notice: after "stop" neither is
    sent (the person sees the new time in "My sign-ups and meetings")."""
    ruth = participant(app, "ruth")
    workshop = event(app, THURSDAY)
    sign_up(app, ruth, workshop)
    Person_(app, "ruth").send("הסר")
    edit(app, workshop, MOVED)
    sender = FakeSender()
    scheduler(app, sender).run_until_idle()
    assert sender.sent == []
    assert [(r.state, r.last_error) for r in job_rows(app, kind="event_moved")] == [("dropped", "opted_out")]


def test_a_move_on_friday_afternoon_is_told_after_shabbat_still_before_the_event(
    app: App, clock: FakeClock
) -> None:
    ruth = participant(app, "ruth")
    workshop = event(app, at(2026, 11, 29, 10))  # Sunday
    sign_up(app, ruth, workshop)
    clock.now = at(2026, 11, 27, 15)  # Friday, 15:00: Shabbat quiet hours
    edit(app, workshop, "2026-11-29 08:30-10:30 @ hall 3")
    (row,) = job_rows(app, kind="event_moved")
    assert row.due_at == at(2026, 11, 28, 20) and row.not_after == at(2026, 11, 29, 8, 30)
    sender = FakeSender()
    scheduler(app, sender).run_until_idle()
    assert sender.sent == []
    clock.now = at(2026, 11, 28, 20)
    scheduler(app, sender).run_until_idle()
    assert [person for person, _ in moved(sender)] == [ruth]  # (with the day-before reminder, moved too)


def test_a_notice_that_cannot_get_through_becomes_a_call_task(app: App, clock: FakeClock) -> None:
    ruth = participant(app, "ruth")
    workshop = event(app, THURSDAY)
    sign_up(app, ruth, workshop)
    edit(app, workshop, MOVED)
    sender = FakeSender(answers=[SendResult(SendStatus.UNREACHABLE, "telegram_403")])
    assert scheduler(app, sender).run_until_idle().sent == 0
    with app.db.transaction() as s:
        (task,) = s.scalars(select(StaffTask)).all()
        assert (task.person_id, task.kind, task.reason) == (ruth, "call", "event_moved:telegram_403")
        job = s.scalar(select(ScheduledJob).where(ScheduledJob.kind == "event_moved"))
        assert job is not None and job.state == "failed"


# ---- WhatsApp: inside the window the text and the calendar link, outside it the template -----------
MOVED_SID = {"he": "HX" + "a1" * 16, "en": "HX" + "b2" * 16}


MOVED_TEMPLATES = (
    '[kinds."notice.event_moved"]\n'
    'variables = ["title", "when", "place"]\n'
    f'he = "{MOVED_SID["he"]}"\n'
    f'en = "{MOVED_SID["en"]}"\n'
)


@pytest.mark.app(db="sqlite", whatsapp=True)
@pytest.mark.parametrize("templates", [MOVED_TEMPLATES])
def test_on_whatsapp_the_notice_is_text_and_a_calendar_link_in_the_window_and_a_template_outside_it(
    app: App, wa: WhatsAppHarness, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    phone = "+972501234567"
    wa.person(phone).send("שלום")
    ruth = participant(app, phone, channel="whatsapp")
    workshop = event(app, THURSDAY)
    sign_up(app, ruth, workshop)
    worker = app.scheduler({"whatsapp": wa.whatsapp.sender})

    clock.now = at(2026, 11, 22, 12)  # two hours after Ruth wrote: inside the window
    edit(app, workshop, MOVED)
    before = len(fake_twilio.sent_to(phone))
    assert worker.run_until_idle().sent == 1
    texts = [visible(call.body or "") for call in fake_twilio.sent_to(phone)[before:]]
    headline = "עדכון: המועד או המקום של סדנת פתיחה השתנו"
    assert any(headline in t and NEW_TIMES["he"] in t for t in texts), texts
    assert any(f"{PUBLIC}/files/" in t and ".ics" in t for t in texts), texts

    clock.now = at(2026, 11, 24, 10)  # two days later: outside the window
    edit(app, workshop, "2026-11-26 18:00-20:00 @ hall 3")
    assert worker.run_until_idle().sent == 1
    last = fake_twilio.sent_to(phone)[-1]
    assert (last.content_sid, last.body) == (MOVED_SID["he"], None)
    assert {k: plain(v) for k, v in last.variables.items()} == {
        "1": "סדנת פתיחה",
        "2": "יום חמישי, 26 בנובמבר 2026, 18:00–20:00",
        "3": "hall 3",
    }
