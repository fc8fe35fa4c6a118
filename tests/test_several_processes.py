"""Several `midway serve` processes on one PostgreSQL database.

Each "process" here is an app of its own (bootstrap: its own engine and pool, its own dispatcher,
channels and scheduler) on one database schema; the subprocess tests run real `midway serve`s."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import random
import signal
import socket
import subprocess
import threading
import time
import urllib.request
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, insert, select, text
from starlette.exceptions import StarletteDeprecationWarning
from telegram import Update
from telegram.ext import TypeHandler

import bot.dispatcher as dispatcher_module
from bot.bootstrap import App
from bot.channels.telegram.webhook import SECRET_HEADER, TELEGRAM_WEBHOOK_PATH
from bot.clock import system_clock
from bot.dispatcher import Delivery, Inbound
from bot.server import create_web_app
from flows import Reply, State, Text
from storage import repo
from storage.models import Center, ChannelIdentity, InboundMessage, Person, ScheduledJob, Signup
from storage.survey import PLAN_KIND
from tests.conftest import FakeClock, make_app
from tests.events_kit import at, event, participant
from tests.fake_telegram import TOKEN, FakeTelegram
from tests.kit.servers import start_serve, wait_serving

with warnings.catch_warnings():  # Starlette 1.x would rather have `httpx2`; httpx works the same here
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

pytestmark = pytest.mark.postgres


def at_once(count: int, work: Callable[[int], Any], timeout: float = 120) -> list[Any]:
    """`work(0)` … `work(count - 1)` in threads let go together; what each returned (or raised)."""
    start = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(i: int) -> None:
        start.wait()
        try:
            results[i] = work(i)
        except BaseException as error:  # noqa: BLE001 - the test reports it
            results[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(t.is_alive() for t in threads), "stuck"
    return results


def test_two_processes_started_together_on_an_empty_database_both_come_up(
    pg_url: str,
    clock: FakeClock,
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    apps = at_once(3, lambda i: make_app(pg_url, clock, tmp_path / str(i)))
    try:
        assert all(isinstance(a, App) for a in apps), apps
        with apps[0].db.transaction() as s:
            assert s.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
            slugs = s.scalars(select(Center.slug)).all()
        assert sorted(slugs) == sorted({c.slug for c in apps[0].program.centers})
    finally:
        for a in apps:
            if isinstance(a, App):
                a.db.dispose()


# ---- one new person at two processes at once -----------------------------------------------------
def two_apps(pg_url: str, clock: FakeClock, tmp_path) -> list[App]:  # type: ignore[no-untyped-def]
    return [make_app(pg_url, clock, tmp_path / name) for name in ("a", "b")]


def no_apology(delivery: Delivery | None) -> bool:
    keys = [p.key for r in (delivery.replies if delivery else ()) if isinstance(r, Reply) for p in r.parts]
    return delivery is not None and "common.apology" not in keys


@pytest.mark.parametrize("known_number", [False, True], ids=["new", "number-shared-on-telegram"])
def test_one_new_person_writing_to_two_processes_at_once_is_one_person_answered_twice(
    pg_url: str,
    clock: FakeClock,
    tmp_path,  # type: ignore[no-untyped-def]
    caplog: pytest.LogCaptureFixture,
    known_number: bool,
) -> None:
    apps = two_apps(pg_url, clock, tmp_path)
    try:
        rounds = 6
        for n in range(rounds):
            phone = f"+97250{n:07d}"
            if known_number:  # they shared this number on Telegram (the contact button) before
                with apps[0].db.transaction() as s:
                    person, _, _ = repo.find_or_create_person(s, "telegram", f"tg-{n}", "he", clock())
                    person.phone, person.phone_verified = phone, True
            inbounds = [
                Inbound("whatsapp", phone, Text("שלום"), message_id=f"SM{n}{i}", phone=phone)
                for i in range(2)
            ]
            results = at_once(2, lambda i, these=inbounds: apps[i].dispatcher.handle(these[i]))
            assert all(no_apology(r) for r in results), results
            with apps[0].db.transaction() as s:
                theirs = ChannelIdentity.external_id.in_([phone, f"tg-{n}"])
                ids = s.scalars(select(ChannelIdentity.person_id).where(theirs)).all()
                assert len(ids) == (2 if known_number else 1) and len(set(ids)) == 1
                stepped = select(InboundMessage.person_id).where(InboundMessage.channel == "whatsapp")
                assert set(s.scalars(stepped)) <= set(s.scalars(select(Person.id)))
        with apps[0].db.transaction() as s:
            assert s.scalar(select(func.count()).select_from(Person)) == rounds
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    finally:
        for a in apps:
            a.db.dispose()


# ---- one person's messages, alternately at two processes -----------------------------------------
SECRET = "s3cret_webhook-token"


class Steps:
    """The order in which messages are stepped (their texts), whichever process steps them."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.texts: list[str] = []
        self.lock = threading.Lock()
        real = dispatcher_module.run_step

        def run_step(session: Any, person: Any, facts: Any, state: Any, inp: Any, *rest: Any) -> Any:
            with self.lock:
                self.texts.append(inp.text if isinstance(inp, Text) else repr(inp))
            return real(session, person, facts, state, inp, *rest)

        monkeypatch.setattr(dispatcher_module, "run_step", run_step)

    def of(self, prefix: str) -> list[str]:
        with self.lock:
            return [t for t in self.texts if t.startswith(prefix)]


class Process:
    """One `midway serve` in the test: its own app, web app (the Telegram webhook) and event loop."""

    def __init__(self, pg_url: str, clock: FakeClock, tmp_path, fake: FakeTelegram, name: str) -> None:  # type: ignore[no-untyped-def]
        self.app = make_app(
            pg_url,
            clock,
            tmp_path / name,
            telegram_token=TOKEN,
            telegram_api_base_url=fake.url,
            telegram_webhook_secret=SECRET,
        )
        self.web = create_web_app(self.app)
        self.handled: Counter[int] = Counter()
        self.cond = threading.Condition()
        self.web.state.telegram.add_handler(TypeHandler(Update, self._record), group=1)
        self.client = TestClient(self.web).__enter__()

    async def _record(self, update: Update, context: Any) -> None:
        with self.cond:
            self.handled[update.update_id] += 1
            self.cond.notify_all()

    def post(self, update: dict[str, Any]) -> int:
        headers = {"Content-Type": "application/json", SECRET_HEADER: SECRET}
        return self.client.post(
            TELEGRAM_WEBHOOK_PATH, content=json.dumps(update), headers=headers
        ).status_code

    def wait(self, update_ids: list[int], timeout: float = 60) -> None:
        with self.cond:
            done = self.cond.wait_for(lambda: all(self.handled[u] for u in update_ids), timeout)
        assert done, f"updates {update_ids} not all handled within {timeout}s"

    def close(self) -> None:
        self.client.__exit__(None, None, None)
        self.app.db.dispose()


@pytest.fixture
def processes(
    pg_url: str, clock: FakeClock, tmp_path, fake_telegram: FakeTelegram
) -> Iterator[list[Process]]:  # type: ignore[no-untyped-def]
    made = [Process(pg_url, clock, tmp_path, fake_telegram, name) for name in ("a", "b")]
    yield made
    for process in made:
        process.close()


def test_a_second_message_at_another_process_waits_for_the_first_and_is_stepped_after_it(
    processes: list[Process], fake_telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    steps = Steps(monkeypatch)
    a, b = processes
    gate = threading.Event()
    real_handle = a.app.dispatcher.handle

    def slow_handle(inbound: Inbound) -> Delivery | None:  # process a is busy before it steps
        gate.wait(30)
        return real_handle(inbound)

    monkeypatch.setattr(a.app.dispatcher, "handle", slow_handle)
    fake_telegram.person(501)
    first, second = fake_telegram.push_text(501, "x-first"), fake_telegram.push_text(501, "x-second")
    assert a.post(first) == 200
    assert b.post(second) == 200
    b.wait([second["update_id"]])
    assert steps.of("x-") == ["x-first", "x-second"]  # b stepped the first, then its own
    # b answered both, in order: the first message's welcome and question, then the second's
    sent = [m.text for m in fake_telegram.sent_to(501)]
    assert "נתחיל?" in sent[0] and len(sent) >= 2
    gate.set()
    a.wait([first["update_id"]])
    assert steps.of("x-") == ["x-first", "x-second"]  # a found the first stepped: not again
    assert [m.text for m in fake_telegram.sent_to(501)] == sent  # and said nothing more
    with a.app.db.transaction() as s:
        assert Counter(s.scalars(select(InboundMessage.state))) == {"done": 2}


def test_one_persons_messages_alternately_at_two_processes_are_stepped_in_the_order_they_came(
    processes: list[Process], fake_telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    steps = Steps(monkeypatch)
    people, messages = 20, 8
    for process in processes:  # each process busy now and then (a step starts up to 30 ms late)
        late = random.Random(id(process))

        def busy(inbound: Inbound, handle: Any = process.app.dispatcher.handle, late: Any = late) -> Any:
            time.sleep(late.random() * 0.03)
            return handle(inbound)

        monkeypatch.setattr(process.app.dispatcher, "handle", busy)
    for person in range(people):
        fake_telegram.person(600 + person)

    def converse(person: int) -> list[tuple[Process, int]]:
        posted = []
        for m in range(messages):
            update = fake_telegram.push_text(600 + person, f"p{person}-m{m}")
            process = processes[m % 2]  # the balancer sends each message to the other process
            assert process.post(update) == 200
            posted.append((process, update["update_id"]))
        return posted

    for posted in at_once(people, converse):
        assert isinstance(posted, list), posted
        for process, update_id in posted:
            process.wait([update_id])
    for person in range(people):
        assert steps.of(f"p{person}-") == [f"p{person}-m{m}" for m in range(messages)]


# ---- real `midway serve` processes: SIGTERM drains, SIGKILL loses nothing ------------------------
ROOT = Path(__file__).resolve().parent.parent
LEASE_SECONDS = 6


def program_config(tmp_path: Path) -> Path:
    """The program's defaults, with no quiet hours (the test runs at any hour), a quick scheduler,
    short leases."""
    text_ = (ROOT / "bot/defaults/program.toml").read_text(encoding="utf-8")
    for old, new in (
        ("enabled = true", "enabled = false"),
        ("tick_seconds = 1.0", "tick_seconds = 0.2"),
        ("batch_size = 50", "batch_size = 10"),
        ("lease_seconds = 120", f"lease_seconds = {LEASE_SECONDS}"),
    ):
        assert old in text_, old
        text_ = text_.replace(old, new, 1)
    path = tmp_path / "program.toml"
    path.write_text(text_, encoding="utf-8")
    return path


class Serve:
    """`midway serve` as a process of its own, on a free local port."""

    def __init__(self, pg_url: str, fake: FakeTelegram, config: Path, data: Path) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "TWILIO_", "MIDWAY_"))}
        env.update(
            DATABASE_URL=pg_url,
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_BASE_URL=fake.url,
            TELEGRAM_WEBHOOK_SECRET=SECRET,
            MIDWAY_CONFIG=str(config),
            MIDWAY_DATA_DIR=str(data),
            TELEGRAM_MESSAGES_PER_SECOND="0",  # unpaced: the fake takes any rate
        )
        self.process = start_serve(self.port, env)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_up(self, timeout: float = 60) -> Serve:
        wait_serving(self.base, self.process, timeout, exited=self.output)
        return self

    def post(self, update: dict[str, Any]) -> int:
        request = urllib.request.Request(
            f"{self.base}{TELEGRAM_WEBHOOK_PATH}",
            data=json.dumps(update).encode(),
            headers={"Content-Type": "application/json", SECRET_HEADER: SECRET},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)

    def output(self) -> str:
        try:
            return self.process.communicate(timeout=60)[0].decode()
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.communicate()[0].decode()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.communicate()


def due_reminders(app: App, count: int) -> None:
    """`count` people signed up for one workshop, each with a reminder due now."""
    workshop = event(app, at(2026, 12, 20, 9), capacity=None)
    now = app.clock()
    with app.db.transaction() as s:
        who = list(
            s.scalars(
                insert(Person).returning(Person.id),
                [{"created_at": now, "language": "he", "opted_out": False, "role": "participant"}] * count,
            )
        )
        s.execute(
            insert(ChannelIdentity),
            [
                {"person_id": p, "channel": "telegram", "external_id": str(p), "created_at": now}
                | {"unreachable": False}
                for p in who
            ],
        )
        signups = list(
            s.scalars(
                insert(Signup).returning(Signup.id),
                [
                    {"event_id": workshop, "person_id": p, "status": "confirmed", "queued_at": now}
                    | {"created_at": now, "updated_at": now}
                    for p in who
                ],
            )
        )
        s.execute(
            insert(ScheduledJob),
            [
                {"kind": "reminder", "person_id": p, "subject": f"event:{workshop}", "due_at": now}
                | {"scheduled_for": now, "not_after": at(2026, 12, 20, 9), "state": "pending", "attempts": 0}
                | {"payload": {"signup": sid, "confirm": False}, "created_at": now, "updated_at": now}
                for p, sid in zip(who, signups, strict=True)
            ],
        )


def reminded(fake: FakeTelegram) -> Counter[int]:
    """How many messages each chat got (a reminder is one message)."""
    return Counter(call.chat_id for call in fake.calls_of("sendMessage") if call.chat_id is not None)


@pytest.fixture
def real_clock_app(pg_url: str, tmp_path: Path) -> Iterator[App]:
    app = make_app(pg_url, system_clock, tmp_path / "setup")  # type: ignore[arg-type]
    yield app
    app.db.dispose()


def job_states(app: App) -> Counter[str]:
    """The reminders' rows by state (not the survey's daily planning, which each start queues)."""
    with app.db.transaction() as s:
        return Counter(s.scalars(select(ScheduledJob.state).where(ScheduledJob.kind != PLAN_KIND)))


def test_sigterm_drains_the_steps_and_sends_in_flight_and_exits_0(
    real_clock_app: App, pg_url: str, fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    app = real_clock_app
    due_reminders(app, 400)
    server = Serve(pg_url, fake_telegram, program_config(tmp_path), tmp_path / "data").wait_up()
    try:
        fake_telegram.wait_for(lambda f: len(f.calls_of("sendMessage")) >= 20, timeout=60)
        people = list(range(9001, 9021))
        updates = [fake_telegram.push_text(chat, "שלום") for chat in people]
        assert all(server.post(update) == 200 for update in updates)
        server.process.send_signal(signal.SIGTERM)
        output = server.output()
    finally:
        server.stop()
    assert server.process.returncode == 0, output
    # every message the webhook said 200 to was stepped and answered before the process ended
    assert all(fake_telegram.sent_to(chat) for chat in people), output
    with app.db.transaction() as s:
        assert s.scalar(select(func.count()).where(InboundMessage.state == "pending")) == 0
    # the scheduler stopped claiming: what it had claimed and not sent was given back, not left
    # claimed until its lease ends; nothing sent twice
    states = job_states(app)
    assert states["claimed"] == 0 and states["sent"] + states["pending"] == 400, states
    assert states["pending"] > 0, "stopped before the end of the work"
    assert max(reminded(fake_telegram).values()) == 1
    assert "שלום" not in output


def test_two_processes_killed_and_restarted_while_a_thousand_reminders_are_due_send_each_once(
    real_clock_app: App, pg_url: str, fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    app = real_clock_app
    due_reminders(app, 1000)
    config = program_config(tmp_path)

    def start_two() -> list[Serve]:
        return [Serve(pg_url, fake_telegram, config, tmp_path / name).wait_up() for name in ("a", "b")]

    servers = start_two()
    try:
        fake_telegram.wait_for(lambda f: len(f.calls_of("sendMessage")) >= 150, timeout=120)
        for server in servers:
            server.process.kill()  # SIGKILL: no draining, no giving back
            server.process.communicate()
        crashes = len(servers)
        assert job_states(app)["sent"] < 1000  # killed in the middle of the work
        servers = start_two()  # the claims of the killed ones are taken over when their leases end
        fake_telegram.wait_for(lambda f: len(reminded(f)) >= 1000, timeout=240)
        # a job taken over from a killed process may find its message already sent from the outbox
        # (the dead process's rows are released at once) and be settled a moment later: wait for it,
        # or stopping now would give its claim back as pending
        deadline = time.monotonic() + 60
        while job_states(app) != {"sent": 1000} and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1)  # (a duplicate would show by now: the leases are short)
    finally:
        for server in servers:
            server.stop()
    counts = reminded(fake_telegram)
    assert len(counts) == 1000  # every one sent...
    extra = sum(counts.values()) - 1000
    assert extra <= crashes, counts.most_common(5)  # ...once, or once more for a send a crash cut off
    assert job_states(app) == {"sent": 1000}


@pytest.mark.app(db="postgres")
def test_the_scheduler_and_a_step_changing_one_conversation_at_once_take_turns(app: App) -> None:
    """The scheduler pushes a question onto someone's conversation while a step of theirs starts:
    the step reads the conversation with the scheduler's change, instead of saving over it."""
    who = participant(app, "1")
    with app.db.transaction() as s:
        repo.save_state(s, who, State(lang="he"), app.clock())
    changed, release = threading.Event(), threading.Event()

    def scheduler_side() -> None:
        with app.db.transaction() as s:
            state = repo.load_state(s, who)
            assert state is not None
            repo.save_state(s, who, dataclasses.replace(state, lang="ru"), app.clock())
            s.flush()
            changed.set()
            release.wait(10)

    seen: list[str] = []

    def step_side() -> None:
        with app.db.transaction() as s:
            state = repo.load_state(s, who)
            seen.append(state.lang if state else "")

    scheduler = threading.Thread(target=scheduler_side)
    scheduler.start()
    assert changed.wait(10)
    step = threading.Thread(target=step_side)
    step.start()
    step.join(timeout=1.0)  # (without the lock it has read the old conversation by now)
    release.set()
    scheduler.join()
    step.join()
    assert seen == ["ru"]
