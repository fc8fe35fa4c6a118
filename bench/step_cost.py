"""The cost of one step, in measures a busy machine does not move: CPU time, SQL statements, calls.

    .venv/bin/python -m bench.step_cost [--people 40] [--database sqlite|postgres] [--profile FILE] [--json]
    OTHER_TREE/.venv/bin/python bench/step_cost.py --tree OTHER_TREE      (the same bench, another checkout)

The dispatcher alone (`app.dispatcher.handle`, as the Telegram channel calls it from its worker
thread), no platform and no HTTP: `--people` people each walk the Hebrew pre-screen by typing, one
message after the other (the script of `bench/telegram.py` in the tree measured, so the
conversation is the one that tree asks), on a SQLite file (or PostgreSQL: a schema of its own,
dropped afterwards), logging at INFO to a file as in production. One person's walk first is warm-up.

Measured per message:
- **CPU** — `time.process_time()` around each `handle` (this process's CPU, user + system: time
  spent waiting for a core on a loaded machine is not in it);
- **statements** — SQL statements sent to the database (SQLAlchemy's `before_cursor_execute`);
- **calls** — Python function calls (cProfile's count, in a second pass of other people: the
  profiler's own cost stays out of the CPU column).

`--tree DIR` measures the checkout in DIR (its code first on `sys.path`; run it with DIR's venv):
`bench/compare.py` runs this against two checkouts side by side.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import logging
import os
import pstats
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def _tree_first() -> Path:
    """The checkout whose code is measured: --tree, else the one this file is in."""
    here = Path(__file__).resolve().parent.parent
    tree = Path(sys.argv[sys.argv.index("--tree") + 1]).resolve() if "--tree" in sys.argv else here
    others = (p for p in sys.path if Path(p or ".").resolve() not in (here, here / "bench"))
    sys.path[:] = [str(tree), *others]
    return tree


TREE = _tree_first()

from sqlalchemy import create_engine, event, text  # noqa: E402

from bench.telegram import SCRIPT  # noqa: E402  (the tree's own script)
from bot.bootstrap import bootstrap  # noqa: E402
from bot.dispatcher import Inbound  # noqa: E402
from bot.settings import Settings  # noqa: E402
from flows import Command, Input, Text  # noqa: E402

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
FIRST_USER = 900_001


def as_input(line: str) -> Input:
    if line.startswith("/"):
        name, _, args = line[1:].partition(" ")
        return Command(name, args)
    return Text(line)


class Walk:
    """People walking the pre-screen through the dispatcher; each message an update of its own."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.update_id = 1
        self.statements = 0
        event.listen(app.db.engine, "before_cursor_execute", self._count)

    def _count(self, *_: object) -> None:
        self.statements += 1

    def person(self, user: int) -> Iterator[tuple[int, float, int]]:
        """Each message of one person's walk: (script line, CPU seconds, statements)."""
        for line, said in enumerate(SCRIPT):
            inbound = Inbound(
                channel="telegram",
                external_id=str(user),
                input=as_input(said.format(number=user % 10_000_000)),
                message_id=str(self.update_id),
                profile_name="רונית כהן",
                language_hint="he",
            )
            self.update_id += 1
            statements, cpu = self.statements, time.process_time()
            delivery = self.app.dispatcher.handle(inbound)
            cpu = time.process_time() - cpu
            assert delivery is not None and delivery.person_id is not None, f"step {line} failed"
            yield line, cpu, self.statements - statements


def measure(database_url: str, data_dir: Path, people: int, profile: Path | None) -> dict[str, Any]:
    app = bootstrap(Settings(database_url=database_url, data_dir=str(data_dir), telegram_token="0:bench"))
    walk = Walk(app)
    list(walk.person(FIRST_USER - 1))  # warm-up: imports, caches, the first statements compiled
    cpu: list[float] = []
    statements: list[int] = []
    per_line: dict[int, list[int]] = {}
    for user in range(FIRST_USER, FIRST_USER + people):
        for line, seconds, count in walk.person(user):
            cpu.append(seconds)
            statements.append(count)
            per_line.setdefault(line, []).append(count)
    profiler = cProfile.Profile(time.process_time)  # CPU, as the CPU column
    profiled = max(1, people // 4)
    profiler.enable()
    for user in range(FIRST_USER + people, FIRST_USER + people + profiled):
        list(walk.person(user))
    profiler.disable()
    stats = pstats.Stats(profiler)
    calls = stats.total_calls / (profiled * len(SCRIPT))  # type: ignore[attr-defined]
    if profile is not None:
        stats.dump_stats(profile)
    app.db.dispose()
    return {
        "tree": str(TREE),
        "messages": len(cpu),
        "cpu_ms_median": statistics.median(cpu) * 1000,
        "cpu_ms_mean": statistics.fmean(cpu) * 1000,
        "statements_mean": statistics.fmean(statements),
        "statements_per_line": {
            f"{line + 1:2d} {SCRIPT[line]}": statistics.fmean(v) for line, v in sorted(per_line.items())
        },
        "calls_mean": calls,
    }


@contextmanager
def postgres_schema(admin_url: str) -> Iterator[str]:
    admin = create_engine(admin_url, connect_args={"connect_timeout": 3})
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in admin_url else "?"
    try:
        yield f"{admin_url}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.step_cost", description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=40)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--profile", type=Path, help="write the cProfile pass's stats here (pstats)")
    parser.add_argument("--json", action="store_true", help="one JSON object (for bench/compare.py)")
    parser.add_argument("--tree", help="the checkout to measure (see above)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="midway-step-") as tmp:
        work = Path(tmp)
        logging.basicConfig(filename=work / "midway.log", force=True, level=logging.INFO)
        logging.getLogger().setLevel(logging.INFO)
        if args.database == "sqlite":
            result = measure(f"sqlite:///{work / 'midway.sqlite3'}", work, args.people, args.profile)
        else:
            with postgres_schema(os.environ.get("DATABASE_URL") or DEFAULT_PG) as url:
                result = measure(url, work, args.people, args.profile)
    result["database"] = args.database
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return 0
    print(f"{TREE}: {result['messages']} messages on {args.database}")
    print(f"  CPU per message: median {result['cpu_ms_median']:.2f} ms, mean {result['cpu_ms_mean']:.2f} ms")
    print(f"  SQL statements per message: {result['statements_mean']:.2f}")
    print(f"  Python calls per message: {result['calls_mean']:.0f}")
    for said, count in result["statements_per_line"].items():
        print(f"    {count:5.1f}  {said}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
