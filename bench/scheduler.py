"""The scheduler: tick cost against the amount of pending work, and due-to-sent latency.

    .venv/bin/python -m bench.scheduler [--ticks 200] [--reminders 1000] [--rate 30] [--no-postgres]

1. Tick cost, flat in pending work. A database holds N pending rows that are not yet due (N = 1,000,
   then 100,000 more in the same database, measured side by side in one run) and B = 50 rows that
   are due. Measured: (a) an idle tick — the claim statement finds nothing due; (b) the claim of the
   50 due rows (they are put back to pending between repetitions). The target is ratio ≤ 1.5 between
   N = 101,000 and N = 1,000: the claim reads the index (state, due_at), never the pending backlog.
2. Latency. 1,000 reminders (1,000 participants, one workshop) all come due at the same moment; the
   scheduler (APScheduler ticking every second, `TelegramSender`) sends them to the tests' fake Bot
   API server (tests/fake_telegram.py) which here enforces a global rate limit (`--rate` requests a
   second; beyond it 429 with retry_after=1). Latency of a reminder = from the moment it came due to
   the fake receiving it. Rows: the sender paced under the limit (production settings) and unpaced
   (the fake's limit answers 429 and the scheduler retries), and with no limit at all (the cost of
   the machinery itself).

SQLite is a file in a temporary directory; PostgreSQL (DATABASE_URL, else the tests' 127.0.0.1:5432/
test) a schema of its own, dropped afterwards.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, text, update

from bench.harness import machine, percentile
from bot.bootstrap import App, bootstrap
from bot.channels.telegram.sender import TelegramSender
from bot.scheduler import Scheduler
from bot.settings import Settings
from storage import events as ev
from storage import jobs
from storage.models import ChannelIdentity, Person, ScheduledJob, Signup
from tests.fake_telegram import TOKEN, FakeTelegram, _error

BATCH = 50
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@contextmanager
def postgres_schema(admin_url: str) -> Iterator[str | None]:
    """A fresh schema on the server, dropped afterwards; None when the server is not reachable."""
    try:
        admin = create_engine(admin_url, connect_args={"connect_timeout": 3})
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as error:  # noqa: BLE001 (any failure means: no PostgreSQL rows)
        print(f"  PostgreSQL not reachable ({type(error).__name__}); SQLite only", file=sys.stderr)
        yield None
        return
    sep = "&" if "?" in admin_url else "?"
    try:
        yield f"{admin_url}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def app_on(url: str, data_dir: str) -> App:
    return bootstrap(Settings(database_url=url, data_dir=data_dir, telegram_token=TOKEN))


# ---- 1. tick cost --------------------------------------------------------------------------------
def add_pending(app: App, count: int, due: datetime, kind: str = "reminder") -> None:
    now = datetime.now(UTC)
    chunk = 10_000
    with app.db.transaction() as s:
        for start in range(0, count, chunk):
            rows = [
                {
                    "kind": kind,
                    "person_id": None,
                    "due_at": due + timedelta(seconds=i),
                    "scheduled_for": due + timedelta(seconds=i),
                    "state": "pending",
                    "attempts": 0,
                    "payload": {},
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(start, min(start + chunk, count))
            ]
            s.execute(insert(ScheduledJob), rows)
    with app.db.engine.begin() as conn:  # fresh planner statistics, as autovacuum would keep them
        conn.exec_driver_sql("ANALYZE")


def time_it(action: Callable[[], Any], repeat: int) -> float:
    """Median seconds of `repeat` runs."""
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        action()
        times.append(time.perf_counter() - began)
    return percentile(times, 50)


def tick_costs(app: App, repeat: int) -> tuple[float, float]:
    now = datetime.now(UTC)
    lease = timedelta(seconds=120)
    worker = Scheduler(app.db, app.program, app.catalogs, lambda: now, {})

    def idle() -> None:
        with app.db.transaction() as s:
            assert jobs.claim(s, now, lease, BATCH) == []

    with app.db.transaction() as s:  # the due batch, parked as "held" while not measured
        s.add_all(
            due := [
                ScheduledJob(
                    kind="bench_due",
                    person_id=None,
                    due_at=now - timedelta(minutes=1),
                    scheduled_for=now,
                    state="held",
                    attempts=0,
                    payload={},
                    created_at=now,
                    updated_at=now,
                )
                for _ in range(BATCH)
            ]
        )
        s.flush()
        ids = [j.id for j in due]

    def claim_batch() -> None:
        with app.db.transaction() as s:
            s.execute(
                update(ScheduledJob)
                .where(ScheduledJob.id.in_(ids))
                .values(state="pending", due_at=now - timedelta(minutes=1))
            )
        began = time.perf_counter()
        with app.db.transaction() as s:
            claimed = jobs.claim(s, now, lease, BATCH)
        timings.append(time.perf_counter() - began)
        assert len(claimed) == BATCH, len(claimed)

    timings: list[float] = []
    time_it(idle, 20)  # warm-up: connections, statement caches
    idle_cost = time_it(idle, repeat)
    for _ in range(repeat):
        claim_batch()
    with app.db.transaction() as s:
        s.execute(update(ScheduledJob).where(ScheduledJob.id.in_(ids)).values(state="held"))
    worker.tick()  # the scheduler's own tick, for completeness (nothing due)
    return idle_cost, percentile(timings, 50)


def bench_ticks(name: str, url: str, data_dir: str, repeat: int) -> list[str]:
    app = app_on(url, data_dir)
    later = datetime.now(UTC) + timedelta(days=30)
    lines = []
    try:
        add_pending(app, 1_000, later)
        small = tick_costs(app, repeat)
        add_pending(app, 100_000, later + timedelta(days=1))
        large = tick_costs(app, repeat)
        for label, a, b in (
            ("idle tick (claim finds nothing)", small[0], large[0]),
            (f"claim of {BATCH} due rows", small[1], large[1]),
        ):
            lines.append(f"| {name} | {label} | {a * 1000:.2f} ms | {b * 1000:.2f} ms | {b / a:.2f} |")
    finally:
        app.db.dispose()
    return lines


# ---- 2. latency ------------------------------------------------------------------------------
class RateLimitedTelegram(FakeTelegram):
    """The fake Bot API with a global limit on sends per second (429 beyond it)."""

    def __init__(self, rate: float | None) -> None:
        super().__init__()
        self.rate = rate
        self._window: list[float] = []
        self._limit_lock = threading.Lock()

    def _answer(self, call):  # type: ignore[no-untyped-def]
        if self.rate and call.method in ("sendMessage", "sendDocument"):
            with self._limit_lock:
                now = time.perf_counter()
                self._window = [t for t in self._window if now - t < 1.0]
                if len(self._window) >= self.rate:
                    return 429, {
                        **_error(429, "Too Many Requests: retry after 1"),
                        "parameters": {"retry_after": 1},
                    }
                self._window.append(now)
        return super()._answer(call)


def participants(app: App, count: int, due: datetime) -> None:
    now = datetime.now(UTC)
    with app.db.transaction() as s:
        workshop = ev.create_event(
            s,
            center="kfar-saba",
            kind="opening_workshop",
            titles={"he": "סדנת פתיחה"},
            sessions=[ev.NewSession(now + timedelta(days=3), None, "room 2")],
            capacity=None,
            now=now,
        )
        people = list(
            s.scalars(
                insert(Person).returning(Person.id),
                [
                    {"created_at": now, "language": "he", "opted_out": False, "role": "participant"}
                    for _ in range(count)
                ],
            )
        )
        s.execute(
            insert(ChannelIdentity),
            [
                {
                    "person_id": p,
                    "channel": "telegram",
                    "external_id": str(10_000 + i),
                    "created_at": now,
                    "unreachable": False,
                }
                for i, p in enumerate(people)
            ],
        )
        signups = list(
            s.scalars(
                insert(Signup).returning(Signup.id),
                [
                    {
                        "event_id": workshop.id,
                        "person_id": p,
                        "status": "confirmed",
                        "queued_at": now,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for p in people
                ],
            )
        )
        s.execute(
            insert(ScheduledJob),
            [
                {
                    "kind": "reminder",
                    "person_id": p,
                    "subject": f"event:{workshop.id}",
                    "due_at": due,
                    "scheduled_for": due,
                    "not_after": now + timedelta(days=3),
                    "state": "pending",
                    "attempts": 0,
                    "payload": {"signup": sid, "confirm": False},
                    "created_at": now,
                    "updated_at": now,
                }
                for p, sid in zip(people, signups, strict=True)
            ],
        )


def bench_latency(name: str, url: str, data_dir: str, count: int, rate: float | None, pace: float) -> str:
    app = app_on(url, data_dir)
    # quiet hours off: a benchmark run at night would otherwise (rightly) send nothing
    scheduling = app.program.scheduling
    app.program = replace(
        app.program,
        scheduling=replace(scheduling, quiet_hours=replace(scheduling.quiet_hours, enabled=False)),
    )
    fake = RateLimitedTelegram(rate).start()
    sender = TelegramSender(TOKEN, app.catalogs, fake.url, per_second=pace)
    worker = Scheduler(app.db, app.program, app.catalogs, lambda: datetime.now(UTC), {"telegram": sender})
    try:
        due_wall = time.time() + 2.0
        due = datetime.fromtimestamp(due_wall, UTC)
        participants(app, count, due)
        due_perf = time.perf_counter() + (due_wall - time.time())
        worker.start()
        slowest = min([x for x in (rate, pace) if x] or [1000.0])
        fake.wait_for(count, timeout=count / slowest * 3 + 60)
        sends = [c for c in fake.calls if c.method == "sendMessage" and c.status == 200]
        latencies = [c.at - due_perf for c in sends]
        limited = sum(1 for c in fake.calls if c.status == 429)
        total = max(latencies)
        return (
            f"| {name} | {count} | {rate or 'none'} | {pace or 'none'} | {percentile(latencies, 50):.2f} s | "
            f"{percentile(latencies, 99):.2f} s | {total:.1f} s | {count / total:.0f}/s | {limited} |"
        )
    finally:
        worker.shutdown()
        sender.close()
        fake.stop()
        app.db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ticks", type=int, default=200, help="repetitions per tick measurement")
    parser.add_argument("--reminders", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=30, help="the fake's limit, sends per second")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--only", choices=["ticks", "latency"])
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    for noisy in ("alembic", "apscheduler", "httpx"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    print(f"machine: {machine()}\n")
    with (
        tempfile.TemporaryDirectory() as tmp,
        postgres_schema(os.environ.get("DATABASE_URL") or DEFAULT_PG) as pg_url,
    ):
        databases = [("SQLite", f"sqlite:///{Path(tmp) / 'ticks.sqlite3'}")]
        if pg_url is not None and not args.no_postgres:
            databases.append(("PostgreSQL", pg_url))
        if args.only in (None, "ticks"):
            print("| database | measured | 1,000 pending | 101,000 pending | ratio |")
            print("|---|---|---|---|---|")
            for name, url in databases:
                for line in bench_ticks(name, url, tmp, args.ticks):
                    print(line, flush=True)
            print()
        if args.only in (None, "latency"):
            print(
                "| database | reminders | fake's limit /s | sender pace /s | p50 | p99 | all sent after | "
                "throughput | 429s |"
            )
            print("|---|---|---|---|---|---|---|---|---|")
            for n, (name, url) in enumerate(databases):
                fresh = url if name == "PostgreSQL" else f"sqlite:///{Path(tmp) / f'latency{n}.sqlite3'}"
                runs = ((args.rate, args.rate * 0.85), (args.rate, 0), (None, 0))
                for i, (rate, pace) in enumerate(runs):
                    target = fresh if name == "PostgreSQL" else fresh.replace(".sqlite3", f"-{i}.sqlite3")
                    if name == "PostgreSQL" and i:
                        with app_on(target, tmp).db.transaction() as s:  # start each run from no jobs
                            s.execute(ScheduledJob.__table__.delete())
                            for model in (Signup, ChannelIdentity, Person):
                                s.execute(model.__table__.delete())
                    print(bench_latency(name, target, tmp, args.reminders, rate, pace), flush=True)


if __name__ == "__main__":
    main()
