"""The pre-screen's not-eligible and manager-decision outcomes on Telegram, end to end, in Russian and
Arabic: the real PTB application long-polls the fake Bot API, the language comes from the Telegram
app's `language_code`, and we check what the phone shows and what the database holds."""

from __future__ import annotations

from datetime import date

import pytest

from bot.bootstrap import App
from flows import State
from storage.models import Answer, Conversation, ManagerDecision, ParticipantProfile, PrescreenOutcome
from tests.kit.telegram import TelegramBot
from tests.test_telegram_e2e import center_slug, person_row, rows

pytestmark = pytest.mark.app(telegram=True)

DUE = date(2026, 11, 29)  # five Israeli working days after the kit's Sunday START


def test_not_eligible_in_russian_hears_why_where_else_to_turn_and_asks_for_a_review(
    telegram: TelegramBot,
    app: App,
) -> None:
    olga = telegram.person(2001, "Ольга", "Петрова", lang="ru")
    olga.send("Здравствуйте")
    assert olga.text().startswith("Здравствуйте! 👋 Это цифровой помощник программы «Midway»")
    assert olga.buttons()[:2] == ["Да, начнём", "Не сейчас"]
    olga.click("Да, начнём")
    assert "Как к вам обращаться?" in olga.text()
    assert olga.buttons() == ["Ольга Петрова", "↩ Назад"]  # her name from the Telegram profile
    olga.click("Ольга Петрова")
    olga.send("сорок три")  # near 45: every question is asked (30 would end after the city)
    olga.send("Кфар-Саба")
    assert "Занятия проходят в центре Кфар-Саба" in olga.text()
    olga.click("Да")
    olga.send("3 месяца")
    olga.click("Полставки")
    olga.send("1")
    olga.click("Да")
    olga.click("Ничего из этого")
    olga.click("От знакомых")
    assert "Всё верно?" in olga.text()
    olga.click("Да, всё верно")

    text = olga.text()
    assert "Спасибо за уделённое время, Ольга Петрова. По вашим ответам программа сейчас не подходит" in text
    assert "• Программа предназначена для людей от 45 лет." in text
    assert "• Программа предназначена для тех, у кого не меньше 5 лет опыта работы." in text
    assert "без работы" not in text  # three months out of work is no reason
    assert "• Служба занятости – отделение Кфар-Сабы – *6070" in text
    assert "• Отдел социальных услуг мэрии Кфар-Сабы – 106" in text
    assert "телефон" not in text.lower()  # no phone question when the program does not suit
    assert olga.buttons() == ["Да, прошу рассмотреть", "Нет, спасибо"]

    person = person_row(app, 2001)
    assert (person.language, person.display_name, person.phone) == ("ru", "Ольга Петрова", None)
    [outcome] = rows(app, PrescreenOutcome, person.id)
    assert (outcome.outcome, outcome.reasons) == ("not_eligible", ["age_below", "experience_low"])
    assert center_slug(app, outcome.center_id) == "kfar-saba"
    assert rows(app, ManagerDecision, person.id) == []
    [profile] = rows(app, ParticipantProfile, person.id)
    assert (profile.birth_year, profile.city, profile.experience_years) == (1983, "Кфар-Саба", 1)
    typed = {a.question: a.raw_text for a in rows(app, Answer, person.id)}
    assert (typed["age"], typed["out_of_work"]) == ("сорок три", "3 месяца")

    olga.click("Да, прошу рассмотреть")
    assert "Мы передали вашу просьбу" in olga.text() and "29 ноября 2026" in olga.text()
    outcomes = rows(app, PrescreenOutcome, person.id)
    assert [(o.outcome, o.reasons) for o in outcomes] == [
        ("not_eligible", ["age_below", "experience_low"]),
        ("manager_decision", ["special_circumstances", "age_below", "experience_low"]),
    ]
    [decision] = rows(app, ManagerDecision, person.id)
    assert (decision.status, decision.due_by, decision.outcome_id) == ("pending", DUE, outcomes[1].id)
    assert center_slug(app, decision.center_id) == "kfar-saba"


def test_not_eligible_in_arabic_outside_the_centers_areas_and_no_review_leaves_no_decision(
    telegram: TelegramBot,
    app: App,
) -> None:
    amal = telegram.person(2002, "Amal", None, lang="ar")
    amal.send("مرحبا")
    assert "معكم المساعد الرقمي" in amal.text()
    amal.click("نعم، لنبدأ")
    amal.send("أمل")
    amal.send("1968")
    amal.send("القدس")
    assert amal.buttons() == ["تل أبيب", "كفار سابا", "موديعين", "لا شيء منها", "↩ رجوع"]
    amal.click("لا شيء منها")
    for answer in ("3 أشهر", "نصف وظيفة", "25", "نعم", "لا شيء", "صديق أخبرني", "نعم"):
        amal.send(answer)

    text = amal.text()
    assert "شكرًا جزيلًا على وقتكم، أمل. حسب إجاباتكم، البرنامج غير مناسب حاليًا" in text
    assert amal.buttons() == ["نعم، أطلب المراجعة", "لا، شكرًا"]
    amal.click("لا، شكرًا")
    assert "نتمنى لكم" in amal.text()

    person = person_row(app, 2002)
    assert (person.language, person.display_name) == ("ar", "أمل")
    [outcome] = rows(app, PrescreenOutcome, person.id)
    assert (outcome.outcome, outcome.reasons, outcome.center_id) == ("not_eligible", ["not_in_area"], None)
    assert rows(app, ManagerDecision, person.id) == []
    with app.db.transaction() as s:
        conversation = s.get(Conversation, person.id)
        assert conversation is not None and State.from_json(conversation.state).frames == []  # it ended


def test_age_44_in_arabic_is_left_to_the_center_manager_with_a_date_in_arabic(
    telegram: TelegramBot,
    app: App,
) -> None:
    amal = telegram.person(2003, "Amal", "Haddad", lang="ar-EG")
    amal.send("مرحبا")
    amal.click("نعم، لنبدأ")
    amal.click("Amal Haddad")
    amal.send("44")
    amal.send("حولون")
    assert "تُقام الأنشطة في مركز موديعين" in amal.text()
    amal.click("نعم")
    amal.click("من شهرين إلى سنة")
    amal.click("نصف وظيفة")
    amal.send("25")
    amal.click("نعم")
    amal.click("لا شيء مما سبق")
    amal.click("صديق أخبرني")
    amal.click("نعم، كل شيء صحيح")
    [phone_question] = amal.last
    assert phone_question.keyboard[0]["request_contact"] is True
    amal.share_contact("972521112233")

    text = amal.text()
    assert "شكرًا، Amal Haddad. بعض إجاباتكم تحتاج إلى مراجعة من إدارة المركز" in text
    assert "الأحد، 29 نوفمبر 2026" in text
    assert amal.last[-1].removes_keyboard

    person = person_row(app, 2003)
    assert (person.language, person.phone) == ("ar", "+972521112233")
    [outcome] = rows(app, PrescreenOutcome, person.id)
    assert (outcome.outcome, outcome.reasons) == ("manager_decision", ["age_below"])
    assert center_slug(app, outcome.center_id) == "modiin"
    [decision] = rows(app, ManagerDecision, person.id)
    assert (decision.status, decision.due_by, decision.outcome_id) == ("pending", DUE, outcome.id)
    assert center_slug(app, decision.center_id) == "modiin"
    [profile] = rows(app, ParticipantProfile, person.id)
    assert (profile.birth_year, profile.city, profile.job_share) == (1982, "حولون", 0.5)
