"""Homework end to end on Telegram: the real PTB application long-polls the fake Bot API and the
scheduler sends through `TelegramSender`. The participant is told the task, is asked on the due date,
answers with the buttons, and staff see the answer in `midway homework list`."""

from __future__ import annotations

from datetime import date

import pytest

from bot.bootstrap import App
from bot.scheduler import Scheduler
from storage import homework
from tests.conftest import FakeClock
from tests.events_kit import at, participant
from tests.fake_telegram import FakeTelegram
from tests.kit.telegram import ISOLATES, TelegramBot

pytestmark = pytest.mark.app(telegram=True)


def test_a_task_is_told_checked_in_on_its_due_date_and_answered_with_the_buttons(
    telegram: TelegramBot,
    app: App,
    fake_telegram: FakeTelegram,
    worker: Scheduler,
    clock: FakeClock,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ronit_id = participant(app, "1001")
    ronit = telegram.person(1001)
    with app.db.transaction() as s:
        task = homework.assign(
            s,
            person_id=ronit_id,
            kind="cv_to_jobs",
            count=5,
            due=date(2026, 11, 26),
            now=clock.now,
            program=app.program,
            by="Dana",
        ).id
    assert worker.run_until_idle().sent == 1
    told = fake_telegram.sent_to(1001)[-1].text.translate(ISOLATES)
    assert "משימה עד הפגישה הבאה" in told and "למצוא 5 משרות מתאימות" in told
    clock.now = at(2026, 11, 26, 10)
    assert worker.run_until_idle().sent == 1
    asked = fake_telegram.sent_to(1001)[-1]
    assert "היום מגיע המועד של המשימה" in asked.text.translate(ISOLATES)
    assert [b.translate(ISOLATES) for b in asked.buttons] == [
        "ביצעתי ✓",
        "ביצעתי חלק",
        "אשמח לעזרה",
        "כבר לא רלוונטי",
    ]
    ronit.click("ביצעתי חלק")
    assert "המטרה הייתה 5 משרות" in ronit.text()
    ronit.send("3")
    ronit.send("3.12")
    ronit.send("שלחתי לשלוש, מחכה לתשובות")
    assert "נשאל שוב" in ronit.text()
    from bot.homework_cli import homework_command

    args = type(
        "Args", (), {"action": "list", "person": ronit_id, "overdue": False, "center": None, "all": False}
    )()
    assert homework_command(app, args) == 0  # type: ignore[arg-type]
    listed = capsys.readouterr().out
    assert f"#{task} partly person {ronit_id}" in listed and "due 2026-12-03 3/5 so far" in listed
    assert 'note: "שלחתי לשלוש, מחכה לתשובות"' in listed
