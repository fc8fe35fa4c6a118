"""A borderline pre-screen, the manager's decision, and what the participant's phone shows, end to
end on Telegram: the real PTB application long-polls the fake Bot API and the scheduler sends
through `TelegramSender` to the same fake. In Hebrew, approved with `midway decisions approve`: the
news with the next exposure conferences as buttons, and a press signs her up. In Russian, declined
by the manager in the staff chat: the reasons in plain words and the center's community services."""

from __future__ import annotations

import argparse

import pytest
from sqlalchemy import select

from bot.bootstrap import App
from bot.scheduler import Scheduler
from bot.staff_cli import decisions_command, staff_command
from storage.models import ManagerDecision, PrescreenOutcome, Signup
from tests.conftest import FakeClock
from tests.events_kit import at, event
from tests.fake_telegram import FakeTelegram
from tests.kit.telegram import ISOLATES, TelegramBot
from tests.test_telegram_e2e import begin, person_row, rows, type_answers

pytestmark = pytest.mark.app(telegram=True)

MANAGER = 3001


def the_decision(app: App, person_id: int) -> ManagerDecision:
    [decision] = rows(app, ManagerDecision, person_id)
    return decision


def test_approved_in_hebrew_she_hears_it_and_signs_up_for_a_conference_with_a_button(
    telegram: TelegramBot,
    app: App,
    fake_telegram: FakeTelegram,
    worker: Scheduler,
    clock: FakeClock,
) -> None:
    conference = event(app, at(2026, 12, 2, 18), kind="exposure_conference", title="כנס חשיפה", place="אולם")
    dana = telegram.person(1003, "דנה", "לוי")
    type_answers(begin(dana), name="דנה", age="44")
    dana.send("050-1234567")
    assert "הנהלת המרכז" in dana.text()  # the case goes to the manager
    person = person_row(app, 1003)
    decision = the_decision(app, person.id)

    clock.advance(days=1)  # Monday morning, the manager decides in the terminal
    args = argparse.Namespace(action="approve", id=decision.id, center=None, by="Michal", note="experience")
    assert decisions_command(app, args) == 0
    assert worker.run_until_idle().sent == 1
    news = fake_telegram.sent_to(1003)[-1]
    text = news.text.translate(ISOLATES)
    assert "שלום דנה, יש לנו חדשות טובות! 🎉 הנהלת מרכז כפר סבא בדקה את הפנייה שלכם ואישרה" in text
    assert "הצעד הבא הוא כנס חשיפה" in text
    assert [b.translate(ISOLATES) for b in news.buttons] == [
        "יום רביעי, 2 בדצמבר 2026, 18:00–20:00",
        "אבחר מועד מאוחר יותר",
    ]

    dana.click("2 בדצמבר")
    assert "נרשמתם לכנס חשיפה" in dana.text()
    assert "יום רביעי, 2 בדצמבר 2026, 18:00–20:00 – אולם" in dana.text()
    assert [s.document["filename"] for s in dana.last if s.document] == [f"midway-e{conference}.ics"]
    with app.db.transaction() as s:
        signup = s.scalar(select(Signup).where(Signup.person_id == person.id))
        assert signup is not None and (signup.event_id, signup.status) == (conference, "confirmed")
    assert [(o.outcome, o.reasons) for o in rows(app, PrescreenOutcome, person.id)] == [
        ("manager_decision", ["age_below"]),
        ("eligible", ["manager_decision", "age_below"]),
    ]


def test_declined_in_the_staff_chat_she_hears_why_in_russian_and_where_else_to_turn(
    telegram: TelegramBot,
    app: App,
    fake_telegram: FakeTelegram,
    worker: Scheduler,
) -> None:
    olga = telegram.person(2001, "Ольга", "Петрова", lang="ru")
    olga.send("Здравствуйте").click("Да, начнём").click("Ольга Петрова")
    olga.send("44").send("Кфар-Саба").click("Да")
    olga.send("3 месяца").click("Полставки").send("25").click("Да")
    olga.click("Ничего из этого").click("От знакомых").click("Да, всё верно")
    olga.send("052-1112233")
    assert "руководство центра" in olga.text().lower()
    person = person_row(app, 2001)

    args = argparse.Namespace(
        action="add",
        channel="telegram",
        external_id=str(MANAGER),
        role="manager",
        center="kfar-saba",
        name="מיכל",
    )
    assert staff_command(app, args) == 0
    michal = telegram.person(MANAGER, "מיכל", "כהן")
    michal.send("/staff").click("ממתינים להחלטה")
    assert michal.buttons() == ["Ольга Петрова – עד יום ראשון, 29 בנובמבר 2026"]
    michal.click("Ольга Петрова")
    assert "• התוכנית מיועדת לבני 45 ומעלה." in michal.text() and "+972521112233" in michal.text()
    michal.click("לא לאשר").click("כן")
    assert "ההחלטה נשמרה: הבקשה של Ольга Петрова להצטרף לתוכנית לא אושרה כרגע" in michal.text()

    assert worker.run_until_idle().sent == 1
    told = fake_telegram.sent_to(2001)[-1].text.translate(ISOLATES)
    assert (
        "Здравствуйте, Ольга Петрова. Руководство центра Кфар-Саба рассмотрело вашу заявку, и, к "
        "сожалению, программа сейчас не подходит, потому что:"
    ) in told
    assert "• Программа предназначена для людей от 45 лет." in told
    assert "• Служба занятости – отделение Кфар-Сабы – *6070" in told
    decision = the_decision(app, person.id)
    assert (decision.status, decision.decided_by) == ("rejected", "מיכל")
    assert [o.outcome for o in rows(app, PrescreenOutcome, person.id)] == ["manager_decision", "not_eligible"]
