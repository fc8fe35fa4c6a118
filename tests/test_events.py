"""Events and meetings as conversations, in Hebrew and English: browsing, signing up (with the .ics
file), the waitlist and its promotion, cancelling, the exposure conference after an eligible
pre-screen, and meeting confirm / reschedule / cancel. Through the dispatcher on SQLite, with the
scheduler's proactive messages answered by pressing their buttons."""

from __future__ import annotations

import argparse
from datetime import timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import PrimaryKeyConstraint, UniqueConstraint, select
from sqlalchemy import event as sql_event

from bot.bootstrap import App
from bot.events_cli import run_command
from bot.scheduler import Scheduler
from flows import Document
from flows.effects import SetPhone
from storage import events as ev
from storage import repo
from storage.events.signups import seats_taken, waitlist_position
from storage.models import Base, Event, Meeting, Person, ScheduledJob, Signup
from tests.conftest import FakeClock
from tests.events_kit import (
    FakeSender,
    at,
    cli,
    event,
    job_rows,
    meeting,
    midway,
    participant,
    scheduler,
    sign_up,
    signup_status,
)
from tests.kit.dispatcher import Person_, render
from tests.kit.prescreen import HE_TO_ELIGIBLE


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
    for line in HE_TO_ELIGIBLE:
        chat.send(line)
    assert "prescreen.eligible" in chat.said() and "conference.ask" in chat.said()
    assert chat.buttons() == [
        "יום ראשון, 6 בדצמבר 2026, 10:00–12:00",
        "יום ראשון, 20 בדצמבר 2026, 17:00–19:00",
        "אבחר מועד מאוחר יותר",
    ]
    chat.click("6 בדצמבר")
    assert "נרשמתם לכנס חשיפה" in chat.text()
    assert "יום ראשון, 6 בדצמבר 2026, 10:00–12:00 – room 2" in chat.text()
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
    for line in HE_TO_ELIGIBLE:
        chat.send(line)
    assert chat.said() == ["prescreen.eligible", "prescreen.eligible_next", "common.menu_hint"]


def test_the_pre_screens_last_step_asks_nothing_it_already_knows(app: App) -> None:
    """The last step is the heaviest (about three times a step's statements, each about a
    millisecond of CPU on PostgreSQL; bench/README.md "The 2.5 s replies"): with no conference
    planned and no sign-up it asks for no sign-ups or seats of no events, and looks the center up once."""
    chat = Person_(app, "972500000001")
    chat.send("שלום").click("כן, נתחיל")
    for line in HE_TO_ELIGIBLE[:-1]:
        chat.send(line)
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(" ".join(statement.split()))

    sql_event.listen(app.db.engine, "before_cursor_execute", seen)
    try:
        chat.send(HE_TO_ELIGIBLE[-1])
    finally:
        sql_event.remove(app.db.engine, "before_cursor_execute", seen)
    assert "prescreen.eligible" in chat.said()
    assert [s for s in statements if "IN (NULL)" in s] == []
    assert len([s for s in statements if s.startswith("SELECT centers.id FROM centers WHERE")]) == 1


def test_a_full_conference_is_offered_as_its_waiting_list_and_a_press_puts_them_on_it(app: App) -> None:
    full = event(app, at(2026, 12, 6, 10), kind="exposure_conference", title="כנס חשיפה", capacity=1)
    sign_up(app, participant(app, "1"), full)
    chat = Person_(app, "972500000001")
    chat.send("שלום").click("כן, נתחיל")
    for line in HE_TO_ELIGIBLE:
        chat.send(line)
    assert chat.buttons() == [
        "יום ראשון, 6 בדצמבר 2026, 10:00–12:00 (מלא – לרשימת ההמתנה)",
        "אבחר מועד מאוחר יותר",
    ]
    chat.click("מלא")
    assert "הוספנו אתכם לרשימת ההמתנה: אתם במקום 1" in chat.text() and not chat.documents()
    with app.db.transaction() as s:
        statuses = s.scalars(select(Signup.status).where(Signup.event_id == full).order_by(Signup.id))
        assert list(statuses) == ["confirmed", "waitlisted"]


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
        "Job club – Wednesday, December 9, 2026, 10:00–12:00",
        "Opening workshop – Sunday, December 13, 2026, 09:00–11:00",
        "Back to the world of work – Tuesday, December 15, 2026, 09:00–11:00",
        "↩ Back",
    ]
    chat.click("Back to the world")
    assert "18 seats left." in chat.text()
    assert "Tuesday, December 22, 2026, 09:00–11:00 – room 2" in chat.text()
    chat.click("Yes, sign me up")
    assert "You are signed up for Back to the world of work. ✓" in chat.text()
    (ics,) = chat.documents()
    assert len(Calendar.from_ical(ics.content).walk("VEVENT")) == 2  # both meetings in the calendar
    # the track was asked once and kept
    chat = open_events(Person_(app, "1", lang="en"), "en")
    assert chat.buttons()[0].startswith("Job club")
    assert "✓ Back to the world of work – Tuesday, December 15, 2026, 09:00–11:00" in chat.buttons()
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
    assert "(waiting list, number 1)" in avi_chat.text() + " ".join(avi_chat.buttons())


def seat_offered_to_the_first_in_line(
    app: App, clock: FakeClock
) -> tuple[int, int, int, FakeSender, Scheduler]:
    """One seat, three people: the first cancels, and the scheduler offers it to the second
    (dana), the third (avi) waiting: (workshop, dana, avi, the sender, the scheduler)."""
    workshop = event(app, at(2026, 12, 13, 9), capacity=1)
    ruth, dana, avi = (participant(app, n) for n in ("1", "2", "3"))
    for who in (ruth, dana, avi):
        sign_up(app, who, workshop)
    with app.db.transaction() as s:
        ev.cancel_signup(s, ruth, workshop, clock(), app.program)
    sender = FakeSender()
    worker = scheduler(app, sender)
    worker.run_until_idle()
    return workshop, dana, avi, sender, worker


def test_an_offer_not_taken_in_time_passes_to_the_next(app: App, clock: FakeClock) -> None:
    workshop, dana, avi, sender, worker = seat_offered_to_the_first_in_line(app, clock)
    offer = sender.last_for(dana)
    clock.advance(hours=24, seconds=1)
    worker.run_until_idle()
    assert (signup_status(app, dana, workshop), signup_status(app, avi, workshop)) == ("expired", "offered")
    assert sender.last_for(avi).kind == "waitlist.offer"
    late = Person_(app, "2").click("כן, אגיע", offer.replies)
    assert "הזמן לאישור המקום עבר" in late.text()


def test_an_offers_question_times_out_and_the_seat_passes_on_without_the_sweep(
    app: App, clock: FakeClock
) -> None:
    workshop, dana, avi, sender, worker = seat_offered_to_the_first_in_line(app, clock)
    pending = job_rows(app, person_id=dana, state="pending")
    assert sorted(j.kind for j in pending) == ["offer_expiry", "timeout"]
    with app.db.transaction() as s:  # only the question's own timeout is left to pass the seat on
        for job in s.scalars(select(ScheduledJob).where(ScheduledJob.kind == "offer_expiry")):
            s.delete(job)
    clock.advance(hours=23)
    worker.run_until_idle()
    assert signup_status(app, dana, workshop) == "offered"
    clock.advance(hours=1, seconds=1)
    worker.run_until_idle()
    assert (signup_status(app, dana, workshop), signup_status(app, avi, workshop)) == ("expired", "offered")
    assert [m.kind for r, m in sender.sent if r.person_id == dana] == ["waitlist.offer"]  # nothing more said


def test_the_sweep_passes_the_seat_on_at_the_offers_deadline_when_the_question_no_longer_waits(
    app: App, clock: FakeClock
) -> None:
    """The other way round: the question's own timeout is gone (the conversation moved on), so the
    offer's deadline job alone passes the seat on, at the deadline to the second."""
    workshop, dana, avi, sender, worker = seat_offered_to_the_first_in_line(app, clock)
    with app.db.transaction() as s:
        for job in s.scalars(select(ScheduledJob).where(ScheduledJob.kind == "timeout")):
            s.delete(job)
        [deadline] = s.scalars(select(Signup.offer_expires_at).where(Signup.person_id == dana))
    clock.now = deadline - timedelta(seconds=1)
    worker.run_until_idle()
    assert (signup_status(app, dana, workshop), signup_status(app, avi, workshop)) == (
        "offered",
        "waitlisted",
    )
    clock.now = deadline
    worker.run_until_idle()
    assert (signup_status(app, dana, workshop), signup_status(app, avi, workshop)) == ("expired", "offered")
    assert sender.last_for(avi).kind == "waitlist.offer"


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
    assert "ההודעה תגיע למי שמלווה אתכם בתוכנית" in chat.text()
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


def test_staff_move_a_meeting_the_person_is_told_and_asked_again_and_reminders_follow(
    app: App, capsys
) -> None:  # type: ignore[no-untyped-def]
    ruth = participant(app, "1")
    meeting_id = meeting(app, ruth, at(2026, 12, 3, 10))
    sender = FakeSender()
    scheduler(app, sender).run_until_idle()
    told = sender.last_for(ruth)
    Person_(app, "1").click("צריך מועד אחר", told.replies).send("אפשר בשבוע שאחרי?")
    assert "reschedule person" in cli(app, "tasks", "list", capsys)

    out = cli(app, "meetings", "move", capsys, id=meeting_id, at="2026-12-10 09:00", place="room 2")
    assert "moved to" in out
    scheduler(app, sender).run_until_idle()
    moved = sender.last_for(ruth)
    text = render(app, "he", moved.replies)
    assert "הפגישה האישית שלכם עם Dana הועברה: יום חמישי, 10 בדצמבר 2026, 09:00, room 2" in text
    assert moved.kind == "meeting.moved"
    chat = Person_(app, "1").click("כן, אגיע", moved.replies)  # asked again, and confirmed
    assert "הפגישה מאושרת" in chat.text()
    with app.db.transaction() as s:
        row = s.get(Meeting, meeting_id)
        assert row is not None
        assert (row.status, row.place, row.reschedule_reason) == ("confirmed", "room 2", None)
    pending = [j.scheduled_for for j in job_rows(app, subject=f"meeting:{meeting_id}", state="pending")]
    assert pending and all(at(2026, 12, 9, 0) <= due < at(2026, 12, 10, 9) for due in pending)  # new date
    assert "no tasks" in cli(app, "tasks", "list", capsys)  # the request to reschedule is settled


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


def test_attendance_is_not_marked_on_a_cancelled_meeting_but_can_be_corrected(
    app: App, clock: FakeClock, capsys
) -> None:  # type: ignore[no-untyped-def]
    ruth = participant(app, "1")
    held, called_off = meeting(app, ruth), meeting(app, ruth, at(2026, 12, 3, 11))
    cli(app, "meetings", "cancel", capsys, id=called_off)
    clock.now = at(2026, 12, 3, 11, 5)
    args = {
        **{k: None for k in ("person", "promoter", "at", "place")},
        "kind": "personal",
        "forms_received": False,
    }
    assert (
        run_command(
            app,
            argparse.Namespace(
                command="meetings", action="attendance", id=called_off, value="attended", **args
            ),
        )
        == 1
    )
    assert f"meeting #{called_off} is cancelled_by_staff: attendance is marked only" in (
        capsys.readouterr().out
    )
    assert "attended" in cli(app, "meetings", "attendance", capsys, id=held, value="attended")
    assert "no_show" in cli(app, "meetings", "attendance", capsys, id=held, value="no_show")  # corrected
    with app.db.transaction() as s:
        assert [s.get(Meeting, i).status for i in (held, called_off)] == [  # type: ignore[union-attr]
            "no_show",
            "cancelled_by_staff",
        ]


def test_an_intake_waits_for_the_forms_when_the_rule_is_on(app: App, capsys) -> None:  # type: ignore[no-untyped-def]
    ruth = participant(app, "1")
    args = {
        "id": None,
        "value": None,
        "person": ruth,
        "promoter": "Dana",
        "at": "2026-12-01 10:00",
        "place": "room 4",
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


# ---- what staff type wrong on the command line: one plain line, nothing saved --------------------
def said(app: App, capsys, *argv: str) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    status = midway(app, *argv)
    return status, capsys.readouterr().out


def assert_one_plain_line(out: str) -> None:
    assert len(out.strip().splitlines()) == 1, out
    for leak in ("Traceback", "Error(", "isoformat", "KeyError", "TypeError"):
        assert leak not in out, out


def event_count(app: App) -> int:
    with app.db.transaction() as s:
        return len(s.scalars(select(Event)).all())


SESSION_YAML = '{date: 2026-12-06, start: "10:00", end: "12:00"}'


@pytest.mark.parametrize(
    ("name", "content", "said_what"),
    [
        ("nosuch.yaml", None, "no file"),
        ("broken.yaml", "events: [\n  - kind: {", "is not valid YAML near line"),
        ("list.yaml", "- a\n- b\n", "a list of events"),
        (
            "nosessions.yaml",
            "center: kfar-saba\nevents:\n  - {kind: networking, title: רשת}\n",
            "event 1: it has no sessions",
        ),
        (
            "sessions.yaml",
            "center: kfar-saba\nevents:\n  - {kind: networking, title: רשת, sessions: 5}\n",
            "sessions is a list",
        ),
        (
            "day.yaml",
            "center: kfar-saba\nevents:\n  - {kind: networking, title: רשת, sessions: "
            '[{date: "2026-02-30", start: "10:00", place: x}]}\n',
            "'2026-02-30' is not a date",
        ),
        (
            "month.yaml",
            "center: kfar-saba\nevents:\n  - {kind: networking, title: רשת, sessions: "
            "[{date: 2026-13-01, start: '10:00', place: x}]}\n",
            "has a date that does not exist",
        ),
        (
            "clock.yaml",
            "center: kfar-saba\nevents:\n  - {kind: networking, title: רשת, sessions: "
            "[{date: 2026-12-06, start: 10:00, place: x}]}\n",
            'put it in quotes: "10:00"',
        ),
        (
            "seats.yaml",
            f"center: kfar-saba\nplace: x\nevents:\n  - {{kind: networking, title: רשת, capacity: 0, "
            f"sessions: [{SESSION_YAML}]}}\n",
            "capacity 0 leaves no seat",
        ),
        (
            "place.yaml",
            f"center: kfar-saba\nevents:\n  - {{kind: networking, title: רשת, sessions: [{SESSION_YAML}]}}\n",
            "has no place",
        ),
        (
            "title.yaml",
            "center: kfar-saba\nplace: x\nevents:\n"
            "  - {kind: networking, title: {en: Networking}, "
            f"sessions: [{SESSION_YAML}]}}\n",
            "a title in Hebrew",
        ),
        (
            "where.yaml",
            "center: haifa\nplace: x\nevents:\n"
            f"  - {{kind: networking, title: רשת, sessions: [{SESSION_YAML}]}}\n",
            "unknown center 'haifa'",
        ),
        (
            "kind.yaml",
            "center: kfar-saba\nplace: x\nevents:\n"
            f"  - {{kind: party, title: רשת, sessions: [{SESSION_YAML}]}}\n",
            "unknown kind 'party'",
        ),
        ("columns.csv", "center,kind,title_he\nkfar-saba,networking,רשת\n", "no column date, start"),
        (
            "seats.csv",
            "center,kind,title_he,capacity,date,start,place\n"
            "kfar-saba,networking,רשת,many,2026-12-06,10:00,x\n",
            "line 2: capacity is a whole number",
        ),
    ],
)
def test_a_schedule_file_with_a_mistake_says_what_in_one_line_and_adds_nothing(
    app: App,
    capsys,
    tmp_path,
    name: str,
    content: str | None,
    said_what: str,  # type: ignore[no-untyped-def]
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_text(content, encoding="utf-8")
    status, out = said(app, capsys, "events", "import", str(path))
    assert status == 1 and said_what in out
    assert_one_plain_line(out)
    assert event_count(app) == 0


@pytest.mark.parametrize(
    ("argv", "said_what"),
    [
        (["--capacity", "0"], "capacity 0 leaves no seat: give at least 1, or leave it out for no limit"),
        (["--title", "en=Networking"], 'an event needs a title in Hebrew: --title he="..."'),
        (
            ["--session", "2026-12-06 14:00-13:00 @ room 2"],
            "the session on 2026-12-06 14:00 ends at 13:00, before it starts",
        ),
        (["--session", "2025-12-06 10:00-13:00 @ room 2"], "the session on 2025-12-06 10:00 is in the past"),
        (["--session", "2026-12-06 10:00-13:00"], "the session on 2026-12-06 10:00 has no place"),
        (["--session", "2026-02-30 10:00 @ room 2"], "'2026-02-30' is not a date"),
        (["--session", "next sunday 10:00 @ room 2"], "a session looks like"),
        (["--center", "haifa"], "unknown center 'haifa'"),
    ],
)
def test_events_add_refuses_what_the_staff_chat_refuses(  # type: ignore[no-untyped-def]
    app: App, capsys, argv: list[str], said_what: str
) -> None:
    good = {
        "--center": "kfar-saba",
        "--kind": "networking",
        "--title": "he=נטוורקינג",
        "--session": "2026-12-06 10:00-13:00 @ room 2",
        "--capacity": "20",
    }
    given = dict(good)
    given[argv[0]] = argv[1]
    status, out = said(app, capsys, "events", "add", *[part for pair in given.items() for part in pair])
    assert status == (2 if argv[0] == "--center" else 1) and said_what in out
    assert_one_plain_line(out)
    assert event_count(app) == 0


def test_a_time_in_quiet_hours_is_saved_with_a_warning(app: App, capsys) -> None:  # type: ignore[no-untyped-def]
    status, out = said(
        app,
        capsys,
        "events",
        "add",
        "--center",
        "kfar-saba",
        "--kind",
        "networking",
        "--title",
        "he=נטוורקינג",
        "--session",
        "2026-11-28 10:00-12:00 @ room 2",
    )
    assert status == 0 and out.splitlines()[0] == (
        "warning: Saturday 2026-11-28 10:00 is in quiet hours (night, Shabbat or a holiday); saved as given, "
        "check that the time is right"
    )
    assert "added: נטוורקינג, 1 session" in out
    ruth = participant(app, "1")
    status, out = said(
        app,
        capsys,
        "meetings",
        "add",
        "--person",
        str(ruth),
        "--promoter",
        "Dana",
        "--at",
        "2026-11-27 23:30",
        "--place",
        "room 4",
    )
    assert status == 0 and "warning: Friday 2026-11-27 23:30 is in quiet hours" in out
    status, out = said(
        app,
        capsys,
        "meetings",
        "add",
        "--person",
        str(ruth),
        "--promoter",
        "Dana",
        "--at",
        "2026-11-26 10:30",
        "--place",
        "room 4",
    )
    assert status == 0 and "warning" not in out


@pytest.mark.parametrize(
    ("argv", "said_what"),
    [
        (["--at", "tomorrow"], '--at is a date and a time, "YYYY-MM-DD HH:MM"'),
        (["--at", "2026-11-31 10:00"], "'2026-11-31' is not a date"),
        (["--at", "2026-11-26 25:00"], "'25:00' is not a time"),
        (["--place", ""], "a meeting needs a place"),
        (["--promoter", " "], "--promoter is the name participants will see"),
        (["--person", "999"], "no person 999"),
    ],
)
def test_meetings_add_refuses_in_plain_words(app: App, capsys, argv: list[str], said_what: str) -> None:  # type: ignore[no-untyped-def]
    given = {
        "--person": str(participant(app, "1")),
        "--promoter": "Dana",
        "--at": "2026-11-26 10:30",
        "--place": "room 4",
    }
    given[argv[0]] = argv[1]
    status, out = said(app, capsys, "meetings", "add", *[part for pair in given.items() for part in pair])
    assert status == 1 and said_what in out
    assert_one_plain_line(out)
    with app.db.transaction() as s:
        assert s.scalars(select(Meeting)).all() == []


def test_attendance_waits_for_the_meeting_and_a_correction_says_what_it_replaces(
    app: App, clock: FakeClock, capsys
) -> None:  # type: ignore[no-untyped-def]
    ruth = participant(app, "1")
    upcoming = meeting(app, ruth)  # Thursday 26 November, 10:00
    status, out = said(app, capsys, "meetings", "attendance", str(upcoming), "attended")
    assert status == 1 and "meeting #1 is on 2026-11-26 10:00: attendance is marked once it has begun" in out
    with app.db.transaction() as s:
        assert s.get(Meeting, upcoming).status == "scheduled"  # type: ignore[union-attr]
    clock.now = at(2026, 11, 26, 11)
    assert said(app, capsys, "meetings", "attendance", str(upcoming), "attended") == (
        0,
        f"meeting #{upcoming}: attended\n",
    )
    assert said(app, capsys, "meetings", "attendance", str(upcoming), "no_show") == (
        0,
        f"meeting #{upcoming}: no_show (replaces attended)\n",
    )


def test_meetings_list_shows_the_place_and_the_name_and_the_promoter_in_any_case(app: App, capsys) -> None:  # type: ignore[no-untyped-def]
    ruth = participant(app, "1")
    meeting(app, ruth)
    status, out = said(app, capsys, "meetings", "list", "--promoter", "dana")
    assert status == 0 and out == (
        f"#1 2026-11-26 10:00 at room 4  person {ruth} רונית with Dana (personal) scheduled\n"
    )


def test_jobs_says_when_there_is_nothing_and_lists_what_there_is(app: App, capsys) -> None:  # type: ignore[no-untyped-def]
    status, out = said(app, capsys, "jobs")
    assert status == 0 and out.startswith("no due work")
    ruth = participant(app, "1")
    meeting(app, ruth)
    status, out = said(app, capsys, "jobs", "list", "--state", "pending")
    lines = out.splitlines()
    assert status == 0 and lines and all(" pending " in line and f"person {ruth}" in line for line in lines)
    assert lines[0].startswith("#1 pending  due 2026-11-22 10:00  meeting")


def test_an_unknown_center_is_said_not_taken_for_none(app: App, capsys) -> None:  # type: ignore[no-untyped-def]
    for command in ("events", "tasks"):
        status, out = said(app, capsys, command, "list", "--center", "nowhere")
        assert status == 2 and out == (
            "error: unknown center 'nowhere'; the centers are: kfar-saba, modiin, tel-aviv\n"
        )


def test_how_many_are_told_reads_as_english(app: App, capsys) -> None:  # type: ignore[no-untyped-def]
    workshop = event(app, at(2026, 12, 1, 9))
    sign_up(app, participant(app, "1"), workshop)
    status, out = said(app, capsys, "events", "cancel", str(workshop))
    assert status == 0 and out == f"event #{workshop} cancelled; 1 person signed up will be told\n"


# ---- one person, signed up twice (two channels, then joined) -----------------------------------
PHONE = "+972501234567"


def same_person_twice(app: App) -> tuple[int, int]:
    """Ruth on WhatsApp (the number vouched for by the platform) and on Telegram, two people for now."""
    on_whatsapp = participant(app, PHONE, channel="whatsapp")
    with app.db.transaction() as s:
        person = s.get(Person, on_whatsapp)
        assert person is not None
        repo.apply_effects(s, person, [SetPhone(PHONE)], app.clock())
    return on_whatsapp, participant(app, "1")


def share_the_number_on_telegram(app: App, telegram_person: int) -> None:
    """The contact button on Telegram: the two become one person (the Telegram one)."""
    with app.db.transaction() as s:
        person = s.get(Person, telegram_person)
        assert person is not None
        repo.apply_effects(s, person, [SetPhone(PHONE)], app.clock())


def signups_of(app: App, person_id: int) -> list[tuple[int, str]]:
    with app.db.transaction() as s:
        rows = s.scalars(select(Signup).where(Signup.person_id == person_id))
        return [(r.event_id, r.status) for r in rows]


def pending(app: App, person_id: int, kind: str) -> int:
    with app.db.transaction() as s:
        return len(
            s.scalars(
                select(ScheduledJob).where(
                    ScheduledJob.person_id == person_id,
                    ScheduledJob.kind == kind,
                    ScheduledJob.state == "pending",
                )
            ).all()
        )


def test_joining_two_people_signed_up_for_one_event_keeps_the_confirmed_sign_up(app: App) -> None:
    workshop = event(app, at(2026, 12, 13, 9), capacity=1)
    whatsapp, telegram = same_person_twice(app)
    dana = participant(app, "2")
    assert sign_up(app, whatsapp, workshop) == ("confirmed", None)
    assert sign_up(app, telegram, workshop) == ("waitlisted", 1)
    assert sign_up(app, dana, workshop) == ("waitlisted", 2)
    reminders = pending(app, whatsapp, "reminder")
    assert reminders > 0

    share_the_number_on_telegram(app, telegram)

    assert signups_of(app, telegram) == [(workshop, "confirmed")]  # the confirmed one, moved over
    assert signups_of(app, whatsapp) == []
    assert pending(app, telegram, "reminder") == reminders  # its reminders came along, once
    with app.db.transaction() as s:
        [dana_row] = s.scalars(select(Signup).where(Signup.person_id == dana))
        assert (dana_row.status, waitlist_position(s, dana_row)) == ("waitlisted", 1)  # one ahead of her left
    sender = FakeSender()
    scheduler(app, sender).run_until_idle()
    assert [m.kind for r, m in sender.sent if r.person_id == dana] == []  # no seat was freed


def test_joining_two_people_each_holding_a_seat_gives_one_seat_to_the_waitlist(app: App) -> None:
    workshop = event(app, at(2026, 12, 13, 9), capacity=2)
    whatsapp, telegram = same_person_twice(app)
    dana = participant(app, "2")
    for who in (whatsapp, telegram, dana):
        sign_up(app, who, workshop)
    assert signup_status(app, dana, workshop) == "waitlisted"
    reminders = pending(app, whatsapp, "reminder")

    share_the_number_on_telegram(app, telegram)

    assert signups_of(app, telegram) == [(workshop, "confirmed")]
    assert pending(app, telegram, "reminder") == reminders  # reminded once, not twice
    sender = FakeSender()
    scheduler(app, sender).run_until_idle()
    assert signup_status(app, dana, workshop) == "offered"
    assert sender.last_for(dana).kind == "waitlist.offer"
    with app.db.transaction() as s:
        assert seats_taken(s, workshop) == 2  # Ruth's one seat and Dana's offered one


def test_a_seat_freed_by_joining_without_a_clock_at_hand_is_offered_at_the_next_tick(
    app: App, clock: FakeClock
) -> None:
    """`find_or_create_person` joins people with no `now` to pass on: the freed seat's job is due
    at once all the same (the sign-ups' last change stands in for the moment)."""
    workshop = event(app, at(2026, 12, 13, 9), capacity=2)
    whatsapp, telegram = same_person_twice(app)
    dana = participant(app, "2")
    for who in (whatsapp, telegram, dana):
        sign_up(app, who, workshop)
    clock.advance(hours=1)
    with app.db.transaction() as s:
        keep, other = s.get(Person, telegram), s.get(Person, whatsapp)
        assert keep is not None and other is not None
        repo.merge_people(s, keep, other)
    [job] = job_rows(app, kind="waitlist")
    assert job.due_at <= clock() and job.person_id is None
    scheduler(app, FakeSender()).run_until_idle()
    assert signup_status(app, dana, workshop) == "offered"


def test_joining_two_people_on_one_waitlist_keeps_the_earlier_place(app: App) -> None:
    workshop = event(app, at(2026, 12, 13, 9), capacity=1)
    whatsapp, telegram = same_person_twice(app)
    dana, avi = participant(app, "2"), participant(app, "3")
    sign_up(app, dana, workshop)
    assert sign_up(app, telegram, workshop) == ("waitlisted", 1)
    assert sign_up(app, avi, workshop) == ("waitlisted", 2)
    assert sign_up(app, whatsapp, workshop) == ("waitlisted", 3)

    share_the_number_on_telegram(app, telegram)

    assert signups_of(app, telegram) == [(workshop, "waitlisted")]
    with app.db.transaction() as s:
        [ruth] = s.scalars(select(Signup).where(Signup.person_id == telegram))
        [avi_row] = s.scalars(select(Signup).where(Signup.person_id == avi))
        assert (waitlist_position(s, ruth), waitlist_position(s, avi_row)) == (1, 2)


def test_joining_two_people_keeps_the_sign_ups_only_one_of_them_had(app: App) -> None:
    workshop = event(app, at(2026, 12, 13, 9))
    conference = event(app, at(2026, 12, 14, 18), kind="exposure_conference", title="כנס חשיפה")
    evening = event(app, at(2026, 12, 15, 18), title="ערב מעסיקים")
    whatsapp, telegram = same_person_twice(app)
    sign_up(app, whatsapp, workshop)
    sign_up(app, whatsapp, conference)
    sign_up(app, telegram, conference)
    sign_up(app, telegram, evening)

    share_the_number_on_telegram(app, telegram)

    assert sorted(signups_of(app, telegram)) == [
        (workshop, "confirmed"),
        (conference, "confirmed"),
        (evening, "confirmed"),
    ]
    assert signups_of(app, whatsapp) == []


def test_every_unique_constraint_that_names_a_person_is_handled_by_merging() -> None:
    """`merge_people` moves every row with a person_id; a unique constraint that includes the
    person_id could then be violated. The ones there are: the per-person tables (merged field by
    field) and one sign-up per event (the better one kept). A new one must be handled there too."""
    people_id = Base.metadata.tables["people"].c.id
    found = set()
    for table in Base.metadata.sorted_tables:
        person_columns = {
            c.name for c in table.columns if any(fk.column is people_id for fk in c.foreign_keys)
        }
        uniques = [
            tuple(c.name for c in u.columns)
            for u in table.constraints
            if isinstance(u, (UniqueConstraint, PrimaryKeyConstraint))
        ]
        uniques += [tuple(c.name for c in i.columns) for i in table.indexes if i.unique]
        uniques += [(c.name,) for c in table.columns if c.unique]
        found |= {(table.name, u) for u in uniques if person_columns & set(u)}
    assert found == {
        ("conversations", ("person_id",)),
        ("participant_profiles", ("person_id",)),
        ("signups", ("event_id", "person_id")),
    }
    assert {"conversations", "participant_profiles", "signups"} <= set(repo.SETTLED_FIRST)
