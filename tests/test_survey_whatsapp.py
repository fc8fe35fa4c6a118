"""The survey end to end on WhatsApp (the fake Twilio REST API): inside the 24-hour window the
invitation goes free-form with its choices; outside it, as the approved template whose quick-reply
button ("let's start", a fixed id) starts the questions."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.bootstrap import App
from storage import survey
from storage.models import ScheduledJob, StaffTask, Survey
from tests.conftest import FakeClock
from tests.fake_twilio import FakeTwilio
from tests.kit.whatsapp import TEMPLATES, WhatsAppHarness, visible, whatsapp_participant

pytestmark = pytest.mark.app(whatsapp=True)

RONIT = "+972501234567"
INVITE = "HX" + "5" * 32
WITH_SURVEY = (
    TEMPLATES
    + f"""
[kinds."survey.invite"]
variables = ["name"]
he = "{INVITE}"
"""
)


def invite(app: App, person_id: int) -> int:
    with app.db.transaction() as s:
        return survey.send_now(s, person_id, app.clock(), app.program).id


def stored(app: App, survey_id: int) -> Survey:
    with app.db.transaction() as s:
        row = s.get(Survey, survey_id)
        assert row is not None
        return row


def test_inside_the_window_the_invitation_and_the_questions_go_free_form(
    app: App, wa: WhatsAppHarness, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    ronit_id = whatsapp_participant(app, wa, RONIT, display_name="רונית")
    made = invite(app, ronit_id)
    clock.advance(hours=2)
    assert app.scheduler({"whatsapp": wa.whatsapp.sender}).run_until_idle().sent == 1
    last = fake_twilio.sent_to(RONIT)[-1]
    assert last.content_sid is None and "למה אנחנו שואלים" in visible(last.text)
    ronit = wa.person(RONIT)
    ronit.send("בואו נתחיל")
    ronit.choose("כן, בעבודה")
    ronit.send("4/2026")
    ronit.send("טבח")
    ronit.send("1")  # the best match
    ronit.choose("משרה מלאה")
    ronit.send("7500")
    ronit.choose("בעצמי")
    assert "בהצלחה בעבודה" in ronit.text()
    row = stored(app, made)
    assert row.status == "answered"
    report = survey.report_from_json(row.report or {})
    assert report.percent == 100 and report.salary is not None and report.salary.low == 7500
    assert report.occupation_code is not None and report.found_via == "self"


@pytest.mark.parametrize("templates", [WITH_SURVEY])
def test_outside_the_window_the_template_and_its_lets_start_button(
    app: App, wa: WhatsAppHarness, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    ronit_id = whatsapp_participant(app, wa, RONIT, display_name="רונית")
    clock.advance(days=3)  # three days after Ronit last wrote
    made = invite(app, ronit_id)
    assert app.scheduler({"whatsapp": wa.whatsapp.sender}).run_until_idle().sent == 1
    last = fake_twilio.sent_to(RONIT)[-1]
    assert last.content_sid == INVITE and last.variables == {"1": "רונית"}
    ronit = wa.person(RONIT)
    ronit.press("survey_start", "בואו נתחיל")  # the template's own quick-reply button
    assert "האם אתם עובדים כרגע" in ronit.text()
    ronit.tap("לא כרגע")
    ronit.tap("לא")
    assert "אנחנו כאן בשבילכם" in ronit.text()
    assert stored(app, made).status == "answered"


@pytest.mark.parametrize("templates", [WITH_SURVEY])
def test_the_reminder_outside_the_window_with_no_template_is_held_for_a_call(
    app: App, wa: WhatsAppHarness, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    ronit_id = whatsapp_participant(app, wa, RONIT, display_name="רונית")
    clock.advance(days=2)  # Tuesday: the reminder is due on Friday morning, before Shabbat
    made = invite(app, ronit_id)
    worker = app.scheduler({"whatsapp": wa.whatsapp.sender})
    worker.run_until_idle()
    sent = len(fake_twilio.sent_to(RONIT))
    clock.advance(days=3, minutes=1)
    worker.run_until_idle()
    assert len(fake_twilio.sent_to(RONIT)) == sent  # no "timeout.survey" template: held, not sent
    assert stored(app, made).reminded_at is not None
    with app.db.transaction() as s:
        states = [j.state for j in s.scalars(select(ScheduledJob).where(ScheduledJob.kind == "timeout"))]
        assert "held" in states or "failed" in states, states
        reasons = [t.reason for t in s.scalars(select(StaffTask))]
    assert any(r.startswith("timeout") for r in reasons)  # someone calls her instead
