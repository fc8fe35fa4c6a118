"""Presence: each running process says in the database that it is alive, so that several processes
on one database share the platforms' limits and take over a dead one's work at once.

    start()    register (host, pid, channels), reap the dead (a restart on the same host finds its
               predecessor's pid gone: its claims are released before the outbox drains), divide
    every `MIDWAY_HEARTBEAT_SECONDS` (2):  beat → reap → count the live per channel → divide
    shutdown() the row deleted: the others' share grows at their next beat

- Sending limits (bot/pacing.py): Telegram's ~30 a second is per bot, Twilio's per sender, not per
  process; with n live processes each paces at 1/n (`pacing.divide`). Between a process starting or
  dying and the others' next beat the sum can be off by one process's part for a heartbeat or two.
- Dead: its heartbeat (`seen_at`) has not moved for `MIDWAY_PROCESS_GONE_SECONDS` (15) by this
  process's own clock (each host writes `seen_at` with its clock; clocks differ), or it is on this
  host — the same host name and pid namespace — with its pid no longer running. Its outbox rows
  being sent and jobs claimed are released (`storage.processes.reap`): sent again at most once
  more, seconds after the crash instead of after their lease (60 s).
  A process that was only stalled past the limit finds its row gone, registers again, and its
  late settle is refused as for a lease that ran out (its rows may go twice).
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime

from bot import pacing
from bot.clock import Clock
from storage import processes
from storage.db import Database

log = logging.getLogger(__name__)

_ID: tuple[int, str] | None = None


def process_id() -> str:
    """This process's id in `processes` and on its claims: host:pid:random (new after a fork)."""
    global _ID
    pid = os.getpid()
    if _ID is None or _ID[0] != pid:
        _ID = (pid, f"{_host()[:40]}:{pid}:{secrets.token_hex(4)}")
    return _ID[1]


def _host() -> str:
    """This process's host, as far as its pids go: the host name and the pid namespace (two
    containers with one host name each have their own pids, and pid 1 in each)."""
    name = socket.gethostname() or "localhost"
    try:
        namespace = os.readlink("/proc/self/ns/pid")  # "pid:[4026531836]"
    except OSError:
        return name[:64]
    return f"{name[:40]}/{namespace.strip('pid:[]')}"[:64]


def running(pid: int) -> bool:
    """Whether a process with this pid runs on this host."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it runs, as another user
        return True
    return True


class Presence:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        channels: Sequence[str],
        heartbeat_seconds: float = 2.0,
        gone_seconds: float = 15.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.db = db
        self.clock = clock
        self.channels = list(channels)
        self.heartbeat_seconds = heartbeat_seconds
        self.gone_seconds = gone_seconds
        self.monotonic = monotonic
        self.parts: dict[str, int] = {}
        # another process's `seen_at` as last read, and when (this process's monotonic clock) it
        # was first read so: a process is dead when its heartbeat has not moved for `gone_seconds`
        # here — each host's clock writes its own `seen_at`, and hosts' clocks differ
        self._observed: dict[str, tuple[datetime, float]] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Register and take over the dead's claims now (before the outbox's first drain), then
        beat in a thread of its own."""
        with self.db.transaction() as session:
            processes.register(session, process_id(), _host(), os.getpid(), self.channels, self.clock())
        self.beat()
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="presence", daemon=True)
        self._thread.start()

    def beat(self) -> None:
        me, host = process_id(), _host()
        with self.db.transaction() as session:  # its own transaction: it holds no other row's lock
            if not processes.beat(session, me, self.clock()):  # taken for dead while stalled
                log.warning("presence: this process was taken for dead; registering again")
                processes.register(session, me, host, os.getpid(), self.channels, self.clock())
        with self.db.transaction() as session:
            registered = processes.listing(session)
        now = self.monotonic()
        dead: dict[str, datetime] = {}
        for other, other_host, pid, _, seen_at in registered:
            if other == me:
                continue
            if other_host == host and (pid == os.getpid() or not running(pid)):
                dead[other] = seen_at  # on this host, its pid gone (or given to this process)
                continue
            before = self._observed.get(other)
            if before is None or before[0] != seen_at:
                self._observed[other] = (seen_at, now)
            elif now - before[1] >= self.gone_seconds:
                dead[other] = seen_at
        taken: list[str] = []
        if dead:
            with self.db.transaction() as session:
                taken = processes.reap(session, dead, self.clock())
        if taken:
            log.warning(
                "presence: %d process(es) gone, their claims released: %s", len(taken), ", ".join(taken)
            )
        alive = {row[0] for row in registered} - set(taken)
        self._observed = {k: v for k, v in self._observed.items() if k in alive}
        counts = processes.by_channel(row[3] for row in registered if row[0] in alive)
        for channel in self.channels:
            parts = max(counts.get(channel, 0), 1)
            if self.parts.get(channel) != parts:
                log.info("presence: %d process(es) send on %s; each paces at 1/%d", parts, channel, parts)
                self.parts[channel] = parts
                pacing.divide(channel, parts)

    def _run(self) -> None:
        while not self._stop.wait(self.heartbeat_seconds):
            try:
                self.beat()
            except Exception:
                log.exception("presence: the heartbeat failed; trying again")

    def shutdown(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        try:
            with self.db.transaction() as session:
                processes.leave(session, process_id())
        except Exception:
            log.exception("presence: could not remove this process's row")
