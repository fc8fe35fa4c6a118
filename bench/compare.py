"""Two checkouts side by side, in measures a loaded machine does not move much.

    .venv/bin/python -m bench.compare --base ../metrics-base [--repeat 3] [--people 30] [--telegram]
                                      [--postgres]

Each checkout (this one, and `--base`: another worktree with a venv of its own, e.g. the commit
before a restructuring: `git worktree add ../metrics-base cb71722`, then
`python -m venv ../metrics-base/.venv && ../metrics-base/.venv/bin/pip install -e ../metrics-base`)
runs the same `bench/step_cost.py` (this checkout's file, on that checkout's code and its own
pre-screen script) with its own venv, alternately, `--repeat` times: CPU time per message
(`process_time`), SQL statements per message, Python calls per message. The CPU column is the
lowest of the repeats' medians — the run that other work on the machine disturbed least.

`--telegram` adds, for each checkout in turn, its own `python -m bench.telegram --no-postgres
--no-whatsapp` (the echo bot and the assistant on SQLite through PTB against the fake Bot API) and
reads the CPU per message each row printed. The load average is printed before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
STEP_COST = Path(__file__).resolve().parent / "step_cost.py"
CPU_LINE = re.compile(
    r"^\s+(?P<row>[^:]+): (?P<n>\d+) messages, (?P<rate>\d+)/s; .* used (?P<cpu>[\d.]+) ms CPU"
)


def python_of(tree: Path) -> Path:
    return tree / ".venv" / "bin" / "python"


def git_describe(tree: Path) -> str:
    out = subprocess.run(
        ["git", "-C", str(tree), "log", "-1", "--format=%h %s"], capture_output=True, text=True, check=False
    )
    return out.stdout.strip()[:70]


def step_cost(tree: Path, people: int, database: str) -> dict[str, object]:
    out = subprocess.run(
        [str(python_of(tree)), str(STEP_COST), "--tree", str(tree), "--people", str(people)]
        + ["--database", database, "--json"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tree,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def telegram_cpu(tree: Path, users: int, steps: int) -> dict[str, tuple[float, float]]:
    """Each row's (msg/s, CPU ms per message) from the tree's own bench/telegram.py."""
    out = subprocess.run(
        [str(python_of(tree)), "-m", "bench.telegram", "--no-postgres", "--no-whatsapp"]
        + ["--users", str(users), "--steps", str(steps)],
        capture_output=True,
        text=True,
        check=True,
        cwd=tree,
    )
    rows = {}
    for line in out.stderr.splitlines():
        found = CPU_LINE.match(line)
        if found:
            rows[found["row"]] = (float(found["rate"]), float(found["cpu"]))
    return rows


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.1f} / {five:.1f} / {fifteen:.1f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.compare", description=__doc__.split("\n")[0])
    parser.add_argument("--base", type=Path, required=True, help="the other checkout (with its .venv)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--people", type=int, default=30)
    parser.add_argument("--postgres", action="store_true", help="the step on PostgreSQL too")
    parser.add_argument("--telegram", action="store_true", help="also bench.telegram's CPU per message")
    parser.add_argument("--users", type=int, default=50, help="--telegram: people at once")
    parser.add_argument("--steps", type=int, default=24, help="--telegram: measured messages each")
    args = parser.parse_args(argv)
    trees = {"base": args.base.resolve(), "this": HERE}
    started = time.strftime("%H:%M UTC, %Y-%m-%d", time.gmtime())
    print(f"{started}; load average before: {load()} (1/5/15 min, {os.cpu_count()} cores)", file=sys.stderr)
    databases = ["sqlite", "postgres"] if args.postgres else ["sqlite"]
    results: dict[tuple[str, str], list[dict[str, object]]] = {}
    for _ in range(args.repeat):
        for database in databases:
            for name, tree in trees.items():
                results.setdefault((name, database), []).append(step_cost(tree, args.people, database))
                print(f"  step_cost {name} {database}: done", file=sys.stderr)
    telegram: dict[str, list[dict[str, tuple[float, float]]]] = {}
    if args.telegram:
        for _ in range(args.repeat):
            for name, tree in trees.items():
                telegram.setdefault(name, []).append(telegram_cpu(tree, args.users, args.steps))
                print(f"  bench.telegram {name}: done", file=sys.stderr)
    print(f"\nRun of {started}; load average at the end {load()} (1/5/15 min) on {os.cpu_count()} cores\n")
    for name, tree in trees.items():
        print(f"- {name}: `{git_describe(tree)}`")
    print()
    print(
        "| checkout | database | messages | CPU per message (lowest median of "
        f"{args.repeat}) | statements per message | Python calls per message |"
    )
    print("|---|---|---:|---:|---:|---:|")
    for (name, database), runs in results.items():
        cpu = min(float(r["cpu_ms_median"]) for r in runs)  # type: ignore[arg-type]
        statements = statistics.fmean(float(r["statements_mean"]) for r in runs)  # type: ignore[arg-type]
        calls = statistics.fmean(float(r["calls_mean"]) for r in runs)  # type: ignore[arg-type]
        print(
            f"| {name} | {database} | {runs[0]['messages']} | {cpu:.2f} ms | {statements:.2f} | {calls:.0f} |"
        )
    if telegram:
        print()
        print("| checkout | row | CPU per message (lowest of runs) | msg/s (best; wall clock, noisy) |")
        print("|---|---|---:|---:|")
        for name, runs in telegram.items():
            for row in runs[0]:
                cpu = min(r[row][1] for r in runs if row in r)
                rate = max(r[row][0] for r in runs if row in r)
                print(f"| {name} | {row} | {cpu:.1f} ms | {rate:.0f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
