"""Signed but altered, or odd, Twilio webhooks to `midway serve`: refused with a 4xx and nothing
stored, or answered as ordinary text; never a 500 with a traceback. On SQLite and PostgreSQL."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

import pytest

from bot.bootstrap import App
from bot.channels.whatsapp.adapter import WEBHOOK_PATH
from storage.models import Answer, InboundMessage, OutboundMessage, Person
from tests.fake_twilio import FakeTwilio
from tests.kit.whatsapp import PUBLIC, WhatsAppHarness
from tests.test_whatsapp_e2e import count

RONIT = "+972501234567"


pytestmark = pytest.mark.app(whatsapp=True, db="both")


def no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    assert [r.getMessage() for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR] == []


def resplit(form: dict[str, str]) -> dict[str, str]:
    """The attack: MessageSid swallows the fields after it up to NumMedia; the signature holds."""
    names = sorted(form)
    swallowed = names[names.index("MessageSid") + 1 : names.index("NumMedia") + 1]
    cut = {k: v for k, v in form.items() if k not in swallowed}
    cut["MessageSid"] = form["MessageSid"] + "".join(name + form[name] for name in swallowed)
    return cut


def test_a_captured_webhook_cut_into_a_new_message_is_refused(
    wa: WhatsAppHarness, app: App, fake_twilio: FakeTwilio, caplog: pytest.LogCaptureFixture
) -> None:
    ronit = wa.person(RONIT).send("שלום")
    captured = ronit.form
    signature = wa.validator.compute_signature(PUBLIC + WEBHOOK_PATH, captured)
    forged = resplit(captured)
    assert wa.validator.compute_signature(PUBLIC + WEBHOOK_PATH, forged) == signature  # still "signed"
    assert wa.post(WEBHOOK_PATH, forged, signature=signature).status_code == 400
    assert len(fake_twilio.sent_to(RONIT)) == 1 and count(app, InboundMessage) == 1
    no_traceback(caplog)


def altered(form: dict[str, str], change: str) -> dict[str, str]:
    form = dict(form)
    if change == "long sid":
        form["MessageSid"] = "SM" + "a" * 298
    elif change == "another account":
        form["AccountSid"] = "AC" + "1" * 32
    elif change == "unknown field":
        form["Injected"] = "1"
    elif change == "no account":
        del form["AccountSid"]
    elif change == "two sids":
        form["SmsSid"] = "SM" + "b" * 32
    return form


@pytest.mark.parametrize("change", ["long sid", "another account", "unknown field", "no account", "two sids"])
def test_a_signed_message_not_of_twilios_form_is_refused_and_nothing_stored(
    wa: WhatsAppHarness, app: App, fake_twilio: FakeTwilio, change: str, caplog: pytest.LogCaptureFixture
) -> None:
    form = altered(wa.person(RONIT).text_form("שלום"), change)
    assert wa.post(WEBHOOK_PATH, form).status_code == 400  # signed with our token: the form is the problem
    assert fake_twilio.calls == [] and (count(app, Person), count(app, InboundMessage)) == (0, 0)
    assert wa.person(RONIT).send("שלום").text()  # the genuine message afterwards is answered
    no_traceback(caplog)


def test_a_field_sent_twice_is_refused(wa: WhatsAppHarness, app: App, fake_twilio: FakeTwilio) -> None:
    form = wa.person(RONIT).text_form("שלום")
    signature = wa.validator.compute_signature(PUBLIC + WEBHOOK_PATH, form)
    body = urlencode([("Body", "something else"), *form.items()])  # a dict keeps the last: signed
    response = wa.client.post(
        WEBHOOK_PATH,
        content=body,
        headers={"X-Twilio-Signature": signature, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 400
    assert fake_twilio.calls == [] and count(app, InboundMessage) == 0


@pytest.mark.parametrize(
    "sid,status,code",
    [
        ("SM" + "a" * 298, "delivered", None),
        ("SM" + "c" * 32, "d" * 500, None),
        ("SM" + "c" * 32, "failed", "9" * 300),
    ],
)
def test_a_signed_status_callback_with_values_too_long_is_refused(
    wa: WhatsAppHarness,
    app: App,
    sid: str,
    status: str,
    code: str | None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert wa.status(sid, status, code).status_code == 400
    assert count(app, OutboundMessage) == 0
    no_traceback(caplog)


def test_a_nul_in_a_message_is_dropped_and_the_step_answers(
    wa: WhatsAppHarness, app: App, caplog: pytest.LogCaptureFixture
) -> None:
    ronit = wa.person(RONIT)
    assert "נתחיל?" in ronit.send("שלום\x00").text()
    ronit.send("1")
    assert "מה הגיל שלכם" in ronit.send("רו\x00נית").text()  # the next question, not the apology
    with app.db.transaction() as s:
        [name] = [a.raw_text for a in s.query(Answer).filter_by(question="name")]
    assert "\x00" not in name
    no_traceback(caplog)
