"""Events and reminders end to end on Telegram: the real PTB application long-polls the fake Bot API;
the scheduler sends through `TelegramSender` to the same fake. A person signs up with buttons and
gets the .ics file; a reminder asks "will you come?" and the press is answered; a blocked bot marks
the identity unreachable and leaves a call task for staff."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.bootstrap import App
from bot.scheduler import Scheduler
from storage.models import ChannelIdentity, Signup, StaffTask
from tests.conftest import FakeClock
from tests.events_kit import at, event, participant, sign_up
from tests.fake_telegram import FakeTelegram
from tests.kit.telegram import ISOLATES, TelegramBot

pytestmark = pytest.mark.app(telegram=True)


def test_signing_up_with_buttons_brings_the_confirmation_and_the_calendar_file(
    telegram: TelegramBot,
    app: App,
) -> None:
    participant(app, "1001")
    workshop = event(app, at(2026, 12, 13, 9), title="סדנת פתיחה", capacity=12)
    ronit = telegram.person(1001)
    ronit.send("תפריט").click("אירועים וסדנאות").click("סדנת פתיחה")
    assert "נשארו 12 מקומות פנויים." in ronit.text()
    ronit.click("כן, לרשום אותי")
    assert "נרשמתם לסדנת פתיחה" in ronit.text()
    assert "יום ראשון, 13 בדצמבר 2026, 09:00–11:00 – room 2" in ronit.text()
    (document,) = [s.document for s in ronit.last if s.document]
    assert document["filename"].endswith(".ics") and b"BEGIN:VCALENDAR" in document["content"]
    with app.db.transaction() as s:
        assert s.scalar(select(Signup.status).where(Signup.event_id == workshop)) == "confirmed"


def test_a_reminder_asks_for_confirmation_and_the_press_is_stored(
    telegram: TelegramBot,
    app: App,
    fake_telegram: FakeTelegram,
    worker: Scheduler,
    clock: FakeClock,
) -> None:
    ronit_id = participant(app, "1001")
    conference = event(app, at(2026, 11, 25, 18), kind="exposure_conference", title="כנס חשיפה")
    sign_up(app, ronit_id, conference)
    ronit = telegram.person(1001)
    clock.now = at(2026, 11, 22, 18)
    assert worker.run_until_idle().sent == 1
    reminder = fake_telegram.sent_to(1001)[-1]
    assert "תזכורת: כנס חשיפה" in reminder.text.translate(ISOLATES)
    assert [b.translate(ISOLATES) for b in reminder.buttons] == ["כן, אגיע", "לא אוכל להגיע"]
    ronit.click("כן, אגיע")
    assert "מצוין, תודה! נתראה בכנס חשיפה." in ronit.text()
    with app.db.transaction() as s:
        signup = s.scalar(select(Signup))
        assert signup is not None and signup.attendance_answer == "coming"


def test_a_blocked_bot_marks_the_identity_unreachable_and_staff_get_a_call_task(
    app: App,
    fake_telegram: FakeTelegram,
    worker: Scheduler,
    clock: FakeClock,
) -> None:
    ronit_id = participant(app, "1001")
    sign_up(app, ronit_id, event(app, at(2026, 11, 26, 10)))
    fake_telegram.block(1001)
    clock.now = at(2026, 11, 25, 10)
    worker.run_until_idle()
    with app.db.transaction() as s:
        identity = s.scalar(select(ChannelIdentity))
        assert identity is not None and identity.unreachable
        (task,) = s.scalars(select(StaffTask)).all()
        assert task.person_id == ronit_id and task.kind == "call"


def test_flood_control_is_retried_later_not_given_up(
    app: App,
    fake_telegram: FakeTelegram,
    worker: Scheduler,
    clock: FakeClock,
) -> None:
    ronit_id = participant(app, "1001")
    fake_telegram.person(1001, "רונית")
    sign_up(app, ronit_id, event(app, at(2026, 11, 26, 10)))
    fake_telegram.flood(1001, retry_after=5, times=1)
    clock.now = at(2026, 11, 25, 10)
    assert worker.run_until_idle().sent == 0
    clock.advance(seconds=5)
    assert worker.run_until_idle().sent == 1
    assert "תזכורת: סדנת פתיחה" in fake_telegram.sent_to(1001)[-1].text.translate(ISOLATES)
    with app.db.transaction() as s:
        assert s.scalar(select(ChannelIdentity.unreachable)) is False
