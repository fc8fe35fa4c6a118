"""Occupation search: time per query over the whole list, and the time to load the list at start-up.

    .venv/bin/python -m bench.occupations [--repeat 50] [--loads 20]

Queries: the realistic inputs of tests/occupation_queries.py (typos, synonyms, prefixes, niqqud,
English, Russian, Arabic, wrong keyboard layout), each searched `--repeat` times, shuffled, one at a
time as the CLI or a survey step would (top five). A query's time is `index.search` alone, in this
process, with nothing cached between queries: wall clock, and the thread's CPU time (the same
without the time the process waited for a core, which on a busy machine is most of the tail).
Load: reading the list's file from the package, parsing and checking it, and building the index
(what start-up pays once), `--loads` times; the import of the modules is reported on its own line
(it happens once per process, whatever is loaded).
Target: p99 under 1 ms per query.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from importlib import resources
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `python bench/occupations.py` too

from bench.harness import machine, percentile  # noqa: E402

TARGET_P99_MS = 1.0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=50, help="times each query is searched")
    parser.add_argument("--loads", type=int, default=20, help="times the list is loaded")
    args = parser.parse_args()

    started = time.perf_counter()
    from bot.occupation_list import LIST_FILE, load_occupation_index
    from flows.occupations import OccupationIndex, parse_occupations
    from tests.occupation_queries import QUERIES

    imported = time.perf_counter() - started

    reads, parses, builds, loads = [], [], [], []
    for _ in range(args.loads):
        t0 = time.perf_counter()
        text = resources.files("flows.occupations").joinpath(LIST_FILE).read_text(encoding="utf-8")
        t1 = time.perf_counter()
        occupations = parse_occupations(text, LIST_FILE)
        t2 = time.perf_counter()
        OccupationIndex(occupations)
        t3 = time.perf_counter()
        load_occupation_index()
        t4 = time.perf_counter()
        reads.append(t1 - t0)
        parses.append(t2 - t1)
        builds.append(t3 - t2)
        loads.append(t4 - t3)
    index = load_occupation_index()

    queries = [typed for typed, _, _ in QUERIES] * args.repeat
    random.Random(12).shuffle(queries)
    for typed in queries[: len(QUERIES)]:  # warm-up: first calls pay for lazy imports and caches
        index.search(typed)
    ms, cpu_ms = [], []
    for typed in queries:
        c0, t0 = time.thread_time_ns(), time.perf_counter_ns()
        index.search(typed, limit=5)
        t1, c1 = time.perf_counter_ns(), time.thread_time_ns()
        ms.append((t1 - t0) / 1e6)
        cpu_ms.append((c1 - c0) / 1e6)

    p99 = percentile(ms, 99)
    print(machine() + f"; load average {os.getloadavg()[0]:.1f} during the run")
    print(
        f"{len(index)} occupations, {sum(len(o.names) for o in index.occupations)} names; "
        f"{len(QUERIES)} queries × {args.repeat} = {len(ms)} searches\n"
    )
    print("| measured | p50 | p99 | max |")
    print("|---|---:|---:|---:|")
    for name, values in (("one search (top five), wall clock", ms), ("… CPU time of the search", cpu_ms)):
        print(
            f"| {name} | {percentile(values, 50):.3f} ms | {percentile(values, 99):.3f} ms "
            f"| {max(values):.3f} ms |"
        )
    for name, values in (
        ("load at start-up: read + parse + build", loads),
        ("… read the file", reads),
        ("… parse and check", parses),
        ("… build the index", builds),
    ):
        print(
            f"| {name} | {percentile(values, 50) * 1000:.1f} ms | {percentile(values, 99) * 1000:.1f} ms "
            f"| {max(values) * 1000:.1f} ms |"
        )
    print(f"| import of the modules (once per process) | {imported * 1000:.0f} ms | | |")
    verdict = "met" if p99 < TARGET_P99_MS else "NOT met"
    print(
        f"\ntarget p99 < {TARGET_P99_MS:g} ms per search (wall clock): {verdict}; "
        f"CPU time p99 {percentile(cpu_ms, 99):.3f} ms"
    )


if __name__ == "__main__":
    main()
