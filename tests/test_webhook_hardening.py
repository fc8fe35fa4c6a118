"""Odd or hostile Telegram updates to `midway serve`: refused with a 4xx, or answered as ordinary
text, never a 500 with a traceback and never half stored. On SQLite and PostgreSQL (`db_url`)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from bot.bootstrap import App
from bot.channels.telegram.webhook import SECRET_HEADER, TELEGRAM_WEBHOOK_PATH
from bot.server import create_web_app
from storage.models import Answer, InboundMessage, Person
from tests.fake_telegram import FakeTelegram
from tests.test_webhook import PUBLIC, SECRET, Handled, count, post

HEADERS = {SECRET_HEADER: SECRET, "Content-Type": "application/json"}


pytestmark = pytest.mark.app(telegram=True, db="both", telegram_webhook_secret=SECRET, public_base_url=PUBLIC)


@pytest.fixture
def web(app: App):  # type: ignore[no-untyped-def]
    return create_web_app(app)


@pytest.fixture
def handled(web) -> Handled:  # type: ignore[no-untyped-def]
    return Handled(web.state.telegram)


@pytest.fixture
def client(web, handled: Handled) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(web) as test_client:
        yield test_client


def no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    tracebacks = [r.getMessage() for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert tracebacks == []


def still_served(client: TestClient, fake_telegram: FakeTelegram, handled: Handled, app: App) -> None:
    """A genuine first message afterwards is answered, and it is all that was stored."""
    genuine = fake_telegram.push_text(3999, "שלום")
    assert post(client, genuine) == 200
    handled.wait(genuine)
    assert "נתחיל?" in fake_telegram.sent_to(3999)[-1].text
    assert count(app, InboundMessage) == 1 and count(app, Person) == 1


@pytest.mark.parametrize("text", [5, ["שלום"], {"a": 1}, True])
def test_a_message_whose_text_is_not_text_is_refused(
    client: TestClient,
    fake_telegram: FakeTelegram,
    handled: Handled,
    app: App,
    text: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    update = fake_telegram.push_text(3001, "שלום")
    update["message"]["text"] = text
    assert post(client, update) == 400
    still_served(client, fake_telegram, handled, app)
    assert fake_telegram.sent_to(3001) == []
    no_traceback(caplog)


def test_json_nested_too_deep_is_refused(
    client: TestClient,
    fake_telegram: FakeTelegram,
    handled: Handled,
    app: App,
    caplog: pytest.LogCaptureFixture,
) -> None:
    deep = b'{"update_id": 1, "message": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    assert client.post(TELEGRAM_WEBHOOK_PATH, content=deep, headers=HEADERS).status_code == 400
    still_served(client, fake_telegram, handled, app)
    no_traceback(caplog)


@pytest.mark.parametrize("odd", ["\x00", "\ud800", "\udfff\x00"])
def test_a_nul_or_a_lone_surrogate_in_a_message_is_dropped_and_the_step_answers(
    client: TestClient,
    fake_telegram: FakeTelegram,
    handled: Handled,
    app: App,
    odd: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    first = fake_telegram.push_text(3002, f"שלום{odd}")
    assert post(client, first) == 200
    handled.wait(first)
    welcome = fake_telegram.sent_to(3002)[-1]
    assert "נתחיל?" in welcome.text
    press = fake_telegram.push_callback(3002, welcome.inline[0]["callback_data"], welcome.message_id)
    assert post(client, press) == 200
    handled.wait(press)
    name = fake_telegram.push_text(3002, f"רו{odd}נית")
    assert post(client, name) == 200
    handled.wait(name)
    assert "מה הגיל שלכם" in fake_telegram.sent_to(3002)[-1].text  # the next question, not the apology
    with app.db.transaction() as s:
        [stored] = [a.raw_text for a in s.query(Answer).filter_by(question="name")]
    assert "\x00" not in stored and stored.startswith("רו") and stored.endswith("נית")
    no_traceback(caplog)
