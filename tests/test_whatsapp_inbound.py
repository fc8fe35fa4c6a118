"""A WhatsApp message is not lost and not answered out of turn. On SQLite and PostgreSQL (`db_url`).

What a participant notices: two quick messages are answered in the order she sent them, and a
message sent just before the server stopped is still answered (once) when it starts again. What
staff notice: nothing of the message stays in the database once it is stepped, nor after "delete
my data", and the logs name no number and no text.

Twilio gets its 200 only once the message is stored (`storage/inbox.py`); a restart is a new
`WhatsAppHarness` (a new web app, its start-up) on the same database.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.bootstrap import App
from bot.channels.whatsapp.adapter import LEASE, WEBHOOK_PATH
from bot.dispatcher import Delivery, Inbound
from flows import Text
from storage import inbox
from storage.db import Database
from storage.models import Answer, InboundMessage, OutboundMessage, Person
from tests.conftest import FakeClock
from tests.fake_twilio import FakeTwilio
from tests.kit import START
from tests.kit.whatsapp import WhatsAppHarness, visible

pytestmark = pytest.mark.app(db="both", whatsapp=True)

RONIT = "+972501234567"
DANA = "+972527654321"
WELCOME = "נתחיל?"  # the answer to a first "שלום"
ASKS_NAME = "איך לפנות אליכם"  # the answer to "1" (yes, let us start)


def inbound_rows(app: App) -> list[InboundMessage]:
    with app.db.transaction() as s:
        return list(s.scalars(select(InboundMessage).order_by(InboundMessage.id)))


def answers(app: App) -> list[str]:
    with app.db.transaction() as s:
        return list(s.scalars(select(Answer.question).order_by(Answer.id)))


def texts(fake_twilio: FakeTwilio, phone: str) -> list[str]:
    return [visible(c.text) for c in fake_twilio.sent_to(phone)]


def wrap_steps(
    app: App, monkeypatch: pytest.MonkeyPatch, before: Callable[[Inbound], None]
) -> list[str | None]:
    """Every step goes through `before` first; returns the message ids in the order they were stepped."""
    handle = app.dispatcher.handle
    stepped: list[str | None] = []

    def wrapped(inbound: Inbound) -> Delivery | None:
        stepped.append(inbound.message_id)
        before(inbound)
        return handle(inbound)

    monkeypatch.setattr(app.dispatcher, "handle", wrapped)
    return stepped


# ---- in the order they came ------------------------------------------------------------------
def test_one_persons_messages_are_stepped_and_answered_in_order_while_others_are_answered_meanwhile(
    wa: WhatsAppHarness, app: App, fake_twilio: FakeTwilio, monkeypatch: pytest.MonkeyPatch
) -> None:
    ronit, dana = wa.person(RONIT), wa.person(DANA)
    first, second = ronit.text_form("שלום"), ronit.text_form("1")
    in_first_step, release_first, second_kept = threading.Event(), threading.Event(), threading.Event()

    def hold_the_first(inbound: Inbound) -> None:
        if inbound.message_id == first["MessageSid"]:
            in_first_step.set()
            assert release_first.wait(10)

    stepped = wrap_steps(app, monkeypatch, hold_the_first)
    keep = wa.whatsapp.keep

    def keeping(inbound: Inbound, form: dict[str, str]) -> bool:
        fresh = keep(inbound, form)
        if inbound.message_id == second["MessageSid"]:
            second_kept.set()
        return fresh

    monkeypatch.setattr(wa.whatsapp, "keep", keeping)
    with ThreadPoolExecutor(max_workers=2) as twilio:
        posted_first = twilio.submit(wa.post, WEBHOOK_PATH, first)
        assert in_first_step.wait(10)
        posted_second = twilio.submit(wa.post, WEBHOOK_PATH, second)
        assert second_kept.wait(10)  # stored: Twilio has (or is about to get) its 200
        dana.send("שלום")  # someone else, meanwhile: answered at once
        assert WELCOME in dana.text()
        assert stepped == [first["MessageSid"], dana.form["MessageSid"]]  # Ronit's "1" waits its turn
        assert texts(fake_twilio, RONIT) == []
        release_first.set()
        assert posted_first.result(10).status_code == posted_second.result(10).status_code == 200
    assert stepped == [first["MessageSid"], dana.form["MessageSid"], second["MessageSid"]]
    sent = texts(fake_twilio, RONIT)
    assert WELCOME in sent[0] and ASKS_NAME in sent[-1]
    assert answers(app) == ["consent"]


def test_twilio_retrying_a_webhook_while_its_message_waits_does_not_step_it_twice(
    wa: WhatsAppHarness, app: App, fake_twilio: FakeTwilio, monkeypatch: pytest.MonkeyPatch
) -> None:
    ronit = wa.person(RONIT)
    first = ronit.text_form("שלום")
    in_step, release = threading.Event(), threading.Event()

    def hold(inbound: Inbound) -> None:
        in_step.set()
        assert release.wait(10)

    stepped = wrap_steps(app, monkeypatch, hold)
    with ThreadPoolExecutor(max_workers=1) as twilio:
        posted = twilio.submit(wa.post, WEBHOOK_PATH, first)
        assert in_step.wait(10)
        retried = wa.post(WEBHOOK_PATH, first)  # Twilio timed out on the first: the same MessageSid
        assert retried.status_code == 200 and stepped == [first["MessageSid"]]
        release.set()
        assert posted.result(10).status_code == 200
    assert stepped == [first["MessageSid"]]
    assert len(texts(fake_twilio, RONIT)) == 1 and len(inbound_rows(app)) == 1


# ---- not lost --------------------------------------------------------------------------------
def test_a_message_kept_just_before_the_server_stopped_is_answered_once_when_it_starts_again(
    app: App, fake_twilio: FakeTwilio, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = WhatsAppHarness(app, fake_twilio)
    ronit = before.person(RONIT)
    ronit.send("שלום")
    with monkeypatch.context() as crash:  # the process dies after Twilio's 200, before the step
        crash.setattr(before.whatsapp, "handle_quietly", lambda inbound: None)
        ronit.send("1")
        assert ronit.response.status_code == 200 and ronit.last == []
        [_, kept] = inbound_rows(app)
        assert (kept.state, kept.person_id) == ("pending", None)
        assert kept.fields is not None and kept.fields["Body"] == "1"
        ronit.repeat(dict(ronit.form))  # Twilio retries meanwhile: the same MessageSid, still pending
        assert ronit.last == [] and len(inbound_rows(app)) == 2
    before.close()

    after = WhatsAppHarness(app, fake_twilio)  # started again: the kept message is stepped
    after.settle()
    assert ASKS_NAME in texts(fake_twilio, RONIT)[-1] and len(texts(fake_twilio, RONIT)) == 2
    assert answers(app) == ["consent"]
    assert [(r.state, r.fields) for r in inbound_rows(app)] == [("done", None), ("done", None)]
    after.post(WEBHOOK_PATH, ronit.form)  # Twilio retrying again: nothing
    after.close()
    again = WhatsAppHarness(app, fake_twilio)  # and a second restart steps nothing either
    again.settle()
    again.close()
    assert len(texts(fake_twilio, RONIT)) == 2 and answers(app) == ["consent"]


class ProcessDied(BaseException):
    """The process stopped in the middle of a step (nothing after this point runs)."""


def test_a_step_cut_off_before_its_commit_is_stepped_again_at_the_next_start(
    app: App, fake_twilio: FakeTwilio, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = WhatsAppHarness(app, fake_twilio)
    ronit = before.person(RONIT)
    ronit.send("שלום")
    with monkeypatch.context() as crash:
        from storage import repo

        def die(*args: object, **kwargs: object) -> None:
            raise ProcessDied

        handle = app.dispatcher.handle

        def cut_off(inbound: Inbound) -> Delivery | None:
            try:
                return handle(inbound)
            except ProcessDied:  # rolled back; the replies are never sent
                return None

        crash.setattr(repo, "save_state", die)
        crash.setattr(app.dispatcher, "handle", cut_off)
        ronit.send("1")
        assert ronit.last == []
    assert answers(app) == [] and inbound_rows(app)[-1].state == "pending"
    before.close()

    after = WhatsAppHarness(app, fake_twilio)
    after.settle()
    after.close()
    assert ASKS_NAME in texts(fake_twilio, RONIT)[-1] and len(texts(fake_twilio, RONIT)) == 2
    assert answers(app) == ["consent"]


def test_a_sweep_steps_a_message_left_pending_longer_than_the_lease_and_leaves_a_fresh_one(
    wa: WhatsAppHarness, app: App, fake_twilio: FakeTwilio, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    ronit = wa.person(RONIT)
    with monkeypatch.context() as lost:  # e.g. its worker thread never came back
        lost.setattr(wa.whatsapp, "handle_quietly", lambda inbound: None)
        ronit.send("שלום")
    clock.advance(seconds=LEASE.total_seconds() - 1)
    assert wa.sweep(LEASE) == 0  # perhaps another server's, still being stepped
    assert texts(fake_twilio, RONIT) == []
    clock.advance(seconds=2)
    assert wa.sweep(LEASE) == 1
    assert WELCOME in texts(fake_twilio, RONIT)[0]
    assert wa.sweep(LEASE) == 0 and len(texts(fake_twilio, RONIT)) == 1


def test_a_step_that_fails_is_apologised_for_once_and_not_tried_again(
    wa: WhatsAppHarness,
    app: App,
    fake_twilio: FakeTwilio,
    monkeypatch: pytest.MonkeyPatch,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from storage import repo

    ronit = wa.person(RONIT)
    ronit.send("שלום")

    def a_bug(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    with monkeypatch.context() as broken, caplog.at_level(logging.ERROR):
        broken.setattr(repo, "save_state", a_bug)
        ronit.send("1")
    assert "התשובה האחרונה לא נשמרה" in ronit.text()  # the apology: "please try again"
    assert (inbound_rows(app)[-1].state, inbound_rows(app)[-1].fields) == ("failed", None)
    clock.advance(seconds=LEASE.total_seconds() * 2)
    assert wa.sweep(LEASE) == 0  # a bug would fail again: the person was asked to write again
    ronit.send("1")
    assert ASKS_NAME in ronit.text() and answers(app) == ["consent"]


def test_twilio_gets_500_when_the_message_cannot_be_stored_and_nothing_is_stepped(
    wa: WhatsAppHarness, app: App, fake_twilio: FakeTwilio, monkeypatch: pytest.MonkeyPatch
) -> None:
    def database_gone(inbound: Inbound, form: dict[str, str]) -> bool:
        raise OSError("connection refused")

    monkeypatch.setattr(wa.whatsapp, "keep", database_gone)
    response = wa.post(WEBHOOK_PATH, wa.person(RONIT).text_form("שלום"))
    assert response.status_code == 500  # Twilio reports it (and its fallback URL, if set, gets it)
    assert fake_twilio.calls == [] and inbound_rows(app) == []
    monkeypatch.undo()
    wa.person(DANA).send("שלום")  # the next message is served: nothing is left waiting in line
    assert WELCOME in wa.person(DANA).all_texts()[0]


# ---- nothing of the message kept -------------------------------------------------------------
def test_nothing_of_a_message_stays_once_stepped_or_after_deleting_ones_data_and_logs_name_neither(
    wa: WhatsAppHarness, app: App, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    ronit = wa.person(RONIT, "רונית כהן")
    ronit.send("שלום").send("1")
    assert {(r.state, r.fields) for r in inbound_rows(app)} == {("done", None)}
    ronit.send("פרטיות").send("למחוק את המידע שלי").send("כן, למחוק הכול")
    assert app.catalogs.template("privacy.deleted", "he").split("\n")[0] in ronit.last_text()
    with app.db.transaction() as s:
        assert s.scalars(select(Person)).all() == []
        # the confirmation went through the outbox as a row of no one; nothing of it is left
        confirmation = s.scalars(select(OutboundMessage).order_by(OutboundMessage.id.desc())).first()
        assert confirmation is not None and confirmation.person_id is None and confirmation.payload is None
    assert {(r.state, r.fields, r.person_id) for r in inbound_rows(app)} == {("done", None, None)}
    # a redelivery of any of them, or a late step of one already taken, brings nobody back
    ronit.repeat(dict(ronit.form))
    late = Inbound(
        "whatsapp", RONIT, Text("שלום"), message_id=ronit.form["MessageSid"], phone=RONIT, kept=True
    )
    assert app.dispatcher.handle(late) is None
    with app.db.transaction() as s:
        assert s.scalars(select(Person)).all() == []
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "501234567" not in logged and "רונית" not in logged and "למחוק" not in logged


# ---- storage ---------------------------------------------------------------------------------
def test_a_kept_message_is_taken_once_and_a_redelivery_is_refused(db_url: str) -> None:
    db = Database(db_url)
    db.upgrade()
    try:
        fields = {"Body": "שלום", "WaId": "972501234567"}
        with db.transaction() as s:
            assert inbox.keep(s, "whatsapp", "SM1", "text", fields, START)
            assert not inbox.keep(s, "whatsapp", "SM1", "text", fields, START)  # Twilio retrying
            assert inbox.keep(s, "whatsapp", "SM2", "text", fields, START + timedelta(seconds=1))
        with db.transaction() as s:
            assert [w.platform_id for w in inbox.waiting(s, "whatsapp")] == ["SM1", "SM2"]
            assert [w.platform_id for w in inbox.waiting(s, "whatsapp", START)] == []
            assert inbox.waiting(s, "whatsapp")[0].fields == fields
            assert inbox.take(s, "whatsapp", "SM1", "pressed", None)  # type: ignore[arg-type]
            assert not inbox.take(s, "whatsapp", "SM1", "text", None)  # type: ignore[arg-type]
            assert inbox.give_up(s, "whatsapp", "SM2") and not inbox.give_up(s, "whatsapp", "SM2")
        with db.transaction() as s:
            assert inbox.waiting(s, "whatsapp") == []
            rows = list(s.scalars(select(InboundMessage).order_by(InboundMessage.id)))
            assert [(r.state, r.kind, r.fields) for r in rows] == [
                ("done", "pressed", None),
                ("failed", "text", None),
            ]
    finally:
        db.dispose()
