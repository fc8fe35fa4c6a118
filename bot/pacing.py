"""Pacing: how fast the assistant may call a platform, in one place per channel and sender.

    Pacer(per_second, burst, per_key, key_burst).wait(key, priority)

A token bucket for the sender (a Telegram bot, a Twilio number or Messaging Service) and, when
`per_key` is set, one per recipient (Telegram: about one message a second per chat, a short burst
allowed). Replies to a person are paced by the person's own typing: they count in the recipient's
bucket but wait only for the sender's, so bulk work to that chat right after them waits.
A reply (`REPLY`) reserves the next free slot at once, ahead of every bulk send waiting; bulk work
(`BULK`: reminders, surveys, broadcasts) takes a slot only when one is free and no reply
is waiting, so a wave of thousands never delays an answer by more than one slot. `pause(seconds)`:
the platform said "too many requests, retry after" (429): every send waits that long.

The limits are the platform's, per bot or number, not per process: with several processes sending
for the same bot, each paces at its part. `divide(channel, n)` (`bot/presence.py`, from the live
processes in the database) sets every pacer of that channel in this process to 1/n of the
sender's limit (a chat's own pace stays whole: a person's messages go one after the other).
"""

from __future__ import annotations

import asyncio
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass

REPLY, BULK = 0, 1  # as storage.outbox
POLL = 0.05  # seconds: how often a waiting bulk send looks again


@dataclass
class _Bucket:
    rate: float  # tokens a second; 0: no limit
    burst: float
    tokens: float
    stamp: float
    paused_until: float = 0.0

    def refill(self, now: float) -> None:
        if self.rate > 0:
            self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now

    def delay(self, now: float) -> float:
        """Seconds until a token is free (0: now)."""
        wait = max(self.paused_until - now, 0.0)
        if self.rate > 0 and self.tokens < 1:
            wait = max(wait, (1 - self.tokens) / self.rate)
        return wait


class Pacer:
    def __init__(
        self,
        per_second: float,
        burst: float = 1.0,
        per_key: float = 0.0,
        key_burst: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        channel: str | None = None,
    ) -> None:
        self.monotonic = monotonic
        self.sleep = sleep
        self.per_key, self.key_burst = per_key, max(key_burst, 1.0)
        now = monotonic()
        self._main = _Bucket(per_second, max(burst, 1.0), max(burst, 1.0), now)
        self._keys: dict[str, _Bucket] = {}
        self._lock = threading.Lock()
        self._replies_waiting = 0
        self._limits = (per_second, max(burst, 1.0))  # the whole bot's, before `share`
        self.parts = 1
        if channel is not None:
            _PACERS.setdefault(channel, weakref.WeakSet()).add(self)
            self.share(_SHARES.get(channel, 1))

    def share(self, parts: int) -> None:
        """Pace at 1/`parts` of the limits (the bot's sends are split among `parts` processes)."""
        parts = max(int(parts), 1)
        with self._lock:
            if parts == self.parts:
                return
            per_second, burst = self._limits
            self.parts = parts
            self._main.rate = per_second / parts
            self._main.burst = max(burst / parts, 1.0)
            self._main.tokens = min(self._main.tokens, self._main.burst)
            # a chat's own pace is not divided: one person's messages go out one after the other,
            # each after the last is settled, whichever process sends it

    @property
    def interval(self) -> float:
        return 1.0 / self._main.rate if self._main.rate > 0 else 0.0

    def _buckets(self, key: str | None, now: float) -> list[_Bucket]:
        buckets = [self._main]
        if key is not None and self.per_key > 0:
            bucket = self._keys.get(key)
            if bucket is None:
                if len(self._keys) > 10_000:  # forget full buckets: they are as new
                    self._keys = {k: b for k, b in self._keys.items() if b.tokens < b.burst}
                bucket = self._keys[key] = _Bucket(self.per_key, self.key_burst, self.key_burst, now)
            buckets.append(bucket)
        for bucket in buckets:
            bucket.refill(now)
        return buckets

    def _reserve(self, key: str | None) -> float:
        """A reply's slot, taken at once: the seconds until it comes (0: now). When it is not now, the
        reply counts as waiting (bulk work waits behind it) until `_served`."""
        with self._lock:
            now = self.monotonic()
            buckets = self._buckets(key, now)
            delay = buckets[0].delay(now)  # the sender's rate only: a person's own pace is theirs
            for bucket in buckets:
                bucket.tokens -= 1  # reserved: later calls wait behind this one
            for bucket in buckets[1:]:
                bucket.tokens = max(bucket.tokens, -bucket.burst)
            if delay > 0:
                self._replies_waiting += 1
        return delay

    def _served(self) -> None:
        with self._lock:
            self._replies_waiting -= 1

    def wait(self, key: str | None = None, priority: int = BULK) -> float:
        """Wait for this call's slot; the seconds waited."""
        start = self.monotonic()
        if priority <= REPLY:
            delay = self._reserve(key)
            if delay > 0:
                try:
                    self.sleep(delay)
                finally:
                    self._served()
                return self.monotonic() - start
            return 0.0
        while True:
            with self._lock:
                now = self.monotonic()
                buckets = self._buckets(key, now)
                delay = max(b.delay(now) for b in buckets)
                if delay <= 0 and not self._replies_waiting:
                    for bucket in buckets:
                        bucket.tokens -= 1
                    return now - start
            self.sleep(min(max(delay, POLL / 10), POLL))

    async def reply_slot(self, key: str | None = None) -> float:
        """`wait(key, REPLY)` on an event loop: the slot is taken at once, the wait is `asyncio.sleep`."""
        delay = self._reserve(key)
        if delay > 0:
            try:
                await asyncio.sleep(delay)
            finally:
                self._served()
        return delay

    def pause(self, seconds: float, key: str | None = None) -> None:
        """The platform asked to wait (429): the sender's calls (or only `key`'s) wait `seconds`."""
        with self._lock:
            now = self.monotonic()
            bucket = self._buckets(key, now)[-1] if key is not None and self.per_key > 0 else self._main
            bucket.paused_until = max(bucket.paused_until, now + max(seconds, 0.0))


_PACERS: dict[str, weakref.WeakSet[Pacer]] = {}  # channel → its pacers in this process
_SHARES: dict[str, int] = {}  # channel → parts, for the pacers made later


def divide(channel: str, parts: int) -> None:
    """Every pacer of `channel` in this process paces at 1/`parts` of its limits."""
    _SHARES[channel] = max(int(parts), 1)
    for pacer in list(_PACERS.get(channel, ())):
        pacer.share(parts)
