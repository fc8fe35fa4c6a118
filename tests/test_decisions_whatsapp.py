"""The manager's decision on WhatsApp: outside the 24-hour window it goes as the approved template of
its kind (`decision.approved`, `decision.declined`) with the person's name, the center and the next
conference; with no template for the kind it is held, and staff get a "call them" task."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.bootstrap import App
from bot.channels.whatsapp.adapter import WhatsAppSender, build_whatsapp
from bot.scheduler import Scheduler
from flows.effects import RecordOutcome, SetLanguage, UpdateProfile
from storage import decisions, repo
from storage.models import ManagerDecision, StaffTask
from tests.events_kit import at, event, job_rows
from tests.fake_twilio import FakeTwilio
from tests.kit import plain
from tests.kit.whatsapp import FakeMonotonic

APPROVED = "HX" + "d" * 32
TEMPLATES = f"""
[kinds."decision.approved"]
variables = ["name", "center", "when"]
he = "{APPROVED}"
"""
pytestmark = [pytest.mark.app(whatsapp=True), pytest.mark.parametrize("templates", [TEMPLATES])]


def decided(app: App, phone: str, approve: bool) -> int:
    """Someone who last wrote on WhatsApp three days ago, whose borderline case the manager decides now."""
    now = app.clock()
    with app.db.transaction() as s:
        person, identity, _ = repo.find_or_create_person(
            s, "whatsapp", phone, "he", now - timedelta(days=3), phone=phone
        )
        identity.last_inbound_at = now - timedelta(days=3)
        repo.apply_effects(
            s,
            person,
            [
                UpdateProfile({"display_name": "דנה", "center": "kfar-saba"}),
                SetLanguage("he"),
                RecordOutcome("manager_decision", "kfar-saba", ("age_below",)),
            ],
            now - timedelta(days=3),
        )
        decision = s.scalar(select(ManagerDecision.id).where(ManagerDecision.person_id == person.id))
        assert decision is not None
        decisions.decide(s, decision, approve, "Michal", None, now, app.program)
        return person.id


def worker(app: App) -> Scheduler:
    monotonic = FakeMonotonic()
    sender = WhatsAppSender(build_whatsapp(app, monotonic=monotonic, sleep=monotonic.sleep))
    return app.scheduler({"whatsapp": sender})


def test_approved_outside_the_window_goes_as_its_template_with_name_center_and_the_next_conference(
    app: App, fake_twilio: FakeTwilio
) -> None:
    event(app, at(2026, 12, 2, 18), kind="exposure_conference", title="כנס חשיפה")
    decided(app, "+972501234567", approve=True)
    assert worker(app).run_until_idle().sent == 1
    [sent] = fake_twilio.sent_to("+972501234567")
    assert sent.content_sid == APPROVED
    values = {k: plain(v) for k, v in sent.variables.items()}
    assert values == {"1": "דנה", "2": "כפר סבא", "3": "יום רביעי, 2 בדצמבר 2026, 18:00–20:00"}


def test_declined_outside_the_window_with_no_template_is_held_and_staff_call(
    app: App, fake_twilio: FakeTwilio
) -> None:
    person = decided(app, "+972501234568", approve=False)
    assert worker(app).run_until_idle().sent == 0
    assert fake_twilio.sent_to("+972501234568") == []
    with app.db.transaction() as s:
        [task] = s.scalars(select(StaffTask)).all()
        assert (task.person_id, task.kind, task.reason) == (person, "call", "decision:no_template")
    assert [j.state for j in job_rows(app, kind="decision")] == ["held"]
