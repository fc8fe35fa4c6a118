"""The survey end to end on Telegram: the real PTB application long-polls the fake Bot API and the
scheduler sends the invitation through `TelegramSender`. The participant answers with the buttons
and typed words, and staff see the answer in `midway survey status`."""

from __future__ import annotations

import pytest

from bot.bootstrap import App
from bot.scheduler import Scheduler
from storage import survey
from storage.models import Survey
from tests.conftest import FakeClock
from tests.events_kit import participant
from tests.fake_telegram import FakeTelegram
from tests.kit.telegram import ISOLATES, TelegramBot

pytestmark = pytest.mark.app(telegram=True)


def test_the_survey_is_sent_answered_with_the_buttons_and_stored(
    telegram: TelegramBot, app: App, fake_telegram: FakeTelegram, worker: Scheduler, clock: FakeClock
) -> None:
    ronit_id = participant(app, "1001")
    ronit = telegram.person(1001)
    with app.db.transaction() as s:
        made = survey.send_now(s, ronit_id, clock.now, app.program).id
    assert worker.run_until_idle().sent == 1
    invited = fake_telegram.sent_to(1001)[-1]
    assert "למה אנחנו שואלים" in invited.text.translate(ISOLATES)
    assert [b.translate(ISOLATES) for b in invited.buttons] == ["בואו נתחיל"]
    ronit.click("בואו נתחיל")
    assert "האם אתם עובדים כרגע" in ronit.text()
    ronit.click("לא כרגע")
    ronit.click("כן")  # looking for work now
    assert "יחזור אליכם" in ronit.text()
    ronit.click("כן, אשמח")
    assert "העברנו את הבקשה" in ronit.text()
    with app.db.transaction() as s:
        row = s.get(Survey, made)
        assert row is not None and row.status == "answered" and row.report is not None
        report = survey.report_from_json(row.report)
    assert (report.working, report.looking, report.wants_help) == (False, True, True)
