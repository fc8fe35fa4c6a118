"""`GET /metrics` on `midway serve`: what an operator's Prometheus reads. A person's message in and
the reply out move the counters of their channel; the outbox and the scheduler's gauges come from
the database; a refused send is counted by its code. And the log at INFO keeps no message text and
no phone number.

Counters are the process's own (other tests in this process move them too), so each test reads
them before and after and compares.
"""

from __future__ import annotations

import json
import logging
import threading
import warnings
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select
from starlette.exceptions import StarletteDeprecationWarning
from telegram import Update
from telegram.ext import ContextTypes, TypeHandler

from bot import pacing
from bot.bootstrap import App, configure_logging
from bot.channels.telegram.sender import TelegramSender
from bot.channels.telegram.webhook import SECRET_HEADER, TELEGRAM_WEBHOOK_PATH
from bot.outbound import Proactive, Recipient, SendStatus
from bot.server import create_web_app
from flows import Msg, Reply
from storage import jobs, outbox, processes
from storage.models import ChannelIdentity
from tests.fake_telegram import TOKEN, FakeTelegram
from tests.kit.telegram import TelegramBot
from tests.kit.whatsapp import WhatsAppHarness

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

SECRET = "metrics_webhook-secret"
PUBLIC = "https://bot.example.org"


def scrape(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    values = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            values[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return values


def value(scraped: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    return scraped.get((name, tuple(sorted(labels.items()))), 0.0)


# ---- Telegram, by webhook ----------------------------------------------------------------------
@pytest.fixture
def telegram_web(app: App, fake_telegram: FakeTelegram) -> Iterator[TestClient]:
    web = create_web_app(app)
    handled = threading.Semaphore(0)

    async def done(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        handled.release()  # a later group: the update's replies are all sent (and counted)

    web.state.telegram.add_handler(TypeHandler(Update, done), group=1)
    with TestClient(web) as client:
        client.handled = handled  # type: ignore[attr-defined]
        yield client


def post_update(client: TestClient, update: dict[str, Any]) -> None:
    """Post an update by webhook and wait until the bot is done with it."""
    headers = {"Content-Type": "application/json", SECRET_HEADER: SECRET}
    assert client.post(TELEGRAM_WEBHOOK_PATH, content=json.dumps(update), headers=headers).status_code == 200
    assert client.handled.acquire(timeout=10)  # type: ignore[attr-defined]


@pytest.mark.app(telegram=True, telegram_webhook_secret=SECRET, public_base_url=PUBLIC)
def test_a_message_in_and_its_reply_out_move_the_telegram_counters(
    telegram_web: TestClient, fake_telegram: FakeTelegram
) -> None:
    before = scrape(telegram_web)
    fake_telegram.person(3101, "רונית", "כהן", "he")
    post_update(telegram_web, fake_telegram.push_text(3101, "שלום"))
    after = scrape(telegram_web)

    assert value(after, "midway_messages_in_total", channel="telegram") == (
        value(before, "midway_messages_in_total", channel="telegram") + 1
    )
    assert value(after, "midway_messages_out_total", channel="telegram") == (
        value(before, "midway_messages_out_total", channel="telegram") + len(fake_telegram.sent_to(3101))
    )
    steps = value(after, "midway_step_seconds_count", channel="telegram")
    assert steps == value(before, "midway_step_seconds_count", channel="telegram") + 1
    assert value(after, "midway_step_seconds_sum", channel="telegram") > value(
        before, "midway_step_seconds_sum", channel="telegram"
    )
    # nothing waits: no outbox rows (Telegram reports no delivery), no due work
    assert value(after, "midway_outbox_depth") == 0
    assert value(after, "midway_scheduler_lag_seconds") == 0


@pytest.mark.app(telegram=True, telegram_webhook_secret=SECRET, public_base_url=PUBLIC)
def test_a_reply_to_someone_who_blocked_the_bot_is_a_send_error_by_its_code(
    telegram_web: TestClient, fake_telegram: FakeTelegram
) -> None:
    before = scrape(telegram_web)
    fake_telegram.block(3102)
    post_update(telegram_web, fake_telegram.push_text(3102, "שלום"))
    after = scrape(telegram_web)
    errors = ("midway_send_errors_total", {"channel": "telegram", "code": "telegram_403"})
    assert value(after, errors[0], **errors[1]) == value(before, errors[0], **errors[1]) + 1
    assert value(after, "midway_messages_out_total", channel="telegram") == (
        value(before, "midway_messages_out_total", channel="telegram")
    )


@pytest.mark.app(telegram=True, telegram_webhook_secret=SECRET, public_base_url=PUBLIC)
def test_the_scheduler_lag_is_the_age_of_the_oldest_due_row_no_claim_holds(
    telegram_web: TestClient, app: App
) -> None:
    now = app.clock()
    with app.db.transaction() as session:
        jobs.enqueue(session, kind="reminder", person_id=None, due_at=now - timedelta(seconds=90), now=now)
        jobs.enqueue(session, kind="reminder", person_id=None, due_at=now - timedelta(seconds=30), now=now)
        jobs.enqueue(session, kind="reminder", person_id=None, due_at=now + timedelta(hours=1), now=now)
    assert value(scrape(telegram_web), "midway_scheduler_lag_seconds") == 90

    with app.db.transaction() as session:  # a tick claims the oldest: the next one is what waits
        assert len(jobs.claim(session, now, timedelta(minutes=5), limit=1)) == 1
    assert value(scrape(telegram_web), "midway_scheduler_lag_seconds") == 30


@pytest.mark.app(telegram=True, telegram_webhook_secret=SECRET, public_base_url=PUBLIC)
def test_the_processes_sharing_a_channels_limits_are_counted(telegram_web: TestClient, app: App) -> None:
    presence = app.presence()
    presence.start()
    try:
        assert value(scrape(telegram_web), "midway_processes", channel="telegram") == 1
        with app.db.transaction() as session:  # a second process on the same database
            processes.register(session, "other:77:ab", "other", 77, ["telegram", "whatsapp"], app.clock())
        scraped = scrape(telegram_web)
        assert value(scraped, "midway_processes", channel="telegram") == 2
        assert value(scraped, "midway_processes", channel="whatsapp") == 1
    finally:
        presence.shutdown()
        pacing.divide("telegram", 1)


# ---- WhatsApp ----------------------------------------------------------------------------------
@pytest.mark.app(whatsapp=True)
def test_whatsapp_counts_its_messages_and_the_outbox_what_waits_to_go(wa: WhatsAppHarness) -> None:
    before = scrape(wa.client)
    ronit = wa.person("+972501234567")
    replies = ronit.send("שלום").last
    assert replies
    after = scrape(wa.client)
    assert value(after, "midway_messages_in_total", channel="whatsapp") == (
        value(before, "midway_messages_in_total", channel="whatsapp") + 1
    )
    assert value(after, "midway_messages_out_total", channel="whatsapp") == (
        value(before, "midway_messages_out_total", channel="whatsapp") + len(replies)
    )
    # the replies went out with the step: nothing waits in the outbox
    assert value(after, "midway_outbox_depth") == 0
    assert value(after, "midway_outbox_oldest_age_seconds") == 0
    # a wave of reminders waiting for its turn: counted, and the oldest's age grows
    with wa.app.db.transaction() as s:
        person = s.scalars(
            select(ChannelIdentity.person_id).where(ChannelIdentity.channel == "whatsapp")
        ).one()
        payloads = [{"body": "reminder"}] * 3
        now = wa.app.clock()
        outbox.enqueue(
            s, person_id=person, channel="whatsapp", kind="reminder.event", payloads=payloads, now=now
        )
    wa.app.clock.advance(seconds=12)  # type: ignore[attr-defined]
    waiting = scrape(wa.client)
    assert value(waiting, "midway_outbox_depth") == 3
    assert value(waiting, "midway_outbox_oldest_age_seconds") == 12


@pytest.fixture
def production_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """The log as `midway serve` configures it (bot.bootstrap.configure_logging: INFO, the
    libraries that would print bodies and tokens at WARNING), captured; the levels put back after."""
    noisy = ("httpx", "httpcore", "telegram", "apscheduler", "twilio", "uvicorn.access")
    levels = {name: logging.getLogger(name).level for name in noisy}
    configure_logging("INFO")
    caplog.set_level(logging.INFO)
    yield caplog
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def leaks(caplog: pytest.LogCaptureFixture, secrets: list[str]) -> list[tuple[str, str]]:
    """(logger, secret) for every record at INFO or above that carries one of `secrets`."""
    return [
        (record.name, secret)
        for record in caplog.records
        if record.levelno >= logging.INFO
        for secret in secrets
        if secret in record.getMessage()
    ]


# ---- the log ---------------------------------------------------------------------------------
@pytest.mark.app(whatsapp=True)
def test_the_log_at_info_keeps_no_message_text_and_no_phone_number(
    wa: WhatsAppHarness, production_log: pytest.LogCaptureFixture
) -> None:
    phone = "+972527654321"
    ronit = wa.person(phone, profile_name="Ronit Levi")
    said = ["שלום", "כן", "רונית לוי", "57", "כפר סבא", "050-7654321"]
    for text in said:
        ronit.send(text)
    assert len(wa.fake.sent_to(phone)) >= len(said)
    assert any("step whatsapp" in r.getMessage() for r in production_log.records)  # it did say what happened
    digits = phone.removeprefix("+")
    assert leaks(production_log, [*said, "Ronit", digits, digits[-9:], "0527654321", "7654321"]) == []


@pytest.mark.app(telegram=True)
def test_the_telegram_log_at_info_keeps_no_message_text_and_no_phone_number(
    telegram: TelegramBot, production_log: pytest.LogCaptureFixture
) -> None:
    ronit = telegram.person(4343434, first_name="Ronit", last_name="Levi")
    said = ["שלום", "כן", "רונית לוי", "57", "כפר סבא"]
    for text in said:
        ronit.send(text)
    ronit.share_contact("+972527654321")
    assert len(telegram.fake.sent_to(4343434)) >= len(said)
    assert any("step telegram" in r.getMessage() for r in production_log.records)
    secrets = [*said, "Ronit", "Levi", "972527654321", "0527654321", "7654321", "4343434"]
    assert leaks(production_log, secrets) == []


# ---- due work (the scheduler's sender) -----------------------------------------------------------
@pytest.mark.app(telegram=True)
def test_the_scheduler_senders_messages_and_refusals_are_counted(
    app: App, fake_telegram: FakeTelegram
) -> None:
    sender = TelegramSender(TOKEN, app.catalogs, fake_telegram.url, per_second=0)
    reminder = Proactive(
        person_id=1, kind="reminder.event", lang="he", replies=(Reply(parts=(Msg("common.apology"),)),)
    )
    out = ("midway_messages_out_total", {"channel": "telegram"})
    blocked = ("midway_send_errors_total", {"channel": "telegram", "code": "telegram_403"})
    try:
        before = {name: REGISTRY.get_sample_value(name, labels) or 0.0 for name, labels in (out, blocked)}
        fake_telegram.person(3201)
        assert (
            sender.send(Recipient(1, "telegram", "3201", None), reminder, app.clock()).status
            == SendStatus.SENT
        )
        fake_telegram.block(3202)
        refused = sender.send(Recipient(2, "telegram", "3202", None), reminder, app.clock())
        assert refused.status == SendStatus.UNREACHABLE
        assert REGISTRY.get_sample_value(*out) == before[out[0]] + 1
        assert REGISTRY.get_sample_value(*blocked) == before[blocked[0]] + 1
    finally:
        sender.close()
