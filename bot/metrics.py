"""What `GET /metrics` tells (the Prometheus text format, `prometheus_client`).

Counted in this process, as it happens (each process of `midway serve` has its own; Prometheus
adds them up across the processes it scrapes, `sum by (channel) (rate(...))`):

    midway_messages_in_total{channel}          messages stepped (a redelivery or an apology counts too)
    midway_messages_out_total{channel}         messages the platform accepted (a reply in two parts: 2)
    midway_send_errors_total{channel,code}     platform calls that failed ("telegram_403", "21610",
                                               "ConnectError": the platform's code, else the error's kind)
    midway_step_seconds{channel}               one inbound message's step: its transaction, start to commit

Read from the database at each scrape, so the same in every process (the database is shared):

    midway_outbox_depth                        outbox rows not sent yet (pending, or being sent)
    midway_outbox_oldest_age_seconds           the age of the oldest of them (0 when there is none)
    midway_scheduler_lag_seconds               the oldest due row of `scheduled_jobs` no live claim holds
    midway_processes{channel}                  processes alive in `processes` that send on the channel
                                               (they share its sending limits: each paces at 1/n)

Only counts and durations: never a message's text, a phone number or a person's id.
"""

from __future__ import annotations

import logging

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from bot.clock import Clock
from storage import jobs, outbox, processes
from storage.db import Database

log = logging.getLogger(__name__)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

MESSAGES_IN = Counter("midway_messages_in", "Inbound messages stepped", ["channel"])
MESSAGES_OUT = Counter("midway_messages_out", "Outbound messages the platform accepted", ["channel"])
SEND_ERRORS = Counter(
    "midway_send_errors", "Platform calls that failed, by the platform's code", ["channel", "code"]
)
STEP_SECONDS = Histogram(
    "midway_step_seconds",
    "One inbound message's step (its database transaction)",
    ["channel"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)


def sent(channel: str, messages: int = 1) -> None:
    MESSAGES_OUT.labels(channel).inc(messages)


def send_failed(channel: str, code: str | int | None) -> None:
    SEND_ERRORS.labels(channel, str(code or "unknown")[:32]).inc()


class DatabaseGauges(Collector):
    """The gauges the database knows, read when Prometheus scrapes (one short transaction)."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def collect(self):  # type: ignore[no-untyped-def]
        now = self.clock()
        with self.db.transaction() as session:
            depth, oldest = outbox.depth(session, now)
            lag = jobs.lag(session, now)
            live = processes.live_by_channel(session)
        yield GaugeMetricFamily(
            "midway_outbox_depth", "Outbox rows not sent yet (pending or being sent)", depth
        )
        yield GaugeMetricFamily(
            "midway_outbox_oldest_age_seconds", "Age of the oldest of them (0: none)", oldest or 0.0
        )
        yield GaugeMetricFamily(
            "midway_scheduler_lag_seconds",
            "Age of the oldest due scheduled job not claimed (0: none)",
            lag or 0.0,
        )
        alive = GaugeMetricFamily(
            "midway_processes",
            "Processes alive that send on the channel (they share its limits)",
            labels=["channel"],
        )
        for channel, count in sorted(live.items()):
            alive.add_metric([channel], count)
        yield alive


def exposition(db: Database, clock: Clock) -> bytes:
    """The text of one scrape: this process's counters (and the client's process and Python
    metrics), then the database's gauges; a database that cannot be read leaves its gauges out."""
    text = generate_latest(REGISTRY)
    gauges = CollectorRegistry(auto_describe=False)
    gauges.register(DatabaseGauges(db, clock))
    try:
        return text + generate_latest(gauges)
    except Exception:  # noqa: BLE001 (the counters are still worth a scrape)
        log.exception("metrics: the database's gauges could not be read")
        return text
