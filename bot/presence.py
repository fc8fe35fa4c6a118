"""Presence: each running process says in the database that it is alive, so that several processes
on one database share the platforms' limits and take over a dead one's work at once.

    start()    register (host, pid, channels), reap the dead (a restart on the same host finds its
               predecessor's pid gone: its claims are released before the outbox drains), divide
    every `MIDWAY_HEARTBEAT_SECONDS` (2):  beat → reap → count the live per channel → divide
    shutdown() the row deleted: the others' share grows at their next beat

- Sending limits (bot/pacing.py): Telegram's ~30 a second is per bot, Twilio's per sender, not per
  process; with n live processes each paces at 1/n (`pacing.divide`). Between a process starting or
  dying and the others' next beat the sum can be off by one process's part for a heartbeat or two.
- Dead: not seen for `MIDWAY_PROCESS_GONE_SECONDS` (15), or on this host with its pid no longer
  running. Its outbox rows being sent and jobs claimed are released (`storage.processes.reap`):
  sent again at most once more, seconds after the crash instead of after their lease (60 s).
  A process that was only stalled past the limit finds its row gone, registers again, and its
  late settle is refused as for a lease that ran out (its rows may go twice).
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from collections.abc import Sequence
from datetime import timedelta

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
    return socket.gethostname() or "localhost"


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
    ) -> None:
        self.db = db
        self.clock = clock
        self.channels = list(channels)
        self.heartbeat_seconds = heartbeat_seconds
        self.gone = timedelta(seconds=gone_seconds)
        self.parts: dict[str, int] = {}
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
        now = self.clock()
        me = process_id()
        with self.db.transaction() as session:
            if not processes.beat(session, me, now):  # taken for dead while stalled: here again
                log.warning("presence: this process was taken for dead; registering again")
                processes.register(session, me, _host(), os.getpid(), self.channels, now)
            dead = processes.reap(session, me, now, self.gone, _host(), os.getpid(), running)
            counts = {channel: processes.live(session, channel) for channel in self.channels}
        if dead:
            log.warning(
                "presence: %d process(es) gone, their claims released: %s", len(dead), ", ".join(dead)
            )
        for channel, count in counts.items():
            parts = max(count, 1)
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
