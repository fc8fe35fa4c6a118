"""WhatsApp end to end: signed Twilio webhooks into the Starlette app, replies through the real twilio
client to a fake Twilio REST server on 127.0.0.1 (tests/fake_twilio.py), everything in the database.

What a participant notices: the same pre-screen as on Telegram, answered by number, by button or by
typing; one answer per message even when Twilio retries. What staff notice: forged webhooks refused,
delivery statuses recorded, held messages listed, opt-outs respected.
"""

from __future__ import annotations

import argparse
import logging
from datetime import timedelta
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy import func, select

from bot import staff_cli
from bot.bootstrap import App
from bot.channels.whatsapp.adapter import to_inbound
from bot.channels.whatsapp.templates import TemplateConfigError, load_templates
from bot.outbound import Proactive, Recipient, SendStatus
from bot.server import WebhookNotConfigured, create_web_app
from flows import Command, Msg, Pressed, Reply, Text, Unsupported
from storage import outbox
from storage.models import (
    Answer,
    ChannelIdentity,
    InboundMessage,
    OutboundMessage,
    ParticipantProfile,
    Person,
    PrescreenOutcome,
)
from tests.conftest import FakeClock, make_app
from tests.fake_twilio import FakeTwilio
from tests.kit.prescreen import EN_TYPED, QUESTIONS
from tests.kit.whatsapp import HX, WhatsAppHarness, visible, whatsapp_settings

pytestmark = pytest.mark.app(whatsapp=True)

T = TypeVar("T")
RONIT = "+972501234567"


BOTH = pytest.mark.parametrize(
    "app", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)


# ---- reading the database --------------------------------------------------------------------
def person_of(app: App, phone: str) -> Person:
    with app.db.transaction() as s:
        identity = s.scalar(
            select(ChannelIdentity).where(
                ChannelIdentity.channel == "whatsapp", ChannelIdentity.external_id == phone
            )
        )
        assert identity is not None, f"no person for {phone}"
        person = s.get(Person, identity.person_id)
        assert person is not None
        return person


def rows(app: App, model: type[T], person_id: int | None = None) -> list[T]:
    with app.db.transaction() as s:
        query = select(model)
        if person_id is not None:
            query = query.where(model.person_id == person_id)  # type: ignore[attr-defined]
        return list(s.scalars(query.order_by(*model.__mapper__.primary_key)))  # type: ignore[attr-defined]


def count(app: App, model: type) -> int:
    with app.db.transaction() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def center_of(app: App, person_id: int) -> str | None:
    [outcome] = rows(app, PrescreenOutcome, person_id)
    from storage.models import Center

    with app.db.transaction() as s:
        return s.scalar(select(Center.slug).where(Center.id == outcome.center_id))


# ---- the pre-screen --------------------------------------------------------------------------
@BOTH
def test_a_whole_pre_screen_in_hebrew_answered_by_number_and_by_forgiving_text(
    wa: WhatsAppHarness, app: App, fake_twilio: FakeTwilio
) -> None:
    ronit = wa.person(RONIT, "רונית כהן")
    ronit.send("שלום")
    assert "נתחיל?" in ronit.text()
    assert "אפשר לענות במספר האפשרות:\n1. כן, נתחיל\n2. לא עכשיו" in ronit.text()  # no buttons: numbers

    ronit.send("1")
    assert "איך לפנות אליכם" in ronit.text() and "1. רונית כהן" in ronit.text()
    ronit.send("1")  # the name WhatsApp shows for her
    ronit.send("אני בת 57")
    ronit.send("כפר סבה")  # a misspelling of the city
    assert "הפעילויות מתקיימות במרכז כפר סבא" in ronit.text()
    ronit.send("כן בהחלט")  # extra words
    ronit.send("3 חודשים")
    ronit.send("חצי")
    ronit.send("25")
    ronit.send("כֵּן")  # niqqud
    ronit.send("אף אחד מאלה")
    ronit.send("חבר מביא חבר")
    ronit.send("כן")  # the summary is right

    # WhatsApp vouches for her number: she is not asked for it
    assert "התוכנית מתאימה לכם" in ronit.text() and "במרכז כפר סבא" in ronit.text()
    assert not any("מספר הטלפון" in t for t in ronit.all_texts())
    person = person_of(app, RONIT)
    assert (person.phone, person.display_name, person.language) == (RONIT, "רונית כהן", "he")
    [profile] = rows(app, ParticipantProfile, person.id)
    assert (profile.birth_year, profile.job_share, profile.experience_years) == (1969, 0.5, 25)
    assert [a.question for a in rows(app, Answer, person.id)] == [*QUESTIONS]
    assert center_of(app, person.id) == "kfar-saba"
    # every reply is in the delivery log, by Twilio's id, without its text
    sent = rows(app, OutboundMessage, person.id)
    assert [m.platform_message_id for m in sent] == [c.sid for c in fake_twilio.sent_to(RONIT)]
    assert {(m.kind, m.status, m.channel) for m in sent} == {("reply", "queued", "whatsapp")}


@pytest.mark.parametrize("templates", [True])
def test_buttons_and_lists_from_content_templates_are_answered_by_payload(
    wa: WhatsAppHarness, app: App, fake_twilio: FakeTwilio
) -> None:
    ronit = wa.person(RONIT, "רונית")
    ronit.send("שלום")
    [consent] = ronit.last
    # "🌐 Language / Язык / اللغة" is longer than a WhatsApp button may be: its short form is on the button
    assert consent.content_sid == HX["buttons_3"]
    titles = [consent.variables[k] for k in ("2", "4", "6")]
    assert titles == ["כן, נתחיל", "לא עכשיו", "🌐 Language/Язык/لغة"]
    ronit.send("1")
    [name] = ronit.last
    assert name.content_sid == HX["buttons_2"] and name.body is None
    assert "איך לפנות אליכם" in name.variables["1"]
    assert [name.variables["2"], name.variables["4"]] == ["\u2068רונית\u2069", "↩ חזרה"]
    ronit.press(name.variables["3"], "רונית")  # the button's id comes back as ButtonPayload
    assert "מה הגיל שלכם" in ronit.text()
    ronit.send("1968")
    ronit.send("כפר סבא")
    [willing] = ronit.last
    assert willing.content_sid == HX["buttons_3"]
    assert [willing.variables[k] for k in ("2", "4", "6")] == ["כן", "לא", "↩ חזרה"]
    ronit.press(willing.variables["3"], "כן")
    [out_of_work] = ronit.last
    assert out_of_work.content_sid == HX["list_10"]  # nine spans of time and "back"
    assert out_of_work.variables["2"] == "לבחירה"  # the list's menu button
    items = {
        out_of_work.variables[str(k)]: out_of_work.variables[str(k + 1)]
        for k in range(3, len(out_of_work.variables), 2)
    }
    ronit.pick(items["חודשיים עד שנה"], "חודשיים עד שנה")  # a list choice comes back as ListId
    assert "משרה" in ronit.text()

    ronit.press("1:yes", "כן")  # a button from an earlier question: no longer active, nothing moves
    assert "הכפתור הזה כבר לא פעיל" in ronit.text()
    person = person_of(app, RONIT)
    assert [a.question for a in rows(app, Answer, person.id)] == [
        "consent",
        "name",
        "age",
        "city",
        "willing",
        "out_of_work",
    ]
    [answer] = [a for a in rows(app, Answer, person.id) if a.question == "out_of_work"]
    assert answer.value == "2m1y"
    assert {m.template for m in rows(app, OutboundMessage, person.id)} >= {
        HX["buttons_3"],
        HX["buttons_2"],
        out_of_work.content_sid,
    }


def test_a_whole_pre_screen_in_english_after_choosing_the_language(wa: WhatsAppHarness, app: App) -> None:
    ruth = wa.person("+972529876543", "Ruth Adler")
    ruth.send("hello")  # WhatsApp tells us no language: Hebrew first, with the language choice
    assert "3. 🌐 Language / Язык / اللغة" in ruth.text()
    ruth.send("3")
    assert "English" in ruth.text()
    ruth.send("English")
    assert "Shall we start?" in ruth.text()
    ruth.send("yes")
    for answer in EN_TYPED:
        ruth.send(answer)
    assert "the program suits you" in ruth.text() and "the Modiin center" in ruth.text()
    person = person_of(app, "+972529876543")
    assert (person.language, person.phone, person.display_name) == ("en", "+972529876543", "Ruth")
    assert center_of(app, person.id) == "modiin"


# ---- what may not pass -----------------------------------------------------------------------
@pytest.mark.parametrize("signature", [None, "bad-signature", "for-another-url"])
@BOTH
def test_a_forged_or_unsigned_webhook_is_refused_and_leaves_no_trace(
    wa: WhatsAppHarness, app: App, fake_twilio: FakeTwilio, signature: str | None
) -> None:
    form = {
        "MessageSid": "SMforged",
        "From": f"whatsapp:{RONIT}",
        "WaId": RONIT[1:],
        "Body": "שלום",
        "NumMedia": "0",
    }
    if signature == "for-another-url":
        signature = wa.validator.compute_signature("https://evil.example.org/twilio/whatsapp", form)
    response = wa.post("/twilio/whatsapp", form, signature=signature)
    assert response.status_code == 403
    assert (
        wa.post(
            "/twilio/status", {"MessageSid": "SM1", "MessageStatus": "read"}, signature=signature
        ).status_code
        == 403
    )
    assert fake_twilio.calls == []
    assert (count(app, Person), count(app, InboundMessage), count(app, OutboundMessage)) == (0, 0, 0)


@BOTH
def test_a_webhook_twilio_retries_is_answered_once(
    wa: WhatsAppHarness, app: App, fake_twilio: FakeTwilio
) -> None:
    ronit = wa.person(RONIT)
    ronit.send("שלום")
    first = dict(ronit.form)
    ronit.repeat(first)  # Twilio did not get our answer in time and sends the same MessageSid again
    assert ronit.last == [] and ronit.response.status_code == 200
    ronit.send("1")
    ronit.repeat(dict(ronit.form))
    assert ronit.last == []
    assert len(fake_twilio.sent_to(RONIT)) == 2
    assert [a.question for a in rows(app, Answer, person_of(app, RONIT).id)] == ["consent"]
    assert count(app, InboundMessage) == 2


def test_photos_and_locations_get_a_kind_reply_and_the_same_question(wa: WhatsAppHarness, app: App) -> None:
    ronit = wa.person(RONIT)
    ronit.send("שלום").send("1").send("רונית")
    ronit.send_photo()
    assert "מדבקות, תמונות והקלטות אני עדיין לא יודע לקרוא" in ronit.text() and "מה הגיל שלכם" in ronit.text()
    ronit.send_location()
    assert "מה הגיל שלכם" in ronit.text()
    assert [a.question for a in rows(app, Answer, person_of(app, RONIT).id)] == ["consent", "name"]


def test_form_fields_become_inputs_for_the_engine() -> None:
    base = {
        "MessageSid": "SM1",
        "From": "whatsapp:+972501234567",
        "WaId": "972501234567",
        "ProfileName": "רונית",
    }
    inbound = to_inbound({**base, "Body": "שלום", "NumMedia": "0"})
    assert inbound is not None
    assert (inbound.channel, inbound.external_id, inbound.phone, inbound.message_id) == (
        "whatsapp",
        RONIT,
        RONIT,
        "SM1",
    )
    assert (inbound.input, inbound.profile_name, inbound.language_hint) == (Text("שלום"), "רונית", None)
    assert to_inbound({**base, "Body": "כן", "ButtonPayload": "3:yes"}).input == Pressed("3:yes")  # type: ignore[union-attr]
    assert to_inbound({**base, "Body": "x", "ListId": "4:2m1y"}).input == Pressed("4:2m1y")  # type: ignore[union-attr]
    assert to_inbound({**base, "NumMedia": "1", "MediaContentType0": "audio/ogg"}).input == Unsupported(
        "voice"
    )  # type: ignore[union-attr]
    assert to_inbound({**base, "Latitude": "32.1", "Longitude": "34.8"}).input == Unsupported("location")  # type: ignore[union-attr]
    assert to_inbound({**base, "Body": "/start x"}).input == Command("start", "x")  # type: ignore[union-attr]
    no_wa_id = to_inbound({"MessageSid": "SM2", "From": "whatsapp:+972 50-123-4567", "Body": "hi"})
    assert no_wa_id is not None and no_wa_id.external_id == RONIT
    assert to_inbound({**base, "Body": "  "}) is None  # nothing a person said
    assert to_inbound({"MessageSid": "SM3", "From": "client:abc", "Body": "hi"}) is None


# ---- delivery statuses -----------------------------------------------------------------------
@BOTH
def test_status_callbacks_are_recorded_per_message_and_never_go_backwards(
    wa: WhatsAppHarness, app: App, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    ronit = wa.person(RONIT)
    ronit.send("שלום")
    [sent] = ronit.last
    assert wa.status(sent.sid or "", "sent").status_code == 204
    clock.advance(seconds=3)
    wa.status(sent.sid or "", "delivered")
    wa.status(sent.sid or "", "read")
    wa.status(sent.sid or "", "sent")  # a late callback for an earlier status
    [row] = rows(app, OutboundMessage)
    assert (row.platform_message_id, row.status, row.error_code, row.kind) == (
        sent.sid,
        "read",
        None,
        "reply",
    )
    assert row.updated_at == clock.now

    ronit.send("1")
    [second] = ronit.last
    wa.status(second.sid or "", "undelivered", "63049")
    by_sid = {r.platform_message_id: r for r in rows(app, OutboundMessage)}
    assert (by_sid[second.sid].status, by_sid[second.sid].error_code) == ("undelivered", "63049")
    assert not person_of(app, RONIT).opted_out

    ronit.send("1")
    [third] = ronit.last
    wa.status(third.sid or "", "failed", "21610")  # she unsubscribed at Twilio meanwhile
    person = person_of(app, RONIT)
    assert person.opted_out
    [identity] = rows(app, ChannelIdentity, person.id)
    assert identity.unreachable
    # a callback before our own record: kept for the sender to complete
    wa.status("SM" + "ab" * 16, "delivered")
    assert {r.platform_message_id for r in rows(app, OutboundMessage)} >= {"SM" + "ab" * 16}


# ---- proactive messages: the 24-hour window, templates, holding ------------------------------
def proactive(person_id: int, lang: str = "he", kind: str = "reminder.event") -> Proactive:
    return Proactive(
        person_id=person_id,
        kind=kind,
        lang=lang,
        replies=(Reply(parts=(Msg("common.raw", {"text": "תזכורת: כנס חשיפה מחר ב-10:00"}),)),),
        variables={"title": "כנס חשיפה", "when": "מחר ב-10:00"},
        reference="job:7",
    )


def recipient(app: App, phone: str) -> Recipient:
    person = person_of(app, phone)
    with app.db.transaction() as s:
        identity = s.scalar(select(ChannelIdentity).where(ChannelIdentity.external_id == phone))
        assert identity is not None
        return Recipient(person.id, "whatsapp", phone, identity.last_inbound_at)


@pytest.mark.parametrize("templates", [True])
def test_inside_the_window_free_form_outside_it_the_template(
    wa: WhatsAppHarness, app: App, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    ronit = wa.person(RONIT)
    ronit.send("שלום")
    sender = wa.whatsapp.sender
    result = sender.send(
        recipient(app, RONIT), proactive(person_of(app, RONIT).id), clock.now + timedelta(hours=20)
    )
    assert result.status is SendStatus.SENT
    assert visible(fake_twilio.sent_to(RONIT)[-1].text) == "תזכורת: כנס חשיפה מחר ב-10:00"

    result = sender.send(
        recipient(app, RONIT), proactive(person_of(app, RONIT).id), clock.now + timedelta(hours=25)
    )
    assert result.status is SendStatus.SENT
    last = fake_twilio.sent_to(RONIT)[-1]
    assert (last.content_sid, last.variables, last.body) == (
        HX["reminder_he"],
        {"1": "כנס חשיפה", "2": "מחר ב-10:00"},
        None,
    )
    kinds = [(m.kind, m.template, m.reference) for m in rows(app, OutboundMessage) if m.kind != "reply"]
    assert kinds == [("reminder.event", None, "job:7"), ("reminder.event", HX["reminder_he"], "job:7")]


@pytest.mark.parametrize("templates", [True])
def test_whatsapp_refusing_free_form_as_outside_the_window_sends_the_template_instead(
    wa: WhatsAppHarness, app: App, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    wa.person(RONIT).send("שלום")
    fake_twilio.close_window(RONIT)  # e.g. the person's phone clock and ours disagree: 63016
    result = wa.whatsapp.sender.send(
        recipient(app, RONIT), proactive(person_of(app, RONIT).id, lang="en"), clock.now + timedelta(hours=1)
    )
    assert result.status is SendStatus.SENT
    attempts = fake_twilio.attempts_to(RONIT)[-2:]
    assert [(a.error_code, a.content_sid) for a in attempts] == [(63016, None), (None, HX["reminder_en"])]


@BOTH
def test_outside_the_window_without_a_template_the_message_is_held_for_staff(
    wa: WhatsAppHarness,
    app: App,
    fake_twilio: FakeTwilio,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.INFO)
    wa.person(RONIT).send("שלום")
    before = len(fake_twilio.calls)
    person_id = person_of(app, RONIT).id
    result = wa.whatsapp.sender.send(
        recipient(app, RONIT), proactive(person_id), clock.now + timedelta(days=2)
    )
    assert (result.status, result.detail) == (SendStatus.HELD, "no_template")
    assert len(fake_twilio.calls) == before  # nothing went out free-form
    with app.db.transaction() as s:
        [held] = outbox.held_messages(s)
        assert (held.person_id, held.kind, held.status, held.reference) == (
            person_id,
            "reminder.event",
            "held",
            "job:7",
        )
    staff_cli.whatsapp_command(app, argparse.Namespace(action="held", days=7))
    listed = capsys.readouterr().out
    assert f"person {person_id}  reminder.event  (no template)  job:7" in listed
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("held" in w and f"person {person_id}" in w for w in warnings)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "501234567" not in logged and "תזכורת" not in logged


# ---- opt-out ---------------------------------------------------------------------------------
@pytest.mark.parametrize("word", ["STOP", "הסר", "עצור", "стоп", "توقف"])
def test_stop_in_any_language_ends_proactive_messages_and_start_brings_them_back(
    wa: WhatsAppHarness, app: App, fake_twilio: FakeTwilio, clock: FakeClock, word: str
) -> None:
    ronit = wa.person(RONIT)
    ronit.send("שלום").send("1")
    ronit.send(word)
    said = app.catalogs.translator(person_of(app, RONIT).language)
    assert ronit.text() == visible(said.render_key("optout.done")), "the opt-out is confirmed"
    person_id = person_of(app, RONIT).id
    assert person_of(app, RONIT).opted_out
    before = len(fake_twilio.calls)
    result = wa.whatsapp.sender.send(
        recipient(app, RONIT), proactive(person_id), clock.now + timedelta(hours=1)
    )
    assert result.status is SendStatus.OPTED_OUT
    assert len(fake_twilio.calls) == before

    ronit.send("רונית")  # her own messages are still answered: the name, then the next question
    assert visible(said.render_key("prescreen.ask_age")) in ronit.text()

    ronit.send("START" if word.isascii() else "הצטרף")
    assert not person_of(app, RONIT).opted_out
    result = wa.whatsapp.sender.send(
        recipient(app, RONIT), proactive(person_id), clock.now + timedelta(hours=1)
    )
    assert result.status is SendStatus.SENT


@BOTH
def test_twilio_unsubscribed_21610_opts_the_person_out_and_marks_the_number_unreachable(
    wa: WhatsAppHarness, app: App, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    ronit = wa.person(RONIT)
    ronit.send("שלום")
    fake_twilio.unsubscribe(RONIT)
    person_id = person_of(app, RONIT).id
    result = wa.whatsapp.sender.send(
        recipient(app, RONIT), proactive(person_id), clock.now + timedelta(hours=1)
    )
    assert (result.status, result.detail) == (SendStatus.UNREACHABLE, "21610")
    assert len(fake_twilio.attempts_to(RONIT)) == 2  # a permanent error: not retried
    person = person_of(app, RONIT)
    assert person.opted_out
    [identity] = rows(app, ChannelIdentity, person.id)
    assert identity.unreachable
    assert rows(app, OutboundMessage, person.id)[-1].error_code == "21610"
    calls = len(fake_twilio.calls)
    assert (
        wa.whatsapp.sender.send(
            recipient(app, RONIT), proactive(person_id), clock.now + timedelta(hours=1)
        ).status
        is SendStatus.OPTED_OUT
    )
    assert len(fake_twilio.calls) == calls


# ---- limits: retries and pacing --------------------------------------------------------------
def test_429_is_retried_after_the_time_twilio_asks_and_delivered_once(
    wa: WhatsAppHarness, app: App, fake_twilio: FakeTwilio
) -> None:
    fake_twilio.fail_next(status=429, retry_after=2)
    ronit = wa.person(RONIT)
    ronit.send("שלום")
    assert len(ronit.last) == 1 and "נתחיל?" in ronit.text()
    assert [a.status for a in fake_twilio.attempts_to(RONIT)] == [429, 201]
    assert 2.0 in wa.monotonic.slept


def test_server_errors_back_off_and_give_up_after_a_bounded_number_of_tries(
    wa: WhatsAppHarness, app: App, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    fake_twilio.fail_next(status=500, times=2)
    ronit = wa.person(RONIT)
    ronit.send("שלום")
    assert [a.status for a in fake_twilio.attempts_to(RONIT)] == [500, 500, 201]
    assert [s for s in wa.monotonic.slept if s >= 1] == [1.0, 2.0]

    fake_twilio.fail_next(status=503, times=10)
    person_id = person_of(app, RONIT).id
    result = wa.whatsapp.sender.send(recipient(app, RONIT), proactive(person_id), clock.now)
    assert result.status is SendStatus.RETRY
    # one call and three retries, then the scheduler's turn
    assert len(fake_twilio.attempts_to(RONIT)) == 3 + 4


def test_a_permanent_error_is_recorded_and_not_retried(
    wa: WhatsAppHarness, app: App, fake_twilio: FakeTwilio
) -> None:
    fake_twilio.fail_next(status=400, code=21211)
    ronit = wa.person(RONIT)
    ronit.send("שלום")
    assert ronit.last == [] and len(fake_twilio.attempts_to(RONIT)) == 1
    [row] = rows(app, OutboundMessage)
    assert (row.status, row.error_code, row.platform_message_id) == ("failed", "21211", None)


def test_sending_is_paced_per_sender(
    app: App, fake_twilio: FakeTwilio, clock: FakeClock, tmp_path: Path
) -> None:
    settings = whatsapp_settings(fake_twilio, twilio_messages_per_second=2.0)
    paced = make_app(app.db.url, clock, tmp_path, **settings)
    harness = WhatsAppHarness(paced, fake_twilio)
    try:
        for i in range(5):
            harness.person(f"+97250123450{i}").send("שלום")
        assert len(fake_twilio.calls) == 5
        assert sum(harness.monotonic.slept) == pytest.approx(2.0)  # 5 messages at 2 a second: 2 s of waiting
    finally:
        harness.close()
        paced.db.dispose()


# ---- configuration ---------------------------------------------------------------------------
def test_a_misspelled_template_setting_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "t.toml"
    path.write_text('[choices]\nbutton_2 = "HX00000000000000000000000000000001"\n', encoding="utf-8")
    with pytest.raises(TemplateConfigError, match="button_2"):
        load_templates(path)
    path.write_text('[kinds."reminder.event"]\nfr = "HX00000000000000000000000000000001"\n', encoding="utf-8")
    with pytest.raises(TemplateConfigError, match="'fr'"):
        load_templates(path)
    path.write_text('[kinds."reminder.event"]\nhe = "not-a-sid"\n', encoding="utf-8")
    with pytest.raises(TemplateConfigError, match="Content SID"):
        load_templates(path)


def test_the_web_server_serves_whatsapp_when_twilio_is_configured_and_needs_the_public_address(
    fake_twilio: FakeTwilio, clock: FakeClock, tmp_path: Path, sqlite_url: str
) -> None:
    configured = make_app(sqlite_url, clock, tmp_path, **whatsapp_settings(fake_twilio))
    paths = {getattr(r, "path", None) for r in create_web_app(configured).routes}
    assert {"/twilio/whatsapp", "/twilio/status", "/healthz"} <= paths
    assert "/telegram/webhook" not in paths
    configured.db.dispose()

    no_address = make_app(sqlite_url, clock, tmp_path, **whatsapp_settings(fake_twilio, public_base_url=None))
    with pytest.raises(WebhookNotConfigured, match="PUBLIC_BASE_URL"):
        create_web_app(no_address)
    no_address.db.dispose()
