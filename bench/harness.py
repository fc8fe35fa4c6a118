"""What every benchmark here shares: timing steps, percentiles, the machine, and the report table.

    timeline = Timeline()                      # kept by the fake server's side
    timeline.message_in(chat, measured=True)   # a person's message is queued at the fake
    timeline.reply_out(chat, at=call.at)       # a reply to that chat reached the fake
    row = row_from("assistant, SQLite", timeline.snapshot())
    print(report([echo_row, row], baseline=echo_row))

A channel's benchmark (bench/telegram.py; WhatsApp and the scheduler to come) drives its bot
against its fake server and hands `Row`s to `report`, so every row means the same thing.
"""

from __future__ import annotations

import math
import os
import platform
import sys
import threading
import time
from collections.abc import Hashable, Sequence
from dataclasses import dataclass


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0–100), nearest rank: a value that was actually measured."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class Row:
    name: str
    count: int  # inbound messages measured
    seconds: float  # wall time from the first measured message in to the last one done
    latencies: tuple[float, ...]  # seconds, one per measured message

    @property
    def per_second(self) -> float:
        return self.count / self.seconds if self.seconds > 0 else math.nan

    @property
    def p50_ms(self) -> float:
        return percentile(self.latencies, 50) * 1000

    @property
    def p99_ms(self) -> float:
        return percentile(self.latencies, 99) * 1000


class Timeline:
    """What a fake platform server saw, per conversation and in time order: each message handed to
    the bot ("in") and each reply the bot sent ("out"). Thread-safe; the fake's listener writes it.

    A person sends their next message only when the bot is done with the last one, so the replies
    between two messages of one conversation answer the first: its latency is from its "in" to the
    last of those "out"s. Messages handed in with `measured=False` (warm-up) are not counted.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.events: dict[Hashable, list[tuple[float, str, bool]]] = {}

    def message_in(self, who: Hashable, measured: bool = True, at: float | None = None) -> None:
        self._add(who, (time.perf_counter() if at is None else at, "in", measured))

    def reply_out(self, who: Hashable, at: float | None = None) -> None:
        self._add(who, (time.perf_counter() if at is None else at, "out", False))

    def _add(self, who: Hashable, event: tuple[float, str, bool]) -> None:
        with self._lock:
            self.events.setdefault(who, []).append(event)

    def snapshot(self) -> dict[Hashable, list[tuple[float, str, bool]]]:
        with self._lock:
            return {who: sorted(events) for who, events in self.events.items()}


def row_from(name: str, events: dict[Hashable, list[tuple[float, str, bool]]]) -> Row:
    """Latency of every measured message that got a reply; throughput over the measured span."""
    latencies: list[float] = []
    first, last = math.inf, -math.inf
    for timeline in events.values():
        ordered = sorted(timeline)
        for i, (at, kind, measured) in enumerate(ordered):
            if kind != "in" or not measured:
                continue
            replies = []
            for later, later_kind, _ in ordered[i + 1 :]:
                if later_kind == "in":
                    break
                replies.append(later)
            if replies:
                latencies.append(replies[-1] - at)
                first, last = min(first, at), max(last, replies[-1])
    seconds = last - first if latencies else 0.0
    return Row(name, len(latencies), seconds, tuple(latencies))


def machine() -> str:
    cores = os.cpu_count() or 0
    return (
        f"{platform.system()} {platform.machine()}, {cores} CPU core{'s' if cores != 1 else ''}, "
        f"Python {platform.python_version()} ({sys.implementation.name})"
    )


def report(rows: Sequence[Row], baseline: Row | None = None) -> str:
    """A Markdown table; `vs baseline` is each row's throughput over the baseline's (same run)."""
    lines = [
        "| bot | messages | msg/s | p50 ms | p99 ms | vs " + (baseline.name if baseline else "—") + " |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        ratio = f"{row.per_second / baseline.per_second:.2f}×" if baseline else "—"
        lines.append(
            f"| {row.name} | {row.count} | {row.per_second:.0f} | {row.p50_ms:.1f} | "
            f"{row.p99_ms:.1f} | {ratio} |"
        )
    return "\n".join(lines)
