"""Homework on WhatsApp outside the 24-hour window: the task told, the check-in on its due date and
its one reminder each go as the approved template of its kind (`homework.assigned`,
`homework.checkin`, `homework.checkin_reminder`), with the task in the person's words and its date;
the answer the person writes back is the check-in's answer."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from bot.bootstrap import App
from flows.effects import RecordOutcome, SetLanguage, UpdateProfile
from storage import homework, repo
from storage.models import ChannelIdentity, Homework
from tests.conftest import FakeClock
from tests.events_kit import at
from tests.fake_twilio import FakeTwilio
from tests.kit import plain
from tests.kit.whatsapp import WhatsAppHarness

TOLD, ASKED, REMINDED = ("HX" + c * 32 for c in "abc")
TEMPLATES = f"""
[kinds."homework.assigned"]
variables = ["task", "due"]
he = "{TOLD}"
ru = "{TOLD}"

[kinds."homework.checkin"]
variables = ["task"]
default = "{ASKED}"

[kinds."homework.checkin_reminder"]
variables = ["task"]
default = "{REMINDED}"
"""
pytestmark = [pytest.mark.app(whatsapp=True), pytest.mark.parametrize("templates", [TEMPLATES])]
PHONE = "+972501234567"
DUE = date(2026, 11, 24)  # a Tuesday


def quiet_participant(app: App, lang: str) -> int:
    """A participant on WhatsApp who last wrote three days ago: outside the window."""
    then = app.clock() - timedelta(days=3)
    with app.db.transaction() as s:
        person, identity, _ = repo.find_or_create_person(s, "whatsapp", PHONE, lang, then, phone=PHONE)
        identity.last_inbound_at = then
        repo.apply_effects(
            s,
            person,
            [
                UpdateProfile({"center": "kfar-saba"}),
                RecordOutcome("eligible", "kfar-saba"),
                SetLanguage(lang),
            ],
            then,
        )
        return person.id


def values(fake: FakeTwilio) -> tuple[str | None, dict[str, str]]:
    sent = fake.sent_to(PHONE)[-1]
    return sent.content_sid, {k: plain(v) for k, v in sent.variables.items()}


@pytest.mark.parametrize(
    ("lang", "task", "due"),
    [
        ("he", "למצוא 5 משרות מתאימות ולשלוח קורות חיים לכל אחת", "יום שלישי, 24 בנובמבר 2026"),
        ("ru", "Найти 5 подходящих вакансий и отправить резюме на каждую", "вторник, 24 ноября 2026\u202fг."),
    ],
)
def test_told_checked_in_and_reminded_as_templates_with_the_task_and_its_date(
    app: App, wa: WhatsAppHarness, fake_twilio: FakeTwilio, clock: FakeClock, lang: str, task: str, due: str
) -> None:
    person = quiet_participant(app, lang)
    with app.db.transaction() as s:
        homework.assign(
            s, person_id=person, kind="cv_to_jobs", count=5, due=DUE, now=clock.now, program=app.program
        )
    worker = app.scheduler({"whatsapp": wa.whatsapp.sender})
    assert worker.run_until_idle().sent == 1
    assert values(fake_twilio) == (TOLD, {"1": task, "2": due})

    clock.now = at(2026, 11, 24, 10)
    assert worker.run_until_idle().sent == 1
    assert values(fake_twilio) == (ASKED, {"1": task})

    clock.now = at(2026, 11, 25, 11)  # a day without an answer: the one reminder
    assert worker.run_until_idle().sent == 1
    assert values(fake_twilio) == (REMINDED, {"1": task})

    ruth = wa.person(PHONE)  # they write back: the question that stood is answered
    ruth.send("ביצעתי" if lang == "he" else "Выполнено")
    ruth.send("שלחתי לחמש")
    with app.db.transaction() as s:
        stored = s.scalar(select(Homework))
        assert stored is not None and (stored.status, stored.note) == ("done", "שלחתי לחמש")
        assert s.scalar(select(ChannelIdentity.person_id)) == person
