"""`midway serve`: the Starlette app of `bot.web` with the real PTB application behind it, the fake
Bot API server on 127.0.0.1 receiving the replies, and the `midway run` / `midway serve` commands.

The ASGI app is driven by Starlette's TestClient, which runs the real lifespan (PTB's application
starts and registers the webhook) on an event loop of its own; `midway serve` itself is started
once as a process with uvicorn on a free local port.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import threading
import urllib.error
import urllib.request
import warnings
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from starlette.applications import Starlette
from starlette.exceptions import StarletteDeprecationWarning
from telegram import Update
from telegram.ext import Application, ContextTypes, TypeHandler

import bot.channels.telegram.adapter as telegram_channel_module
from bot.bootstrap import App, bootstrap
from bot.channels.telegram.adapter import keep, to_inbound
from bot.channels.telegram.webhook import LEASE, SECRET_HEADER, TELEGRAM_WEBHOOK_PATH
from bot.cli import main
from bot.dispatcher import Inbound
from bot.server import WebhookNotConfigured, create_web_app
from bot.settings import Settings
from storage import inbox, jobs
from storage.models import ChannelIdentity, InboundMessage, Person, ScheduledJob
from tests.conftest import FakeClock, make_app
from tests.fake_telegram import TOKEN, FakeTelegram
from tests.kit.servers import start_serve, wait_serving

with warnings.catch_warnings():  # Starlette 1.x would rather have `httpx2`; httpx works the same here
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

SECRET = "s3cret_webhook-token"
PUBLIC = "https://bot.example.org"
pytestmark = pytest.mark.app(telegram=True, telegram_webhook_secret=SECRET, public_base_url=PUBLIC)
ROOT = Path(__file__).resolve().parent.parent


# ---- the harness -----------------------------------------------------------------------------
class Handled:
    """Counts the updates the PTB application has finished (a handler in a later group)."""

    def __init__(self, ptb: Application) -> None:  # type: ignore[type-arg]
        self.done: Counter[int] = Counter()
        self.cond = threading.Condition()
        ptb.add_handler(TypeHandler(Update, self._record), group=1)

    async def _record(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        with self.cond:
            self.done[update.update_id] += 1
            self.cond.notify_all()

    def wait(self, update: dict[str, Any], times: int = 1, timeout: float = 10) -> None:
        with self.cond:
            if not self.cond.wait_for(lambda: self.done[update["update_id"]] >= times, timeout):
                raise AssertionError(f"update {update['update_id']} not handled {times}x within {timeout}s")


def webhook_app(tmp_path: Path, clock: FakeClock, fake_telegram: FakeTelegram, **settings: str) -> App:
    return make_app(
        f"sqlite:///{tmp_path / 'midway.sqlite3'}",
        clock,
        tmp_path,
        telegram_token=TOKEN,
        telegram_api_base_url=fake_telegram.url,
        **settings,
    )


@pytest.fixture
def web(app: App) -> Starlette:
    return create_web_app(app)


@pytest.fixture
def handled(web: Starlette) -> Handled:
    return Handled(web.state.telegram)


@pytest.fixture
def client(web: Starlette, handled: Handled) -> Iterator[TestClient]:
    with TestClient(web) as test_client:  # runs the lifespan: PTB starts, the webhook is registered
        yield test_client


def post(client: TestClient, update: dict[str, Any], secret: str | None = SECRET) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers[SECRET_HEADER] = secret
    return client.post(TELEGRAM_WEBHOOK_PATH, content=json.dumps(update), headers=headers).status_code


def after_what_came_before(
    client: TestClient, fake_telegram: FakeTelegram, handled: Handled, chat: int
) -> dict[str, Any]:
    """A sync point instead of a pause: a later message of the same person. The updates of one person
    are stepped one after the other in the order they came, so once it is handled, anything of theirs
    queued before it (a copy that should not have been) has been handled too."""
    later = fake_telegram.push_text(chat, "עזרה")
    assert post(client, later) == 200
    handled.wait(later)
    return later


def count(app: App, model: type) -> int:
    with app.db.transaction() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def telegram_people(app: App) -> list[str]:
    with app.db.transaction() as s:
        query = select(ChannelIdentity.external_id).where(ChannelIdentity.channel == "telegram")
        return list(s.scalars(query))


# ---- the webhook -----------------------------------------------------------------------------
def test_startup_registers_the_webhook_with_its_secret(
    client: TestClient, fake_telegram: FakeTelegram
) -> None:
    [call] = fake_telegram.calls_of("setWebhook")
    assert call.params["url"] == f"{PUBLIC}{TELEGRAM_WEBHOOK_PATH}"
    assert call.params["secret_token"] == SECRET
    assert "callback_query" in call.params["allowed_updates"]  # button presses must reach us
    assert fake_telegram.webhook_url == "https://bot.example.org/telegram/webhook"


def test_an_update_with_the_right_secret_is_answered_and_the_person_stored(
    client: TestClient, fake_telegram: FakeTelegram, handled: Handled, app: App
) -> None:
    fake_telegram.person(2001, "רונית", "כהן", "he")
    update = fake_telegram.push_text(2001, "שלום")
    assert post(client, update) == 200
    handled.wait(update)

    [welcome] = fake_telegram.sent_to(2001)
    assert "נתחיל?" in welcome.text
    assert welcome.buttons[:2] == ["כן, נתחיל", "לא עכשיו"]
    assert telegram_people(app) == ["2001"]
    assert count(app, InboundMessage) == 1

    # the conversation goes on by webhook: a press on the welcome's button
    press = fake_telegram.push_callback(2001, welcome.inline[0]["callback_data"], welcome.message_id)
    assert post(client, press) == 200
    handled.wait(press)
    assert "איך לפנות אליכם" in fake_telegram.sent_to(2001)[-1].text
    assert len(fake_telegram.calls_of("answerCallbackQuery")) == 1


@pytest.mark.parametrize("secret", [None, "", "wrong", SECRET + "x", SECRET.upper()])
def test_a_wrong_or_missing_secret_is_refused_and_nothing_is_stored(
    client: TestClient,
    fake_telegram: FakeTelegram,
    handled: Handled,
    app: App,
    secret: str | None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    forged = fake_telegram.push_text(2002, "שלום")
    assert post(client, forged, secret=secret) == 403

    # a genuine update afterwards is served; the forged one never was, before or after it
    genuine = fake_telegram.push_text(2003, "שלום")
    assert post(client, genuine) == 200
    handled.wait(genuine)
    assert handled.done[forged["update_id"]] == 0
    assert fake_telegram.sent_to(2002) == []
    assert [c.chat_id for c in fake_telegram.calls_of("sendMessage")] == [2003]
    assert telegram_people(app) == ["2003"] and count(app, Person) == 1
    assert count(app, InboundMessage) == 1
    warnings_logged = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("wrong or missing secret" in w for w in warnings_logged)


def test_the_same_update_posted_twice_is_answered_once(
    client: TestClient, fake_telegram: FakeTelegram, handled: Handled, app: App
) -> None:
    update = fake_telegram.push_text(2004, "שלום")
    assert post(client, update) == 200
    assert post(client, update) == 200  # Telegram retries when our answer was late: kept once, queued once
    handled.wait(update)
    assert post(client, update) == 200  # and after its step
    marker = after_what_came_before(client, fake_telegram, handled, 2004)

    assert handled.done[update["update_id"]] == 1
    assert len(fake_telegram.sent_to(2004)) == 2  # one answer to the update, one to the later message
    assert count(app, InboundMessage) == 2 and count(app, Person) == 1
    assert kept_rows(app) == [(str(u["update_id"]), "done", None) for u in (update, marker)]


def test_what_is_not_an_update_is_refused_without_effect(
    client: TestClient, fake_telegram: FakeTelegram, handled: Handled, app: App
) -> None:
    headers = {SECRET_HEADER: SECRET, "Content-Type": "application/json"}
    assert client.post(TELEGRAM_WEBHOOK_PATH, content=b"{not json", headers=headers).status_code == 400
    assert client.post(TELEGRAM_WEBHOOK_PATH, content=b"[1, 2]", headers=headers).status_code == 400
    assert client.post(TELEGRAM_WEBHOOK_PATH, content=b"x" * 1_000_001, headers=headers).status_code == 413
    assert client.get(TELEGRAM_WEBHOOK_PATH).status_code == 405

    genuine = fake_telegram.push_text(2005, "שלום")
    assert post(client, genuine) == 200
    handled.wait(genuine)
    assert count(app, InboundMessage) == 1 and len(fake_telegram.calls_of("sendMessage")) == 1


# ---- kept before the 200 ---------------------------------------------------------------------
def kept_rows(app: App) -> list[tuple[str, str, Any]]:
    with app.db.transaction() as s:
        query = select(InboundMessage.platform_message_id, InboundMessage.state, InboundMessage.fields)
        return [tuple(row) for row in s.execute(query.order_by(InboundMessage.id))]  # type: ignore[misc]


class Crash(Exception):
    """The process dies here: nothing after it runs (no apology, no giving up)."""


def test_an_update_never_stepped_is_kept_and_answered_once_after_a_restart(
    app: App, fake_telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The 200 comes after the update is stored: a server that stops before the step loses nothing,
    and Telegram's copies of it, before or after the restart, are not answered again."""

    async def never(*args: Any, **kwargs: Any) -> None:  # the process stops before the step
        return None

    first = create_web_app(app)
    seen = Handled(first.state.telegram)
    with monkeypatch.context() as patch, TestClient(first) as client:
        patch.setattr(telegram_channel_module, "handle_update", never)
        update = fake_telegram.push_text(2010, "שלום")
        assert post(client, update) == 200
        assert post(client, update) == 200  # a copy while it is pending: not queued again
        seen.wait(update)
        first_later = after_what_came_before(client, fake_telegram, seen, 2010)
        assert seen.done[update["update_id"]] == 1
    assert fake_telegram.sent_to(2010) == []
    kept = kept_rows(app)
    assert kept == [(str(u["update_id"]), "pending", u) for u in (update, first_later)]

    again = create_web_app(app)
    handled = Handled(again.state.telegram)
    with TestClient(again) as client:  # start-up steps what was left, before the first webhook
        handled.wait(update)
        handled.wait(first_later)
        assert post(client, update) == 200  # Telegram's copy after the restart
        marker = after_what_came_before(client, fake_telegram, handled, 2010)
    # the greeting, then an answer to each later message
    assert len(fake_telegram.sent_to(2010)) == 3 and "נתחיל?" in fake_telegram.sent_to(2010)[0].text
    assert handled.done[update["update_id"]] == 1
    # nothing of the messages is left
    assert kept_rows(app) == [(str(u["update_id"]), "done", None) for u in (update, first_later, marker)]
    assert telegram_people(app) == ["2010"]


def test_a_step_that_dies_before_its_commit_leaves_the_update_to_the_next_start(
    app: App, fake_telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    def dies(inbound: Inbound) -> None:  # takes the row, then the process dies before the commit
        with app.db.transaction() as session:
            assert inbox.take(session, inbound.channel, inbound.message_id or "", "text", 1)
            raise Crash

    fake_telegram.person(2011, "Dana", language_code="en")
    first = create_web_app(app)
    seen = Handled(first.state.telegram)
    with monkeypatch.context() as patch, TestClient(first) as client:
        patch.setattr(app.dispatcher, "handle", dies)
        hello, more = fake_telegram.push_text(2011, "hello"), fake_telegram.push_text(2011, "/start")
        assert post(client, hello) == 200 and post(client, more) == 200
        seen.wait(more)
    assert fake_telegram.sent_to(2011) == []
    assert [state for _, state, _ in kept_rows(app)] == ["pending", "pending"]

    again = create_web_app(app)
    handled = Handled(again.state.telegram)
    with TestClient(again):
        handled.wait(more)
    sent = fake_telegram.sent_to(2011)
    assert len(sent) == 2 and all("Shall we start?" in m.text for m in sent)  # once each, in order
    assert [(state, fields) for _, state, fields in kept_rows(app)] == [("done", None), ("done", None)]


def test_an_update_left_pending_past_the_lease_is_stepped_by_the_sweep(
    app: App,
    fake_telegram: FakeTelegram,
    handled: Handled,
    client: TestClient,
    clock: FakeClock,
    web: Starlette,
) -> None:
    """Another process kept it and stopped; this one finds it when it is older than the lease."""
    update = fake_telegram.push_text(2012, "שלום")
    inbound = to_inbound(Update.de_json(update, None))
    assert inbound is not None and keep(app, inbound, update)
    recover, portal = web.state.telegram_recover, client.portal
    assert portal is not None
    assert portal.call(recover, LEASE) == 0  # still within its lease: perhaps being stepped
    clock.advance(minutes=6)
    assert portal.call(recover, LEASE) == 1
    handled.wait(update)
    assert portal.call(recover, LEASE) == 0
    assert len(fake_telegram.sent_to(2012)) == 1
    assert kept_rows(app) == [(str(update["update_id"]), "done", None)]


def test_an_update_that_cannot_be_stored_gets_500_so_telegram_sends_it_again(
    client: TestClient,
    fake_telegram: FakeTelegram,
    handled: Handled,
    app: App,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*args: Any, **kwargs: Any) -> bool:
        raise RuntimeError("database is gone")

    update = fake_telegram.push_text(2013, "שלום")
    with monkeypatch.context() as patch:
        patch.setattr(inbox, "keep", broken)
        assert post(client, update) == 500
    assert kept_rows(app) == [] and fake_telegram.sent_to(2013) == []
    assert post(client, update) == 200  # Telegram's retry
    handled.wait(update)
    assert len(fake_telegram.sent_to(2013)) == 1


def test_healthz(client: TestClient) -> None:
    response = client.get("/healthz")
    assert (response.status_code, response.text) == (200, "ok")


def test_without_a_public_address_the_webhook_is_not_registered_but_updates_are_served(
    tmp_path: Path, clock: FakeClock, fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    app = webhook_app(tmp_path, clock, fake_telegram, telegram_webhook_secret=SECRET)
    web = create_web_app(app)
    handled = Handled(web.state.telegram)
    with TestClient(web) as client:
        update = fake_telegram.push_text(2006, "hello", language_code="en-US")
        assert post(client, update) == 200
        handled.wait(update)
    app.db.dispose()
    assert fake_telegram.calls_of("setWebhook") == []
    assert any("PUBLIC_BASE_URL is not set" in r.getMessage() for r in caplog.records)
    assert "Shall we start?" in fake_telegram.sent_to(2006)[0].text


@pytest.mark.parametrize("secret", [None, "has spaces", "x" * 257, "סוד"])
def test_a_server_without_a_usable_secret_refuses_to_start(
    tmp_path: Path, clock: FakeClock, fake_telegram: FakeTelegram, secret: str | None
) -> None:
    settings = {"telegram_webhook_secret": secret} if secret is not None else {}
    app = webhook_app(tmp_path, clock, fake_telegram, public_base_url=PUBLIC, **settings)
    with pytest.raises(WebhookNotConfigured, match="TELEGRAM_WEBHOOK_SECRET"):
        create_web_app(app)
    app.db.dispose()
    assert fake_telegram.calls == []  # not even getMe: nothing was registered with Telegram


# ---- the commands ----------------------------------------------------------------------------
ENV_KEYS = (
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_WEBHOOK_SECRET",
    "PUBLIC_BASE_URL",
    "TELEGRAM_API_BASE_URL",
    "DATABASE_URL",
    "MIDWAY_CONFIG",
    "MIDWAY_DATA_DIR",
)


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    for key in ENV_KEYS:
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("MIDWAY_DATA_DIR", str(tmp_path / "data"))
    return monkeypatch


@pytest.mark.parametrize("command", ["run", "serve"])
def test_run_and_serve_without_a_token_say_what_is_missing(
    env: pytest.MonkeyPatch, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([command]) == 2
    err = capsys.readouterr().err
    assert "TELEGRAM_BOT_TOKEN is not set" in err and "midway chat" in err


def test_serve_without_a_secret_says_so_and_exits(
    env: pytest.MonkeyPatch, fake_telegram: FakeTelegram, capsys: pytest.CaptureFixture[str]
) -> None:
    env.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    env.setenv("TELEGRAM_API_BASE_URL", fake_telegram.url)
    assert main(["serve", "--host", "127.0.0.1", "--port", "1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("midway serve: TELEGRAM_WEBHOOK_SECRET is not set") and "midway run" in err
    assert fake_telegram.calls == []


def test_serve_refused_for_its_configuration_starts_no_scheduler_and_claims_no_job(
    env: pytest.MonkeyPatch, fake_telegram: FakeTelegram, capsys: pytest.CaptureFixture[str]
) -> None:
    """The settings are checked before anything starts: a refused `serve` leaves due work alone."""
    env.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    env.setenv("TELEGRAM_API_BASE_URL", fake_telegram.url)
    app = bootstrap(Settings.from_env())
    past = datetime(2020, 1, 1, tzinfo=UTC)
    with app.db.transaction() as session:
        job = jobs.enqueue(session, kind="notice", person_id=None, due_at=past, now=past)
        assert job is not None
        job_id = job.id
    started: list[str] = []
    thread_start = threading.Thread.start

    def spy(thread: threading.Thread) -> None:
        started.append(thread.name)
        thread_start(thread)

    env.setattr(threading.Thread, "start", spy)
    code = main(["serve", "--host", "127.0.0.1", "--port", "1"])
    env.setattr(threading.Thread, "start", thread_start)

    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("midway serve: TELEGRAM_WEBHOOK_SECRET is not set") and "midway run" in err
    assert started == []  # no scheduler thread (nor any other)
    with app.db.transaction() as session:
        row = session.get(ScheduledJob, job_id)
        assert row is not None and (row.state, row.attempts, row.lease_until) == ("pending", 0, None)
    app.db.dispose()
    assert fake_telegram.calls == []


@pytest.mark.parametrize("argv", [["serve", "--port", "eighty"], ["launch"], []])
def test_bad_arguments_are_refused_with_usage(
    env: pytest.MonkeyPatch, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    # one line: what is wrong, and where the usage is
    assert len(err.strip().splitlines()) == 1 and err.startswith("midway") and "--help)" in err


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(url: str, body: dict[str, Any] | None = None, secret: str | None = None) -> int:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    if secret is not None:
        request.add_header(SECRET_HEADER, secret)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


def test_midway_serve_as_a_process_registers_the_webhook_and_answers(
    fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    """The installed command: uvicorn on a local port, the webhook registered, an update answered."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ENV_KEYS}
    env.update(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=fake_telegram.url,
        TELEGRAM_WEBHOOK_SECRET=SECRET,
        PUBLIC_BASE_URL=PUBLIC,
        MIDWAY_DATA_DIR=str(tmp_path / "data"),
    )
    server = start_serve(port, env)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_serving(base, server, timeout=20)
        assert fake_telegram.webhook_url == f"{PUBLIC}{TELEGRAM_WEBHOOK_PATH}"

        nope = get(f"{base}{TELEGRAM_WEBHOOK_PATH}", fake_telegram.push_text(2007, "שלום"), secret="nope")
        assert nope == 403
        signed = get(f"{base}{TELEGRAM_WEBHOOK_PATH}", fake_telegram.push_text(2008, "שלום"), secret=SECRET)
        assert signed == 200
        fake_telegram.wait_for(lambda f: f.sent_to(2008))
        assert "נתחיל?" in fake_telegram.sent_to(2008)[0].text
        assert fake_telegram.sent_to(2007) == []
    finally:
        server.terminate()
        output = server.communicate(timeout=10)[0].decode()
    # uvicorn shuts down cleanly on SIGTERM, then re-raises the signal
    assert server.returncode in (0, -signal.SIGTERM), output
    assert "Application shutdown complete" in output
    assert "שלום" not in output  # no message bodies in the logs
