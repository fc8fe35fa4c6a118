"""A reminder on WhatsApp, end to end: the scheduler sends through `WhatsAppSender` to the fake
Twilio REST API; inside the 24-hour window it goes free-form, outside it without an approved
template it is held, and with no other channel staff get a "call them" task."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.bootstrap import App
from storage.models import ScheduledJob, StaffTask
from tests.conftest import FakeClock
from tests.events_kit import at, event, sign_up
from tests.fake_twilio import FakeTwilio
from tests.kit.whatsapp import WhatsAppHarness, visible, whatsapp_participant

pytestmark = pytest.mark.app(whatsapp=True)

RONIT = "+972501234567"


def test_a_reminder_inside_the_window_goes_out_on_whatsapp(
    app: App,
    wa: WhatsAppHarness,
    fake_twilio: FakeTwilio,
    clock: FakeClock,
) -> None:
    ronit = whatsapp_participant(app, wa, RONIT)
    sign_up(app, ronit, event(app, at(2026, 11, 23, 12), title="סדנת פתיחה"))
    clock.now = at(2026, 11, 22, 12)  # the day before, two hours after Ronit wrote: inside the window
    worker = app.scheduler({"whatsapp": wa.whatsapp.sender})
    assert worker.run_until_idle().sent == 1
    assert "תזכורת: סדנת פתיחה" in visible(fake_twilio.sent_to(RONIT)[-1].text)


def test_outside_the_window_with_no_template_a_call_task_is_made(
    app: App,
    wa: WhatsAppHarness,
    fake_twilio: FakeTwilio,
    clock: FakeClock,
) -> None:
    ronit = whatsapp_participant(app, wa, RONIT)
    sign_up(app, ronit, event(app, at(2026, 11, 26, 10), title="סדנת פתיחה"))
    clock.now = at(2026, 11, 25, 10)  # three days after Ronit last wrote
    worker = app.scheduler({"whatsapp": wa.whatsapp.sender})
    assert worker.run_until_idle().sent == 0
    with app.db.transaction() as s:
        (task,) = s.scalars(select(StaffTask)).all()
        assert task.person_id == ronit and task.kind == "call"
        job = s.scalar(select(ScheduledJob).where(ScheduledJob.kind == "reminder").order_by(ScheduledJob.id))
        assert job is not None and job.state == "held"
