"""Staff in the chat, end to end on Telegram: the real PTB application long-polls the fake Bot API.
A manager made staff with `midway staff add` adds an event through the bot, a participant sees it and
signs up, the manager moves it (the participant is told, and the reminders move with it) and cancels
it (the participant is told by the scheduler); a participant typing /staff finds nothing there, a
promoter only the requests to talk to a person."""

from __future__ import annotations

import argparse

import pytest
from sqlalchemy import select

from bot.bootstrap import App
from bot.scheduler import Scheduler
from bot.staff_cli import staff_command
from storage.models import Event, Signup
from tests.conftest import FakeClock
from tests.events_kit import at, job_rows, local_times, participant
from tests.fake_telegram import FakeTelegram
from tests.kit.telegram import ISOLATES, TelegramBot, TgPerson

pytestmark = pytest.mark.app(telegram=True)

MANAGER, PROMOTER, RONIT = 2001, 2002, 1001


def make_staff(app: App, user_id: int, role: str, center: str = "kfar-saba") -> None:
    args = argparse.Namespace(
        action="add", channel="telegram", external_id=str(user_id), role=role, center=center, name=None
    )
    assert staff_command(app, args) == 0


def add_event_in_the_chat(dana: TgPerson) -> None:
    dana.send("/staff")
    assert "תפריט הצוות – מרכז כפר סבא" in dana.text()
    dana.click("להוסיף אירוע").click("נטוורקינג מורחב").send("נטוורקינג מורחב").click("לא, רק עברית")
    dana.send("3.12").send("6 בערב").send("אולם הכנסים").click("מפגש אחד").send("25")
    dana.click("לכולם").click("כן, בהרשמה")
    assert "יום חמישי, 3 בדצמבר 2026, 18:00" in dana.text() and "• מקומות: 25" in dana.text()
    dana.click("כן, להוסיף")


def the_event(app: App) -> Event:
    with app.db.transaction() as s:
        event = s.scalars(select(Event)).one()
        s.expunge(event)
        return event


def test_a_manager_adds_moves_and_cancels_an_event_and_a_participant_signs_up_and_is_told(
    telegram: TelegramBot,
    app: App,
    fake_telegram: FakeTelegram,
    worker: Scheduler,
    clock: FakeClock,
) -> None:
    make_staff(app, MANAGER, "manager")
    dana = telegram.person(MANAGER, "דנה", "לוי")
    add_event_in_the_chat(dana)
    assert "✅ נוסף: נטוורקינג מורחב, יום חמישי, 3 בדצמבר 2026, 18:00" in dana.text()
    assert "תפריט הצוות" in dana.text()  # and the staff menu again
    event = the_event(app)
    assert (event.kind, event.capacity, event.track, event.signup_required) == ("networking", 25, "all", True)
    assert event.titles == {"he": "נטוורקינג מורחב"} and event.first_starts_at == at(2026, 12, 3, 18)

    # a participant of the center finds it and signs up
    ronit_id = participant(app, str(RONIT))
    ronit = telegram.person(RONIT)
    ronit.send("תפריט").click("אירועים וסדנאות").click("נטוורקינג מורחב")
    assert "נשארו 25 מקומות פנויים." in ronit.text()
    ronit.click("כן, לרשום אותי")
    assert "נרשמתם לנטוורקינג מורחב" in ronit.text()
    assert [s.document["filename"] for s in ronit.last if s.document] == [f"midway-e{event.id}.ics"]
    assert local_times(job_rows(app, kind="reminder", person_id=ronit_id)) == [
        at(2026, 12, 2, 18).replace(tzinfo=None),
        at(2026, 12, 3, 16).replace(tzinfo=None),
    ]

    # the manager sees the sign-up, then moves the event a week on: the reminders move with it
    dana.send("/staff").click("האירועים הקרובים")
    assert "נטוורקינג מורחב – יום חמישי, 3 בדצמבר 2026, 18:00, אולם הכנסים (רשומים: 1 מתוך 25)" in dana.text()
    dana.click("לשנות אירוע").click("נטוורקינג מורחב").click("תאריך").send("10/12/2026")
    assert "יעבור ליום חמישי, 10 בדצמבר 2026, 18:00" in dana.text()
    assert "רשום לאירוע אדם אחד (כולל רשימת ההמתנה)" in dana.text()
    dana.click("כן, לשמור")
    assert "✅ עודכן: נטוורקינג מורחב, יום חמישי, 10 בדצמבר 2026, 18:00" in dana.text()
    pending = [r for r in job_rows(app, kind="reminder", person_id=ronit_id) if r.state == "pending"]
    assert local_times(pending) == [
        at(2026, 12, 9, 18).replace(tzinfo=None),
        at(2026, 12, 10, 16).replace(tzinfo=None),
    ]
    # and Ronit is told, with a calendar file for the new date
    before = len(fake_telegram.sent_to(RONIT))
    assert worker.run_until_idle().sent == 1
    told = fake_telegram.sent_to(RONIT)[before:]
    assert "יום חמישי, 10 בדצמבר 2026, 18:00" in told[0].text.translate(ISOLATES)
    assert [s.document["filename"] for s in told if s.document] == [f"midway-e{event.id}.ics"]

    # and cancels it: Ronit is told by the scheduler, her reminders are dropped
    dana.send("/staff").click("לבטל אירוע").click("נטוורקינג מורחב")
    assert "רשום אליו אדם אחד (כולל רשימת ההמתנה). תישלח הודעה" in dana.text()
    dana.click("כן, לבטל את האירוע")
    assert "❌ בוטל: נטוורקינג מורחב" in dana.text() and "הודעה על הביטול תישלח לאדם אחד שנרשם" in dana.text()
    before = len(fake_telegram.sent_to(RONIT))
    assert worker.run_until_idle().sent == 1
    (notice,) = fake_telegram.sent_to(RONIT)[before:]
    assert "עדכון: האירוע נטוורקינג מורחב" in notice.text.translate(ISOLATES) and "בוטל" in notice.text
    assert [r.state for r in job_rows(app, kind="reminder", person_id=ronit_id) if r.state == "pending"] == []
    with app.db.transaction() as s:
        assert s.scalar(select(Event.status)) == "cancelled"
        assert s.scalar(select(Signup.status)) == "cancelled"


def test_a_participant_finds_nothing_there_and_a_promoter_finds_only_the_requests(
    telegram: TelegramBot,
    app: App,
) -> None:
    participant(app, str(RONIT))
    ronit = telegram.person(RONIT).send("/staff")
    assert "לא הכרתי את הפקודה" in ronit.text() and "צוות" not in ronit.text()
    assert not any("לצוות" in b for b in ronit.buttons())
    ronit.send("צוות")
    assert "תפריט הצוות" not in ronit.text()

    make_staff(app, PROMOTER, "promoter")  # the shipped setting: managers and routers manage events
    yossi = telegram.person(PROMOTER, "יוסי", "כהן").send("/staff")
    assert "תפריט הצוות – מרכז כפר סבא" in yossi.text()
    assert yossi.buttons() == ["📞 בקשות לשיחה עם הצוות (0)", "🤝 פגישות: נוכחות ומשימה הבאה"]
    with app.db.transaction() as s:
        assert s.scalars(select(Event)).all() == []


def test_a_manager_removed_from_staff_meanwhile_adds_nothing(
    telegram: TelegramBot,
    app: App,
) -> None:
    make_staff(app, MANAGER, "manager")
    dana = telegram.person(MANAGER, "דנה", "לוי")
    dana.send("/staff").click("להוסיף אירוע").click("סדנת פתיחה").send("סדנת פתיחה").click("לא, רק עברית")
    dana.send("3.12").send("9:00").send("חדר 2").click("מפגש אחד").click("ללא הגבלה").click("לכולם")
    dana.click("כן, בהרשמה")
    args = argparse.Namespace(action="remove", channel="telegram", external_id=str(MANAGER))
    assert staff_command(app, args) == 0
    dana.click("כן, להוסיף")
    assert "תפריט הצוות" not in dana.text()
    with app.db.transaction() as s:
        assert s.scalars(select(Event)).all() == []
