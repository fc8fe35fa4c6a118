"""Telegram: inbound messages per second and latency, the assistant beside a bare echo bot.

    .venv/bin/python -m bench.telegram [--users 50] [--warmup 3] [--steps 24] [--no-postgres] [--no-whatsapp]
    .venv/bin/python -m bench.telegram --rate 50 [--people 200] [--seconds 60] [--no-postgres]

Each row runs a real python-telegram-bot `Application` long-polling the fake Bot API server of the
tests (tests/fake_telegram.py) on 127.0.0.1, in this process:

- echo: `Application` + `MessageHandler` that answers every text with the same text;
- assistant: `bot.channels.telegram.build_application` — the flow engine and the database (a
  SQLite file; PostgreSQL too when reachable: DATABASE_URL, else the tests' 127.0.0.1:5432/test, in
  a schema of its own that is dropped afterwards), logging at INFO to a file as in production.

`--users` people are mid-conversation at once. Each walks the Hebrew pre-screen by typing (/start,
consent, name, age, city, ... phone), then a newcomer takes their place: sends, waits until the bot
has finished with that message, sends the next. The echo bot gets the very same messages.
Latency of a message = from the update being queued at the fake to the last reply for it received
by the fake; throughput = the measured messages over the time from the first of them queued to the
last answered. Warm-up steps (every person's first `--warmup` messages) are not measured.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import math
import multiprocessing
import os
import resource
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path

if __package__ in (None, ""):  # `python bench/telegram.py`: bench/ would hide the `telegram` package
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from sqlalchemy import create_engine, text
from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, MessageHandler, TypeHandler, filters

from bench.harness import Row, Timeline, machine, report, row_from
from bot.bootstrap import bootstrap
from bot.channels.telegram.adapter import build_application, start_polling, stop_polling
from bot.settings import Settings
from tests.fake_telegram import TOKEN, Call, FakeTelegram

SCRIPT = (
    "/start",
    "כן",
    "רונית",
    "57",
    "כפר סבא",
    "כן",
    "3 חודשים",
    "חצי משרה",
    "25",
    "כן",
    "אף אחד מאלה",
    "חבר מביא חבר",
    "כן, הכול נכון",
    "050-{number:07d}",
)  # everyone their own phone
FIRST_USER = 700_001
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PtbApp = Application  # type: ignore[type-arg]


# ---- the fake Bot API server, in a process of its own ---------------------------------------------
def serve_fake(conn: Connection) -> None:
    """The child process: the tests' fake server, with a timeline of what went in and out per chat.

    Commands on `conn`: ("person", id) · ("push", id, text, measured) · ("timeline",) · ("stop",).
    """
    fake = FakeTelegram().start()
    timeline = Timeline()

    def on_call(call: Call) -> None:
        if call.method == "sendMessage" and call.status == 200 and call.chat_id is not None:
            timeline.reply_out(call.chat_id, at=call.at)

    fake.listeners.append(on_call)
    conn.send(fake.url)
    while True:
        command, *args = conn.recv()
        if command == "person":
            fake.person(args[0], "רונית", "כהן", "he")
        elif command == "push":
            user, text_, measured = args
            timeline.message_in(user, measured)
            fake.push_text(user, text_)
        elif command == "timeline":
            conn.send(timeline.snapshot())
        elif command == "stop":
            fake.stop()
            return


class FakeProcess:
    """The parent's handle on `serve_fake`. A separate process, so that the fake's own work (HTTP
    parsing, JSON, a thread per request) does not compete with the bot for this process's GIL:
    Telegram's servers are not on the bot's CPU either."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self.conn, child = context.Pipe()
        self.process = context.Process(target=serve_fake, args=(child,), name="fake-telegram", daemon=True)
        self.process.start()
        self.url: str = self.conn.recv()
        self._lock = threading.Lock()

    def send(self, *command: object) -> None:
        with self._lock:
            self.conn.send(command)

    def timeline(self) -> dict[Hashable, list[tuple[float, str, bool]]]:
        with self._lock:
            self.conn.send(("timeline",))
            return self.conn.recv()  # type: ignore[no-any-return]

    def stop(self) -> None:
        self.send("stop")
        self.process.join(timeout=10)


@dataclass
class People:
    """The people of one row and how far each is in their script; they send as the bot finishes.

    `count` people write at once. Each slot walks the pre-screen from `/start` to the phone number;
    then a newcomer takes the slot (another Telegram id) and starts again, so every message is a
    step of a pre-screen in progress, as in the first weeks of a center on the bot."""

    fake: FakeProcess
    count: int
    sent: dict[int, int] = field(default_factory=dict)  # slot -> messages sent
    stop_at: int = 0
    measured: bool = False
    finished: set[int] = field(default_factory=set)
    all_finished: asyncio.Event = field(default_factory=asyncio.Event)

    def ids(self, messages: int) -> range:
        """Every Telegram id that `messages` messages per slot will use."""
        rounds = -(-messages // len(SCRIPT))
        return range(FIRST_USER, FIRST_USER + self.count * rounds)

    def send_next(self, slot: int) -> None:
        step = self.sent.get(slot, 0)
        if step >= self.stop_at:
            self.finished.add(slot)
            if len(self.finished) == self.count:
                self.all_finished.set()
            return
        self.sent[slot] = step + 1
        round_, line = divmod(step, len(SCRIPT))
        user = FIRST_USER + slot + round_ * self.count
        message = SCRIPT[line].format(number=user % 10_000_000)
        self.fake.send("push", user, message, self.measured)

    async def run_until(self, steps: int, measured: bool) -> None:
        self.stop_at, self.measured, self.finished = steps, measured, set()
        self.all_finished.clear()
        for slot in range(self.count):
            self.send_next(slot)
        await self.all_finished.wait()

    # the last handler group: the bot is done with this person's message; they send the next one
    async def on_done(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        user = update.effective_user
        if user is not None and user.id >= FIRST_USER:
            self.send_next((user.id - FIRST_USER) % self.count)


async def measure(name: str, build: Callable[[str], PtbApp], args: argparse.Namespace) -> Row:
    fake = FakeProcess()
    try:
        people = People(fake, args.users)
        for user in people.ids(args.warmup + args.steps):
            fake.send("person", user)
        application = build(fake.url)
        application.add_handler(TypeHandler(Update, people.on_done), group=99)
        await start_polling(application, poll_interval=0.0, timeout=1)
        try:
            await people.run_until(args.warmup, measured=False)
            cpu, wall = cpu_seconds(), time.perf_counter()
            await people.run_until(args.warmup + args.steps, measured=True)
            cpu, wall = cpu_seconds() - cpu, time.perf_counter() - wall
        finally:
            await stop_polling(application)
        row = row_from(name, fake.timeline())
    finally:
        fake.stop()
    print(
        f"  {name}: {row.count} messages, {row.per_second:.0f}/s; the bot's process used "
        f"{cpu / row.count * 1000:.1f} ms CPU per message ({cpu / wall:.0%} of one core)",
        file=sys.stderr,
    )
    return row


async def measure_steady(name: str, build: Callable[[str], PtbApp], args: argparse.Namespace) -> Row:
    """Below saturation: `--rate` messages a second, evenly spaced, from `--people` people in turn
    (each walks the pre-screen; a newcomer takes the place of whoever finished), for `--seconds`
    after `--warmup-seconds` unmeasured. Nobody waits for the bot: the latency is the bot's own.

    The people are at different lines of the script, as people are: before the timed messages,
    slot s's first person walks the first `s % len(SCRIPT)` lines (unmeasured, at the same rate),
    so every second of the run holds the script's mix of steps. `--lockstep`: every slot at the
    same line instead (all 200 send their phone number in the same 4 seconds: a burst of the
    costliest step, not a steady load)."""
    fake = FakeProcess()
    try:
        length = len(SCRIPT)
        offsets = [0 if args.lockstep else slot % length for slot in range(args.people)]
        people = range(args.people)
        before = [(slot, line) for line in range(length) for slot in people if line < offsets[slot]]
        total = round(args.rate * (args.warmup_seconds + args.seconds))
        warm = round(args.rate * args.warmup_seconds)
        turns = math.ceil(total / args.people)  # messages each slot sends
        rounds = math.ceil((turns + length) / length)
        for user in range(FIRST_USER, FIRST_USER + args.people * rounds):
            fake.send("person", user)
        application = build(fake.url)
        await start_polling(application, poll_interval=0.0, timeout=1)
        try:
            start = time.perf_counter()
            cpu = 0.0
            for k in range(len(before) + total):
                if k == len(before) + warm:
                    cpu = cpu_seconds()
                delay = start + k / args.rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                if k < len(before):  # walking to the slot's starting line
                    (slot, line), round_ = before[k], 0
                else:
                    slot, turn = (k - len(before)) % args.people, (k - len(before)) // args.people
                    round_, line = divmod(offsets[slot] + turn, length)
                user = FIRST_USER + slot + round_ * args.people
                measured = k >= len(before) + warm
                fake.send("push", user, SCRIPT[line].format(number=user % 10_000_000), measured)
            await asyncio.sleep(3.0)  # the last replies
            cpu = cpu_seconds() - cpu
        finally:
            await stop_polling(application)
        row = row_from(name, fake.timeline())
    finally:
        fake.stop()
    print(
        f"  {name}: {row.count} messages at {args.rate:g}/s; p99 {row.p99_ms:.1f} ms; the bot's process used "
        f"{cpu / max(row.count, 1) * 1000:.1f} ms CPU per message",
        file=sys.stderr,
    )
    return row


def steady_report(rows: list[Row], baseline: Row | None) -> str:
    lines = [
        "| bot | messages | rate /s | p50 ms | p99 ms | p99 vs "
        + (baseline.name if baseline else "—")
        + " |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        ratio = f"{row.p99_ms / baseline.p99_ms:.2f}×" if baseline else "—"
        numbers = f"{row.count} | {row.per_second:.0f} | {row.p50_ms:.1f} | {row.p99_ms:.1f}"
        lines.append(f"| {row.name} | {numbers} | {ratio} |")
    return "\n".join(lines)


def cpu_seconds() -> float:
    """CPU time of this process (every thread): the bot's side, the fake runs elsewhere."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# ---- the two bots ------------------------------------------------------------------------------
def echo_bot(url: str) -> PtbApp:
    application = ApplicationBuilder().token(TOKEN).base_url(f"{url}/bot").build()

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.text is not None
        await update.message.reply_text(update.message.text)

    application.add_handler(MessageHandler(filters.TEXT, echo))
    return application


def echo_bot_aiohttp(url: str) -> PtbApp:
    """The echo bot on the assistant's HTTP client (bot.channels.telegram.request): what the client
    alone changes."""
    from bot.channels.telegram.request import AiohttpRequest

    application = ApplicationBuilder().token(TOKEN).base_url(f"{url}/bot").request(AiohttpRequest()).build()

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.text is not None
        await update.message.reply_text(update.message.text)

    application.add_handler(MessageHandler(filters.TEXT, echo))
    return application


def assistant(database_url: str, data_dir: Path) -> Callable[[str], PtbApp]:
    def build(url: str) -> PtbApp:
        settings = Settings(
            database_url=database_url,
            data_dir=str(data_dir),
            telegram_token=TOKEN,
            telegram_api_base_url=url,
            telegram_messages_per_second=0.0,  # the fake has no flood limit: measure the bot, not the pace
        )
        app = bootstrap(settings)
        app.db.start_checkpoints()  # as `midway run` does
        return build_application(app)

    return build


# ---- PostgreSQL, when there is one -------------------------------------------------------------
@contextmanager
def postgres_schema(admin_url: str) -> Iterator[str | None]:
    """A fresh schema on the server, dropped afterwards; None when the server is not reachable."""
    try:
        admin = create_engine(admin_url, connect_args={"connect_timeout": 3})
        with admin.begin() as conn:
            schema = f"bench_{uuid.uuid4().hex[:10]}"
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as error:  # noqa: BLE001 (any failure means: no PostgreSQL row)
        print(f"  PostgreSQL not reachable ({type(error).__name__}); no PostgreSQL row", file=sys.stderr)
        yield None
        return
    sep = "&" if "?" in admin_url else "?"
    try:
        yield f"{admin_url}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def production_logging(path: Path) -> None:
    """INFO to a file, as `midway run` logs (the cost of logging is part of the measurement)."""
    from bot.bootstrap import configure_logging

    logging.basicConfig(filename=path, force=True)
    configure_logging("INFO")
    logging.getLogger().setLevel(logging.INFO)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.telegram", description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=3, help="unmeasured messages per person first")
    parser.add_argument("--steps", type=int, default=24, help="measured messages per person")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-whatsapp", action="store_true", help="without the WhatsApp row")
    parser.add_argument(
        "--only",
        choices=["echo", "echo-aiohttp", "sqlite", "postgres", "whatsapp"],
        help="one row (profiling)",
    )
    parser.add_argument(
        "--rate",
        type=float,
        help="below saturation: this many messages a second, evenly spaced (p99 vs echo)",
    )
    parser.add_argument("--people", type=int, default=200, help="--rate: the people sending in turn")
    parser.add_argument("--seconds", type=float, default=60, help="--rate: measured seconds")
    parser.add_argument("--warmup-seconds", type=float, default=5, help="--rate: unmeasured seconds first")
    parser.add_argument(
        "--lockstep", action="store_true", help="--rate: every person at the same line of the script"
    )
    args = parser.parse_args(argv)
    if args.rate:
        return main_steady(args)

    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="midway-bench-") as tmp:
        work = Path(tmp)
        production_logging(work / "midway.log")
        print(f"{machine()}; {args.users} people, {args.steps} measured messages each", file=sys.stderr)
        wanted = {args.only} if args.only else {"echo", "echo-aiohttp", "sqlite", "postgres", "whatsapp"}
        echo = None
        if "echo" in wanted:
            echo = asyncio.run(measure("echo bot (bare PTB)", echo_bot, args))
            rows.append(echo)
        if "echo-aiohttp" in wanted:
            rows.append(asyncio.run(measure("echo bot (PTB on aiohttp)", echo_bot_aiohttp, args)))
        sqlite_url = f"sqlite:///{work / 'midway.sqlite3'}"
        if "sqlite" in wanted:
            rows.append(asyncio.run(measure("assistant, SQLite", assistant(sqlite_url, work), args)))
        if "postgres" in wanted and not args.no_postgres:
            with postgres_schema(os.environ.get("DATABASE_URL") or DEFAULT_PG) as pg_url:
                if pg_url is not None:
                    rows.append(asyncio.run(measure("assistant, PostgreSQL", assistant(pg_url, work), args)))
        if "whatsapp" in wanted and not args.no_whatsapp:  # the same people, on WhatsApp (bench/whatsapp.py)
            from bench.whatsapp import run_whatsapp

            rows.append(run_whatsapp(args.users, "sqlite"))
        print()
        print(machine())
        print()
        print(report(rows, baseline=echo))
    return 0


def main_steady(args: argparse.Namespace) -> int:
    """`--rate`: the echo bot, the assistant on SQLite and on PostgreSQL at one steady rate."""
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="midway-bench-") as tmp:
        work = Path(tmp)
        production_logging(work / "midway.log")
        print(
            f"{machine()}; {args.rate:g} messages a second from {args.people} people for {args.seconds:g} s",
            file=sys.stderr,
        )
        wanted = {args.only} if args.only else {"echo", "sqlite", "postgres"}
        echo = None
        if "echo" in wanted:
            echo = asyncio.run(measure_steady("echo bot (bare PTB)", echo_bot, args))
            rows.append(echo)
        if "sqlite" in wanted:
            url = f"sqlite:///{work / 'midway.sqlite3'}"
            rows.append(asyncio.run(measure_steady("assistant, SQLite", assistant(url, work), args)))
        if "postgres" in wanted and not args.no_postgres:
            with postgres_schema(os.environ.get("DATABASE_URL") or DEFAULT_PG) as pg_url:
                if pg_url is not None:
                    rows.append(
                        asyncio.run(measure_steady("assistant, PostgreSQL", assistant(pg_url, work), args))
                    )
        print()
        print(machine())
        print()
        print(steady_report(rows, baseline=echo))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
