"""A crash does not lose a reply: `midway serve` as a process, killed with SIGKILL at the worst
moments, then started again on the same database (the fake Bot API on 127.0.0.1).

- killed after the step committed, before Telegram took the reply → the reply arrives after the
  restart, once;
- killed after Telegram took the reply, before the process recorded it → it arrives once more
  (at most one duplicate per crash), and the rest of the reply once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session
from twilio.request_validator import RequestValidator

from bot.bootstrap import App
from bot.channels.telegram.sender import TelegramSender
from bot.channels.telegram.webhook import TELEGRAM_WEBHOOK_PATH
from bot.channels.whatsapp.adapter import WEBHOOK_PATH
from bot.delivery import Outbox
from bot.dispatcher import Inbound
from bot.pacing import Pacer
from flows import Text
from storage.models import ChannelIdentity, OutboundMessage
from tests.conftest import FakeClock
from tests.fake_telegram import TOKEN, Call, FakeTelegram
from tests.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FROM, FakeTwilio
from tests.kit.servers import start_serve, wait_serving
from tests.test_webhook import ENV_KEYS, PUBLIC, SECRET, free_port, get

CHAT = 3001
GREETING = "נתחיל?"


class Served:
    def __init__(
        self, fake: FakeTelegram, tmp_path: Path, env: dict[str, str] | None = None, lease: float = 2
    ) -> None:
        self.fake = fake
        self.lease = lease
        self.env = env
        self.data = tmp_path / "data"
        self.url = f"sqlite:///{tmp_path / 'midway.sqlite'}"
        self.outputs: list[str] = []

    @contextmanager
    def running(self) -> Iterator[subprocess.Popen[bytes]]:
        port = free_port()
        env = {k: v for k, v in os.environ.items() if k not in ENV_KEYS}
        channel = self.env or {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": self.fake.url,
            "TELEGRAM_WEBHOOK_SECRET": SECRET,
        }
        env.update(channel)
        env.update(
            PUBLIC_BASE_URL=PUBLIC,
            DATABASE_URL=self.url,
            MIDWAY_DATA_DIR=str(self.data),
            MIDWAY_OUTBOX_LEASE_SECONDS=str(self.lease),
            MIDWAY_OUTBOX_DRAIN_SECONDS="0.2",
        )
        server = start_serve(port, env)
        self.base = f"http://127.0.0.1:{port}"
        try:
            wait_serving(self.base, server, timeout=30)
            yield server
        finally:
            if server.poll() is None:
                server.terminate()
            self.outputs.append(server.communicate(timeout=20)[0].decode())

    def say(self, text: str) -> None:
        assert (
            get(f"{self.base}{TELEGRAM_WEBHOOK_PATH}", self.fake.push_text(CHAT, text), secret=SECRET) == 200
        )

    def rows(self) -> list[OutboundMessage]:
        engine = create_engine(self.url)
        try:
            with Session(engine) as s:
                return list(s.scalars(select(OutboundMessage).order_by(OutboundMessage.id)))
        finally:
            engine.dispose()


def kill_on_first_send(server: subprocess.Popen[bytes]) -> Callable[[Call], bool]:
    killed: list[bool] = []

    def kill(call: Call) -> bool:
        if call.method == "sendMessage" and call.chat_id == CHAT and not killed:
            killed.append(True)
            os.kill(server.pid, signal.SIGKILL)
            server.wait(timeout=10)
            return True
        return False

    return kill


def texts(fake: FakeTelegram) -> list[str]:
    return [s.text for s in fake.sent_to(CHAT)]


def test_killed_after_the_commit_before_telegram_took_the_reply_it_arrives_after_the_restart_once(
    fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    served = Served(fake_telegram, tmp_path)
    with served.running() as first:
        fake_telegram.interceptors.append(kill_on_first_send(first))  # dies in the middle of the call
        served.say("שלום")
        first.wait(timeout=20)
    assert first.returncode == -signal.SIGKILL
    fake_telegram.interceptors.clear()
    assert texts(fake_telegram) == []  # nothing reached the person
    stored = served.rows()
    assert stored and {r.status for r in stored} <= {"pending", "sending"}  # stored with the step
    with served.running():
        fake_telegram.wait_for(lambda f: len(f.sent_to(CHAT)) >= len(stored), timeout=20)
        time.sleep(3)  # past the lease: nothing more comes
    assert len(texts(fake_telegram)) == len(stored) and GREETING in texts(fake_telegram)[-1]
    assert {(r.status, r.payload) for r in served.rows()} == {("sent", None)}
    assert all("שלום" not in out and GREETING not in out for out in served.outputs)  # no bodies in logs


def test_restarted_after_kill_9_the_reply_in_flight_arrives_at_start_up_not_after_its_lease(
    fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    """With the lease as deployed (60 s): the new process on the same host sees the dead one's pid
    gone (bot/presence.py) and sends its rows at once."""
    served = Served(fake_telegram, tmp_path, lease=60)
    with served.running() as first:
        fake_telegram.interceptors.append(kill_on_first_send(first))
        served.say("שלום")
        first.wait(timeout=20)
    assert first.returncode == -signal.SIGKILL
    fake_telegram.interceptors.clear()
    stored = served.rows()
    assert stored and {r.status for r in stored} == {"sending"}  # claimed by the dead process
    started = time.monotonic()
    with served.running():
        fake_telegram.wait_for(lambda f: len(f.sent_to(CHAT)) >= len(stored), timeout=20)
        waited = time.monotonic() - started
    assert waited < 15  # the process's start-up and the send, not the 60 s lease
    assert len(texts(fake_telegram)) == len(stored) and GREETING in texts(fake_telegram)[-1]


def test_killed_after_telegram_took_the_reply_before_it_was_recorded_it_comes_at_most_once_more(
    fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    served = Served(fake_telegram, tmp_path)
    with served.running() as first:
        killed: list[bool] = []

        def kill_after_sending(call: Call) -> None:  # Telegram has it; the answer never reaches us
            if call.method == "sendMessage" and call.chat_id == CHAT and not killed:
                killed.append(True)
                os.kill(first.pid, signal.SIGKILL)
                first.wait(timeout=10)

        fake_telegram.listeners.append(kill_after_sending)
        served.say("שלום")
        first.wait(timeout=20)
    fake_telegram.listeners.clear()
    assert first.returncode == -signal.SIGKILL
    before = texts(fake_telegram)
    stored = served.rows()
    assert len(before) == 1 and stored[0].status == "sending"  # delivered, not recorded
    with served.running():
        fake_telegram.wait_for(lambda f: len(f.sent_to(CHAT)) >= len(stored) + 1, timeout=20)
        time.sleep(3)
    after = texts(fake_telegram)
    assert len(after) == len(stored) + 1  # one duplicate, of the message in flight when it died
    assert after[0] == after[1] and GREETING in after[-1]
    assert {r.status for r in served.rows()} == {"sent"}


def test_a_step_stored_but_never_delivered_is_delivered_by_the_next_process(
    app: App, fake_telegram: FakeTelegram, clock: FakeClock
) -> None:
    """The moment right after the commit: the step claimed its rows for this process, which dies; a new
    process sends them when the lease runs out, once."""
    crashed = TelegramSender(TOKEN, app.catalogs, fake_telegram.url, pacer=Pacer(0))
    app.outbox.register(crashed)  # the channel's rendering: the step writes its replies as rows
    inbound = Inbound("telegram", str(CHAT), Text("שלום"), message_id="1")
    delivery = app.dispatcher.handle(inbound)
    assert delivery is not None and delivery.outbox_ids and texts(fake_telegram) == []  # then the crash
    restarted = Outbox(app.db, app.clock)
    restarted.register(TelegramSender(TOKEN, app.catalogs, fake_telegram.url, pacer=Pacer(0)))
    assert restarted.drain_all() == 0  # still leased to the process that died
    clock.advance(seconds=restarted.settings.lease_seconds)
    assert restarted.drain_all() == len(delivery.outbox_ids)
    assert restarted.drain_all() == 0
    assert len(texts(fake_telegram)) == len(delivery.outbox_ids) and GREETING in texts(fake_telegram)[-1]


def test_whatsapp_killed_after_twilio_took_the_reply_it_comes_at_most_once_more(
    fake_twilio: FakeTwilio, tmp_path: Path
) -> None:
    """The attack run's lost WhatsApp replies: the message stored, the reply on its way, the
    process killed — after the restart the person gets the reply (the part in flight once more)."""
    phone = "+972501234599"
    env = {
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_WHATSAPP_FROM": FROM,
        "TWILIO_API_BASE_URL": fake_twilio.url,
    }
    served = Served(fake_twilio, tmp_path, env)  # type: ignore[arg-type]
    form = {
        "MessageSid": "SMfe" + "1" * 30,
        "AccountSid": ACCOUNT_SID,
        "From": f"whatsapp:{phone}",
        "To": FROM,
        "WaId": phone.lstrip("+"),
        "NumSegments": "1",
        "ApiVersion": "2010-04-01",
        "Body": "שלום",
        "NumMedia": "0",
    }
    signature = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC + WEBHOOK_PATH, form)
    with served.running() as first:
        killed: list[bool] = []

        def kill_after_sending(call: object) -> None:
            if not killed:
                killed.append(True)
                os.kill(first.pid, signal.SIGKILL)
                first.wait(timeout=10)

        fake_twilio.listeners.append(kill_after_sending)
        request = urllib.request.Request(
            served.base + WEBHOOK_PATH,
            data=urllib.parse.urlencode(form).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature},
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert answer.status == 200
        first.wait(timeout=20)
    fake_twilio.listeners.clear()
    assert first.returncode == -signal.SIGKILL
    assert len(fake_twilio.sent_to(phone)) == 1
    stored = served.rows()
    assert stored and stored[0].status == "sending"
    with served.running():
        fake_twilio.wait_sent(phone, len(stored) + 1, timeout=20)
        time.sleep(3)
    sent = [c.text for c in fake_twilio.sent_to(phone)]
    assert len(sent) == len(stored) + 1 and sent[0] == sent[1]
    assert any(GREETING in t for t in sent)
    assert all(r.status not in ("pending", "sending") for r in served.rows())


def test_the_confirmation_of_deleted_data_is_delivered_after_a_crash_and_is_no_ones_row(
    app: App, fake_telegram: FakeTelegram, clock: FakeClock
) -> None:
    """The step that deletes a person's data has no person to hang its reply on: the confirmation
    is a row of no one, written with the deletion, so a crash before the send does not leave the
    person wondering whether it happened."""
    crashed = TelegramSender(TOKEN, app.catalogs, fake_telegram.url, pacer=Pacer(0))
    app.outbox.register(crashed)
    for number, said in enumerate(("שלום", "פרטיות", "למחוק את המידע שלי", "כן, למחוק הכול"), start=1):
        delivery = app.dispatcher.handle(Inbound("telegram", str(CHAT), Text(said), message_id=str(number)))
        assert delivery is not None and delivery.outbox_ids
    assert texts(fake_telegram) == []  # then the crash: nothing sent
    with app.db.transaction() as s:
        assert s.scalar(select(ChannelIdentity.id)) is None  # deleted
        [row] = s.scalars(select(OutboundMessage).where(OutboundMessage.id.in_(delivery.outbox_ids)))
        assert row.person_id is None and row.status == "sending"
    restarted = Outbox(app.db, app.clock)
    restarted.register(TelegramSender(TOKEN, app.catalogs, fake_telegram.url, pacer=Pacer(0)))
    clock.advance(seconds=restarted.settings.lease_seconds)
    restarted.drain_all()
    assert app.catalogs.template("privacy.deleted", "he").split("\n")[0] in texts(fake_telegram)[-1]
    with app.db.transaction() as s:
        row = s.get(OutboundMessage, delivery.outbox_ids[-1])
        assert row is not None and (row.status, row.payload, row.person_id) == ("sent", None, None)
