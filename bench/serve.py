"""Telegram by webhook into `midway serve` processes: one, or several on one database.

    .venv/bin/python -m bench.serve [--users 50] [--warmup 3] [--steps 24] [--processes 1 2]
                                    [--database postgres sqlite] [--no-echo]

Each row starts `--processes` `midway serve` processes (bench/serve_worker.py: the web app as the
CLI builds it, with its scheduler) on one database — PostgreSQL (DATABASE_URL, else the tests'
127.0.0.1:5432/test, in a schema of its own dropped afterwards) or a SQLite file (one process
only) — answering to the tests' fake Bot API (its own process, as in bench/telegram.py). This
process plays Telegram's side: it POSTs each update, with the webhook secret, to the processes in
turn (a person's consecutive messages go to different processes, as behind a load balancer
without affinity), and `--users` people walk the Hebrew pre-screen as in bench/telegram.py: each
sends the next message when the bot is done with the last. The echo bot (bare PTB, polling) is
measured first in the same run, as the baseline of the ratio.

Latency = from the POST to the last reply for it reaching the fake. CPU per message = the CPU time
(user + system) the `midway serve` processes spent over the measured messages, all processes
together.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Hashable
from pathlib import Path

if __package__ in (None, ""):
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

import aiohttp

from bench.harness import Row, Timeline, machine, report, row_from
from bench.telegram import DEFAULT_PG, FIRST_USER, SCRIPT, FakeProcess, echo_bot, measure, postgres_schema
from tests.fake_telegram import TOKEN

SECRET = "bench_webhook-secret"
WORKER = Path(__file__).resolve().parent / "serve_worker.py"
TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_of(pids: list[int]) -> float:
    """User + system CPU seconds of these processes so far (Linux /proc)."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


def update_for(update_id: int, user: int, text: str) -> dict[str, object]:
    person = {"id": user, "is_bot": False, "first_name": "רונית", "last_name": "כהן", "language_code": "he"}
    message: dict[str, object] = {
        "message_id": update_id,
        "from": person,
        "chat": {"id": user, "type": "private", "first_name": "רונית", "last_name": "כהן"},
        "date": int(time.time()),
        "text": text,
    }
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {"update_id": update_id, "message": message}


class Workers:
    """`count` `midway serve` processes on one database, started one after the other (the first
    migrates the schema before the next starts)."""

    def __init__(self, count: int, database_url: str, fake_url: str, work: Path, done_port: int) -> None:
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "MIDWAY_DATA_DIR": str(work),
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": fake_url,
            "TELEGRAM_WEBHOOK_SECRET": SECRET,
            "MIDWAY_LOG_LEVEL": "INFO",
        }
        env.pop("PUBLIC_BASE_URL", None)  # registers no webhook with the fake: the driver posts
        self.ports: list[int] = []
        self.processes: list[subprocess.Popen[bytes]] = []
        for _ in range(count):
            port = free_port()
            process = subprocess.Popen(
                [sys.executable, str(WORKER), str(port), str(done_port)],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=(work / f"worker-{port}.err").open("wb"),
            )
            self.ports.append(port)
            self.processes.append(process)
            wait_healthy(port, process)

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.processes]

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def wait_healthy(port: int, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"midway serve on {port} exited ({process.returncode})")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"midway serve on {port} did not start")


class Driver(asyncio.DatagramProtocol):
    """Telegram's side: POSTs each person's next message when the bot says it is done with the last."""

    def __init__(self, ports: list[int], users: int, session: aiohttp.ClientSession) -> None:
        self.ports = ports
        self.users = users
        self.session = session
        self.timeline = Timeline()
        self.sent: dict[int, int] = {}
        self.stop_at = 0
        self.measured = False
        self.finished: set[int] = set()
        self.all_finished = asyncio.Event()
        self.update_id = 1
        self.posts: set[asyncio.Task[None]] = set()

    def ids(self, messages: int) -> range:
        rounds = -(-messages // len(SCRIPT))
        return range(FIRST_USER, FIRST_USER + self.users * rounds)

    def datagram_received(self, data: bytes, addr: tuple[str | object, int]) -> None:
        user = int(data)
        if user >= FIRST_USER:
            self.send_next((user - FIRST_USER) % self.users)

    def send_next(self, slot: int) -> None:
        step = self.sent.get(slot, 0)
        if step >= self.stop_at:
            self.finished.add(slot)
            if len(self.finished) == self.users:
                self.all_finished.set()
            return
        self.sent[slot] = step + 1
        round_, line = divmod(step, len(SCRIPT))
        user = FIRST_USER + slot + round_ * self.users
        update = update_for(self.update_id, user, SCRIPT[line].format(number=user % 10_000_000))
        port = self.ports[self.update_id % len(self.ports)]  # in turn: no affinity
        self.update_id += 1
        self.timeline.message_in(user, self.measured)
        task = asyncio.get_running_loop().create_task(self.post(port, update))
        self.posts.add(task)
        task.add_done_callback(self.posts.discard)

    async def post(self, port: int, update: dict[str, object]) -> None:
        headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET}
        url = f"http://127.0.0.1:{port}/telegram/webhook"
        async with self.session.post(url, data=json.dumps(update), headers=headers) as answer:
            if answer.status != 200:
                print(f"  webhook answered {answer.status}", file=sys.stderr)

    async def run_until(self, steps: int, measured: bool) -> None:
        self.stop_at, self.measured, self.finished = steps, measured, set()
        self.all_finished.clear()
        for slot in range(self.users):
            self.send_next(slot)
        await self.all_finished.wait()


def scrape_counts(ports: list[int]) -> str:
    """Each process's own messages in and out, read from its `GET /metrics` (per-process counters)."""
    from prometheus_client.parser import text_string_to_metric_families

    said = []
    for port in ports:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as answer:
            counts = {"in": 0.0, "out": 0.0, "lag": 0.0}
            for family in text_string_to_metric_families(answer.read().decode()):
                for sample in family.samples:
                    if sample.name == "midway_messages_in_total":
                        counts["in"] += sample.value
                    elif sample.name == "midway_messages_out_total":
                        counts["out"] += sample.value
                    elif sample.name == "midway_scheduler_lag_seconds":
                        counts["lag"] = sample.value
        said.append(f":{port} in {counts['in']:.0f} out {counts['out']:.0f} lag {counts['lag']:.0f}s")
    return "; ".join(said)


def merged(
    ins: dict[Hashable, list[tuple[float, str, bool]]], outs: dict[Hashable, list[tuple[float, str, bool]]]
) -> dict[Hashable, list[tuple[float, str, bool]]]:
    """The driver's "in"s and the fake's "out"s (one monotonic clock: both perf_counter on Linux)."""
    return {who: sorted([*ins.get(who, []), *outs.get(who, [])]) for who in {*ins, *outs}}


async def measure_serve(
    name: str, processes: int, database_url: str, work: Path, args: argparse.Namespace
) -> Row:
    fake = FakeProcess()
    loop = asyncio.get_running_loop()
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
    done_port = free_port()
    workers = None
    try:
        workers = Workers(processes, database_url, fake.url, work, done_port)
        driver = Driver(workers.ports, args.users, session)
        for user in driver.ids(args.warmup + args.steps):
            fake.send("person", user)
        transport, _ = await loop.create_datagram_endpoint(
            lambda: driver, local_addr=("127.0.0.1", done_port)
        )
        try:
            await driver.run_until(args.warmup, measured=False)
            cpu = cpu_of(workers.pids)
            await driver.run_until(args.warmup + args.steps, measured=True)
            cpu = cpu_of(workers.pids) - cpu
            await asyncio.sleep(0.5)  # the fake records the last replies
        finally:
            transport.close()
        row = row_from(name, merged(driver.timeline.snapshot(), fake.timeline()))
        print(f"  {name}: /metrics of each process: {scrape_counts(workers.ports)}", file=sys.stderr)
    finally:
        await session.close()
        if workers is not None:
            workers.stop()
        fake.stop()
    print(
        f"  {name}: {row.count} messages, {row.per_second:.0f}/s; the serve processes used "
        f"{cpu / max(row.count, 1) * 1000:.1f} ms CPU per message",
        file=sys.stderr,
    )
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.serve", description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--steps", type=int, default=24)
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2], help="a row for each count")
    parser.add_argument("--database", nargs="+", choices=["postgres", "sqlite"], default=["postgres"])
    parser.add_argument("--no-echo", action="store_true", help="without the echo bot's row")
    args = parser.parse_args(argv)
    rows: list[Row] = []
    echo = None
    with tempfile.TemporaryDirectory(prefix="midway-serve-") as tmp:
        work = Path(tmp)
        print(f"{machine()}; {args.users} people, {args.steps} measured messages each", file=sys.stderr)
        if not args.no_echo:
            echo = asyncio.run(measure("echo bot (bare PTB)", echo_bot, args))
            rows.append(echo)
        for database in args.database:
            for count in args.processes:
                if database == "sqlite":
                    if count != 1:
                        continue  # SQLite is the one-process default
                    url = f"sqlite:///{work / 'serve.sqlite3'}"
                    rows.append(
                        asyncio.run(measure_serve("assistant, SQLite, 1 × serve", 1, url, work, args))
                    )
                    continue
                with postgres_schema(os.environ.get("DATABASE_URL") or DEFAULT_PG) as pg_url:
                    if pg_url is None:
                        break
                    label = f"assistant, PostgreSQL, {count} × serve"
                    rows.append(asyncio.run(measure_serve(label, count, pg_url, work, args)))
        print()
        print(machine())
        print()
        print(report(rows, baseline=echo))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
