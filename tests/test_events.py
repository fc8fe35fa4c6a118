"""Events and meetings as conversations, in Hebrew and English: browsing, signing up (with the .ics
file), the waitlist and its promotion, cancelling, the exposure conference after an eligible
pre-screen, and meeting confirm / reschedule / cancel. Through the dispatcher on SQLite, with the
scheduler's proactive messages answered by pressing their buttons."""

from __future__ import annotations

import argparse
from datetime import timedelta

from icalendar import Calendar
from sqlalchemy import select

from bot.bootstrap import App
from bot.events_cli import run_command
from flows import Document
from storage import events as ev
from storage.models import Event, Meeting, ScheduledJob, Signup
from tests.conftest import FakeClock
from tests.events_kit import (
    FakeSender,
    Person_,
    at,
    event,
    participant,
    render,
    scheduler,
    sign_up,
    signup_status,
)
from tests.test_dispatcher import PRESCREEN_TO_ELIGIBLE


def open_events(chat: Person_, lang: str = "he") -> Person_:
    chat.send("תפריט" if lang == "he" else "menu")
    return chat.click("אירועים וסדנאות" if lang == "he" else "Events and workshops")


# ---- the exposure conference after an eligible pre-screen --------------------------------------
def test_an_eligible_pre_screen_ends_with_the_next_conferences_and_a_press_signs_up(app: App) -> None:
    first = event(app, at(2026, 12, 6, 10), kind="exposure_conference", title="כנס חשיפה", capacity=30)
    event(app, at(2026, 12, 20, 17), kind="exposure_conference", title="כנס חשיפה")
    event(app, at(2026, 12, 1, 10), kind="exposure_conference", center="modiin")  # another center
    chat = Person_(app, "972500000001")
    chat.send("שלום").click("כן, נתחיל")
    for line in PRESCREEN_TO_ELIGIBLE:
        chat.send(line)
    assert "prescreen.eligible" in chat.said() and "conference.ask" in chat.said()
    assert chat.buttons() == [
        "יום ראשון, 6 בדצמבר 2026, 10:00",
        "יום ראשון, 20 בדצמבר 2026, 17:00",
        "אבחר מועד מאוחר יותר",
    ]
    chat.click("6 בדצמבר")
    assert "נרשמתם לכנס חשיפה" in chat.text()
    assert "יום ראשון, 6 בדצמבר 2026, 10:00 – room 2" in chat.text()
    (ics,) = chat.documents()
    assert isinstance(ics, Document) and ics.filename.endswith(".ics") and ics.mime_type == "text/calendar"
    entries = Calendar.from_ical(ics.content).walk("VEVENT")
    assert [str(e["summary"]) for e in entries] == ["כנס חשיפה"]
    assert entries[0].decoded("dtstart") == at(2026, 12, 6, 10)
    person = chat.app.dispatcher  # noqa: F841 (the dispatcher stored it)
    with app.db.transaction() as s:
        (signup,) = s.scalars(select(Signup)).all()
        assert (signup.event_id, signup.status) == (first, "confirmed")
        reminder = s.scalar(select(ScheduledJob).where(ScheduledJob.kind == "reminder"))
        assert reminder is not None and reminder.payload["confirm"] is True


def test_with_no_conference_planned_the_eligible_outcome_is_as_before(app: App) -> None:
    chat = Person_(app, "972500000001")
    chat.send("שלום").click("כן, נתחיל")
    for line in PRESCREEN_TO_ELIGIBLE:
        chat.send(line)
    assert chat.said() == ["prescreen.eligible", "prescreen.eligible_next", "common.menu_hint"]


# ---- browsing and signing up -----------------------------------------------------------------
def test_browse_by_track_and_sign_up_in_english(app: App) -> None:
    participant(app, "1", lang="en")
    event(app, at(2026, 12, 13, 9), kind="opening_workshop", en="Opening workshop")
    event(
        app,
        [at(2026, 12, 15, 9), at(2026, 12, 22, 9)],
        kind="back_to_work",
        track="employees",
        title="חזרה לעולם העבודה",
        en="Back to the world of work",
        capacity=18,
    )
    event(
        app, at(2026, 12, 14, 16), kind="starting_business", track="self_employed", en="Starting a business"
    )
    event(app, at(2026, 12, 9, 10), kind="job_club", en="Job club", capacity=None)
    chat = open_events(Person_(app, "1", lang="en"), "en")
    assert chat.buttons() == ["Working as an employee", "Working as self-employed", "Not decided yet / both"]
    chat.click("employee")
    assert chat.buttons() == [
        "Job club – Wednesday, December 9, 2026, 10:00",
        "Opening workshop – Sunday, December 13, 2026, 09:00",
        "Back to the world of work – Tuesday, December 15, 2026, 09:00",
        "↩ Back",
    ]
    chat.click("Back to the world")
    assert "Seats left: 18" in chat.text() and "Tuesday, December 22, 2026, 09:00 – room 2" in chat.text()
    chat.click("Yes, sign me up")
    assert "You are signed up for Back to the world of work. ✓" in chat.text()
    (ics,) = chat.documents()
    assert len(Calendar.from_ical(ics.content).walk("VEVENT")) == 2  # both meetings in the calendar
    # the track was asked once and kept
    chat = open_events(Person_(app, "1", lang="en"), "en")
    assert chat.buttons()[0].startswith("Job club")
    assert "✓ Back to the world of work – Tuesday, December 15, 2026, 09:00" in chat.buttons()
    chat.click("Job club")
    assert "No need to sign up" in chat.text()


def test_nothing_to_sign_up_for_is_said_kindly(app: App) -> None:
    participant(app, "1")
    chat = open_events(Person_(app, "1"))
    assert chat.said()[:1] == ["events.none"]


# ---- the waitlist ------------------------------------------------------------------------------
def test_a_full_event_offers_the_waitlist_and_a_cancellation_promotes_the_first(
    app: App, clock: FakeClock
) -> None:
    workshop = event(app, at(2026, 12, 13, 9), capacity=1, title="סדנת פתיחה")
    ruth, dana = participant(app, "1"), participant(app, "2")
    participant(app, "3", lang="en")
    sign_up(app, ruth, workshop)

    dana_chat = open_events(Person_(app, "2"))
    dana_chat.click("סדנת פתיחה")
    assert "כל המקומות תפוסים" in dana_chat.text() and "כן, לרשימת ההמתנה" in dana_chat.buttons()
    dana_chat.click("כן, לרשימת ההמתנה")
    assert "אתם במקום 1" in dana_chat.text()
    avi_chat = open_events(Person_(app, "3", lang="en"), "en")
    avi_chat.click("Opening workshop").click("Yes, add me to the waiting list")
    assert "you are number 2" in avi_chat.text()

    ruth_chat = Person_(app, "1").send("תפריט")
    ruth_chat.click("ההרשמות והפגישות שלי").click("סדנת פתיחה").click("לבטל את ההרשמה")
    assert "ביטלנו את ההרשמה לסדנת פתיחה" in ruth_chat.text()
    assert signup_status(app, dana, workshop) == "offered"

    sender = FakeSender()
    scheduler(app, sender).run_until_idle()
    offer = sender.last_for(dana)
    assert "התפנה לכם מקום בסדנת פתיחה" in render(app, "he", offer.replies)
    assert "יום שני, 23 בנובמבר 2026, 10:00" in render(app, "he", offer.replies)  # 24 hours to answer
    dana_chat.click("כן, אגיע", offer.replies)
    assert "נרשמתם לסדנת פתיחה" in dana_chat.text() and dana_chat.documents()
    assert signup_status(app, dana, workshop) == "confirmed"
    avi_chat = Person_(app, "3", lang="en").send("menu").click("My sign-ups")
    assert "(You are on the waiting list, number 1.)" in avi_chat.text() + " ".join(avi_chat.buttons())


def test_an_offer_not_taken_in_time_passes_to_the_next(app: App, clock: FakeClock) -> None:
    workshop = event(app, at(2026, 12, 13, 9), capacity=1)
    ruth, dana, avi = (participant(app, n) for n in ("1", "2", "3"))
    for who in (ruth, dana, avi):
        sign_up(app, who, workshop)
    with app.db.transaction() as s:
        ev.cancel_signup(s, ruth, workshop, clock(), app.program)
    sender = FakeSender()
    worker = scheduler(app, sender)
    worker.run_until_idle()
    offer = sender.last_for(dana)
    clock.advance(hours=24, seconds=1)
    worker.run_until_idle()
    assert (signup_status(app, dana, workshop), signup_status(app, avi, workshop)) == ("expired", "offered")
    assert sender.last_for(avi).kind == "waitlist.offer"
    late = Person_(app, "2").click("כן, אגיע", offer.replies)
    assert "הזמן לאישור המקום עבר" in late.text()


def test_an_offer_can_be_declined_and_the_seat_moves_on(app: App, clock: FakeClock) -> None:
    workshop = event(app, at(2026, 12, 13, 9), capacity=1)
    ruth, dana, avi = (participant(app, n, lang="en") for n in ("1", "2", "3"))
    for who in (ruth, dana, avi):
        sign_up(app, who, workshop)
    with app.db.transaction() as s:
        ev.cancel_signup(s, ruth, workshop, clock(), app.program)
    sender = FakeSender()
    scheduler(app, sender).run_until_idle()
    Person_(app, "2", lang="en").click("No, pass it on", sender.last_for(dana).replies)
    assert signup_status(app, avi, workshop) == "offered"


# ---- personal meetings ---------------------------------------------------------------------------
def meeting(app: App, person_id: int, when=None) -> int:  # type: ignore[no-untyped-def]
    with app.db.transaction() as s:
        row = ev.create_meeting(
            s,
            person_id=person_id,
            promoter="Dana",
            starts_at=when or at(2026, 11, 26, 10),
            place="room 4",
            kind="personal",
            now=app.clock(),
            program=app.program,
        )
        return row.id


def cli(app: App, command: str, action: str, capsys, **values) -> str:  # type: ignore[no-untyped-def]
    defaults = {
        "id": None,
        "value": None,
        "person": None,
        "promoter": None,
        "at": None,
        "place": "",
        "kind": "personal",
        "forms_received": False,
        "center": None,
        "all": False,
        "target": None,
    }
    assert run_command(app, argparse.Namespace(command=command, action=action, **{**defaults, **values})) == 0
    return capsys.readouterr().out


def test_a_scheduled_meeting_is_told_and_can_be_rescheduled_with_a_reason(app: App, capsys) -> None:  # type: ignore[no-untyped-def]
    ruth = participant(app, "1")
    meeting_id = meeting(app, ruth)
    sender = FakeSender()
    scheduler(app, sender).run_until_idle()
    told = sender.last_for(ruth)
    assert "נקבעה לכם פגישה אישית עם Dana: יום חמישי, 26 בנובמבר 2026, 10:00, room 4" in render(
        app, "he", told.replies
    )
    chat = Person_(app, "1").click("צריך מועד אחר", told.replies)
    assert "למקדם/ת התעסוקה" in chat.text()
    chat.send("ביום חמישי יש לי ראיון עבודה, אפשר ביום ראשון?")
    assert "העברנו את הבקשה" in chat.text()
    with app.db.transaction() as s:
        row = s.get(Meeting, meeting_id)
        assert row is not None and row.status == "reschedule_requested"
        assert row.reschedule_reason == "ביום חמישי יש לי ראיון עבודה, אפשר ביום ראשון?"
    listing = cli(app, "meetings", "list", capsys, promoter="Dana")
    assert "reschedule_requested" in listing and "ראיון עבודה" in listing
    tasks = cli(app, "tasks", "list", capsys)
    assert f"reschedule person {ruth}" in tasks and "for Dana: meeting_reschedule_requested" in tasks


def test_a_meeting_is_confirmed_or_cancelled_in_english_from_the_menu(
    app: App, clock: FakeClock, capsys
) -> None:  # type: ignore[no-untyped-def]
    ruth = participant(app, "1", lang="en")
    first = meeting(app, ruth)
    second = meeting(app, ruth, at(2026, 12, 3, 11))
    chat = Person_(app, "1", lang="en").send("menu").click("My sign-ups and meetings")
    assert chat.buttons()[:2] == [
        "Personal meeting – Thursday, November 26, 2026, 10:00",
        "Personal meeting – Thursday, December 3, 2026, 11:00",
    ]
    chat.click("November 26").click("Confirmed, I will come")
    assert "The meeting is confirmed" in chat.text()
    chat.send("menu").click("My sign-ups and meetings").click("December 3").click("Cancel the meeting")
    assert "The meeting has been cancelled" in chat.text()
    with app.db.transaction() as s:
        assert [s.get(Meeting, i).status for i in (first, second)] == ["confirmed", "cancelled"]  # type: ignore[union-attr]
        pending = s.scalars(
            select(ScheduledJob.state).where(ScheduledJob.subject == f"meeting:{second}")
        ).all()
        assert set(pending) == {"dropped"}
    clock.now = at(2026, 11, 26, 10, 5)
    assert "late_not_admitted" in cli(app, "meetings", "attendance", capsys, id=first, value="late")
    assert "no_show" in cli(app, "meetings", "attendance", capsys, id=first, value="no_show")


def test_an_intake_waits_for_the_forms_when_the_rule_is_on(app: App, capsys) -> None:  # type: ignore[no-untyped-def]
    ruth = participant(app, "1")
    args = {
        "id": None,
        "value": None,
        "person": ruth,
        "promoter": "Dana",
        "at": "2026-12-01 10:00",
        "place": "",
        "kind": "intake",
        "forms_received": False,
    }
    assert run_command(app, argparse.Namespace(command="meetings", action="add", **args)) == 1
    assert "forms" in capsys.readouterr().out
    assert (
        run_command(
            app, argparse.Namespace(command="meetings", action="add", **{**args, "forms_received": True})
        )
        == 0
    )


def test_staff_see_sign_ups_and_attendance_answers(app: App, clock: FakeClock, capsys) -> None:  # type: ignore[no-untyped-def]
    conference = event(app, at(2026, 11, 25, 18), kind="exposure_conference")
    ruth = participant(app, "1")
    sign_up(app, ruth, conference)
    clock.now = at(2026, 11, 22, 18)
    sender = FakeSender()
    scheduler(app, sender).run_until_idle()
    Person_(app, "1").click("כן, אגיע", sender.last_for(ruth).replies)
    shown = cli(app, "events", "show", capsys, target=str(conference))
    assert f"person {ruth} רונית: confirmed" in shown and "attendance: coming" in shown
    assert "seats 1/20" in cli(app, "events", "list", capsys)
    clock.now += timedelta(days=1)


def test_a_seat_that_cannot_be_offered_passes_on_instead_of_staying_held(app: App, clock: FakeClock) -> None:
    from bot.outbound import SendResult, SendStatus

    workshop = event(app, at(2026, 12, 13, 9), capacity=1)
    ruth, dana, avi = (participant(app, n) for n in ("1", "2", "3"))
    for who in (ruth, dana, avi):
        sign_up(app, who, workshop)
    with app.db.transaction() as s:
        ev.cancel_signup(s, ruth, workshop, clock(), app.program)
    sender = FakeSender(answers=[SendResult(SendStatus.UNREACHABLE, "telegram_403")])  # Dana blocked the bot
    scheduler(app, sender).run_until_idle()
    assert (signup_status(app, dana, workshop), signup_status(app, avi, workshop)) == ("expired", "offered")
    assert sender.last_for(avi).kind == "waitlist.offer"


def test_deleting_my_data_gives_my_seat_to_the_first_on_the_waitlist(app: App) -> None:
    workshop = event(app, at(2026, 12, 13, 9), capacity=1)
    ruth, dana = participant(app, "1"), participant(app, "2")
    sign_up(app, ruth, workshop)
    sign_up(app, dana, workshop)
    Person_(app, "1").send("פרטיות").click("למחוק את המידע שלי").click("כן, למחוק הכול")
    assert signup_status(app, ruth, workshop) is None and signup_status(app, dana, workshop) == "offered"


def test_a_terms_schedule_is_imported_from_yaml_and_csv_once(app: App, capsys) -> None:  # type: ignore[no-untyped-def]
    from bot.program_config import DEFAULT_CONFIG

    examples = DEFAULT_CONFIG.parent.parent.parent / "docs" / "examples"
    assert "6 events added" in cli(app, "events", "import", capsys, target=str(examples / "events.yaml"))
    assert "0 events added, 6 already there" in cli(
        app, "events", "import", capsys, target=str(examples / "events.csv").replace(".csv", ".yaml")
    )
    assert "3 events added" in cli(app, "events", "import", capsys, target=str(examples / "events.csv"))
    listing = cli(app, "events", "list", capsys)
    assert (
        "back_to_work (employees) seats 0/18" in listing and "modiin motivation (all) seats 0/20" in listing
    )
    with app.db.transaction() as s:
        course = s.scalar(select(Event).where(Event.kind == "back_to_work"))
        assert (
            course is not None
            and len(course.sessions) == 7
            and course.titles["ru"] == "Возвращение в мир работы"
        )
        assert course.sessions[4].place == "חדר הדרכה 3"
        club = s.scalar(select(Event).where(Event.kind == "job_club"))
        assert club is not None and not club.signup_required and club.capacity is None
