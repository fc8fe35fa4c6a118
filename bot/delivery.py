"""The outbox's sender: delivers the rows of `storage/outbox.py`, right after the commit that wrote
them and, from the table, whatever a stopped process left.

    step's transaction: ... enqueue(rows: the rendered calls) ──commit──▶ deliver(ids)  (same thread,
                                                                          no added wait)
    drainer (a thread, every MIDWAY_OUTBOX_DRAIN_SECONDS; everything at start-up) ──▶ drain()

    claim (one transaction) → per row: expired? → the channel's `Transport.transmit` (paced there,
    bot/pacing.py) → settle (one transaction): sent / failed / held / expired, or pending again

- Order: a person's rows on a channel go one after the other in `id` order; when one must wait (a retry) the
  person's later rows wait too.
- Rows written while an earlier row of the same person is still being sent here wait in memory behind
  it: its sender sends them right after settling it (`_hand_over`), not the drainer after its grace.
- Unreachable only on a definitive answer (Telegram 403, Twilio 21610): the identity is marked and
  the person's remaining rows fail alike. Transient errors (429, 5xx, network) are retried with
  back-off (the 429's `retry_after` when given) up to MIDWAY_OUTBOX_MAX_ATTEMPTS.
- A crash between the platform call and `settle` leaves the row `sending`: after its lease
  (MIDWAY_OUTBOX_LEASE_SECONDS) it is sent again — at most one duplicate per crash.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.outbound import SendStatus, Transmitted, Transport
from bot.presence import process_id
from storage import outbox
from storage.db import Database

log = logging.getLogger(__name__)

AsyncTransmit = Callable[[str, Mapping[str, object], int], Awaitable[Transmitted]]  # address, part, priority


@dataclass(frozen=True)
class OutboxSettings:
    lease_seconds: float = 60.0
    max_attempts: int = 6
    retry_seconds: float = 2.0  # the first back-off, doubled each time
    max_retry_seconds: float = 300.0
    drain_seconds: float = 1.0  # how often the drainer looks
    inline_retry_seconds: float = 5.0  # a reply told to wait this long or less waits and goes at once
    grace_seconds: float = 2.0  # rows younger than this are left to the process that wrote them


def _callbacks(done: Transmitted) -> bool:
    """The platform reports delivery later (Twilio): a status callback may have come first."""
    return done.platform_status != "sent"


@dataclass(frozen=True)
class Outcome:
    id: int
    status: str  # what the row became: sent (or Twilio's first status), failed, held, expired, pending
    part: Mapping[str, object]
    platform_id: str | None = None
    code: str | None = None  # the platform's error code, when it was not sent
    retry_after: float | None = None  # seconds the platform asked to wait (429)


class Outbox:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        settings: OutboxSettings | None = None,
        renderers: dict | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings or OutboxSettings()
        self.transports: dict[str, Transport] = {}
        self.renderers = renderers if renderers is not None else {}  # the dispatcher's: channel → render
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._wake = threading.Event()
        self._local = threading.local()  # per sending thread: the replies sent, to settle together
        self._settling: list[tuple[outbox.Claimed, Transmitted, datetime]] = []  # sent, to settle
        self._settling_lock = threading.Lock()
        self._settle_turn = threading.Lock()  # one settling transaction at a time
        # (person, channel) → rows a step wrote while an earlier row of the person was in flight:
        # the sender settling that row hands over to them (`_hand_over`), not the drainer
        self._queued: dict[tuple[int, str], list[int]] = {}
        self._queued_lock = threading.Lock()

    def register(self, transport: Transport) -> None:
        """This channel's replies go through the outbox from now on."""
        self.transports[transport.channel] = transport
        self.renderers[transport.channel] = transport.render

    # ---- sending ---------------------------------------------------------------------------------
    def deliver(self, ids: Iterable[int]) -> list[Outcome]:
        """Right after the commit: send these rows (and any earlier unsent rows of the same person,
        first). What cannot be claimed because an earlier row of the person is still being sent is
        queued behind it: the sender of that row, in this process, sends them right after settling
        it (`_hand_over`: no wait for the drainer's grace). Rows another process holds are left to
        it, and then to the drainer."""
        ids = list(ids)
        if not ids:
            return []
        now = self.clock()
        with self.db.transaction() as session:
            keys = outbox.owners(session, ids)
            with self._queued_lock:  # before the claim: a sender settling after it hands over to them
                for key in keys:
                    self._queued.setdefault(key, []).extend(ids)
            claimed = outbox.claim(session, now, self._lease(), ids=ids, by=process_id())
        if not claimed:
            return []
        self._unqueue({row.id for row in claimed})
        return self._send(claimed)

    def send(self, delivery_ids: Sequence[int], claimed: Sequence[outbox.Claimed]) -> list[Outcome]:
        """A step's replies after its commit: the rows it claimed in its own transaction, sent at
        once (no transaction for the claim); else (an earlier row of the person goes first) `deliver`."""
        if claimed:
            return self._send(claimed)
        return self.deliver(delivery_ids)

    async def send_on_loop(
        self, delivery_ids: Sequence[int], claimed: Sequence[outbox.Claimed], transmit: AsyncTransmit
    ) -> list[Outcome]:
        """`send` from an event loop: the step's claimed rows sent by `transmit` (the channel's
        async client) without a thread, then settled in a thread. Anything but a plain run of replies
        sent (nothing claimed, a row expired, one without an address or with a file, an answer other
        than "sent") goes on, from that row, in a thread as `send` does."""
        now = self.clock()
        if not claimed or not all(self._plain(row, now) for row in claimed):
            return await asyncio.to_thread(self.send, delivery_ids, claimed)
        done: list[tuple[outbox.Claimed, Transmitted, datetime]] = []
        for i, row in enumerate(claimed):
            try:
                sent = await transmit(str(row.payload["to"]), row.payload.get("part") or {}, row.priority)
            except Exception as error:  # as `_transmit`: a transport that raises is a transient error
                log.exception("outbox: %s transport raised for message %s", row.channel, row.id)
                sent = Transmitted(SendStatus.RETRY, code=type(error).__name__[:16])
            if sent.status is not SendStatus.SENT:
                return await asyncio.to_thread(self._send_rest, done, claimed[i:], sent)
            done.append((row, sent, self.clock()))
        await asyncio.to_thread(self._settle_all, done)
        if self._queued:  # rows of these people queued behind the ones just settled
            await asyncio.to_thread(self._hand_over, claimed)
        return [self._outcome(row, sent) for row, sent, _ in done]

    def _plain(self, row: outbox.Claimed, now: datetime) -> bool:
        part = row.payload.get("part")
        return (
            row.channel in self.transports
            and bool(row.payload.get("to"))
            and (row.not_after is None or now < row.not_after)
            and isinstance(part, Mapping)
            and "file" not in part
        )

    @staticmethod
    def _outcome(row: outbox.Claimed, sent: Transmitted) -> Outcome:
        return Outcome(row.id, sent.platform_status, row.payload, sent.platform_id)

    def _send_rest(
        self,
        done: list[tuple[outbox.Claimed, Transmitted, datetime]],
        rest: Sequence[outbox.Claimed],
        first: Transmitted,
    ) -> list[Outcome]:
        """`send_on_loop` from its first row not sent: `first` is what the platform said of it."""
        self._local.sent = list(done)
        try:
            return [self._outcome(row, sent) for row, sent, _ in done] + self._send_each(rest, first)
        finally:
            self._settle_sent()
            self._hand_over([row for row, _, _ in done] + list(rest))

    def _unqueue(self, ids: set[int]) -> None:
        """These rows are claimed: no hand-over for them."""
        with self._queued_lock:
            if not self._queued:
                return
            for key in list(self._queued):
                left = [i for i in self._queued[key] if i not in ids]
                if left:
                    self._queued[key] = left
                else:
                    del self._queued[key]

    def _hand_over(self, claimed: Sequence[outbox.Claimed]) -> None:
        """After settling these rows: send the rows queued behind them (`send`), in this thread.
        Those that still cannot go (an earlier row waits for its retry) are left to the drainer."""
        with self._queued_lock:
            if not self._queued:
                return
            ids: list[int] = []
            for key in {(row.person_id, row.channel) for row in claimed}:
                ids.extend(self._queued.pop(key, ()))
        if ids:
            try:
                self.deliver(sorted(set(ids)))
            except Exception:
                log.exception("outbox: sending the rows queued behind others failed; the drainer will")

    def drain(self, limit: int = 100, everything: bool = True) -> int:
        """One batch of due rows, replies first; how many were claimed. `everything`: also rows
        written in the last `grace_seconds` (the drainer leaves those to the process that wrote them)."""
        if not self.transports:
            return 0
        now = self.clock()
        before = None if everything else now - timedelta(seconds=self.settings.grace_seconds)
        with self.db.transaction() as session:
            claimed = outbox.claim(
                session,
                now,
                self._lease(),
                limit=limit,
                created_before=before,
                channels=list(self.transports),
                by=process_id(),
            )
        if claimed:
            self._unqueue({row.id for row in claimed})
            self._send(claimed)
        return len(claimed)

    def drain_all(self, everything: bool = True, max_batches: int = 1000) -> int:
        total = 0
        for _ in range(max_batches):
            got = self.drain(everything=everything)
            total += got
            if not got or self._stop.is_set():
                break
        return total

    def _lease(self) -> timedelta:
        return timedelta(seconds=self.settings.lease_seconds)

    def _send(self, claimed: Sequence[outbox.Claimed]) -> list[Outcome]:
        """Send in order. The replies sent are settled together when the last is out (one write
        instead of one per message: a crash in those milliseconds sends that reply once more);
        bulk rows, one by one."""
        self._local.sent = []
        try:
            return self._send_each(claimed)
        finally:
            self._settle_sent()
            self._hand_over(claimed)

    def _settle_sent(self) -> None:
        sent: list[tuple[outbox.Claimed, Transmitted, datetime]] = self._local.sent
        self._local.sent = []
        self._settle_all(sent)

    def _settle_all(self, sent: list[tuple[outbox.Claimed, Transmitted, datetime]]) -> None:
        """Settle these sent rows, with those of every delivery that finished meanwhile: one
        transaction for all of them (a group commit: deliveries waiting for the write lock while one
        settles are settled by the next one in). Returns when these rows are settled."""
        if not sent:
            return
        with self._settling_lock:
            self._settling.extend(sent)
        with self._settle_turn:
            with self._settling_lock:
                sent, self._settling = self._settling, []
            if sent:  # else: settled by the delivery before, which held the turn
                self._settle_now(sent)

    def _settle_now(self, sent: list[tuple[outbox.Claimed, Transmitted, datetime]]) -> None:
        quick = [
            (row, done.platform_status, done.platform_id) for row, done, _ in sent if not _callbacks(done)
        ]
        slow = [(row, done, now) for row, done, now in sent if _callbacks(done)]
        with self.db.transaction() as session:
            if quick and outbox.settle_sent(session, quick, sent[-1][2]) != len(quick):
                log.warning("outbox: a message was taken over while sending (lease ran out)")
            for row, done, now in slow:  # WhatsApp's callbacks may come first: their rows fold in
                if not outbox.settle(
                    session,
                    row,
                    done.platform_status,
                    now,
                    platform_message_id=done.platform_id,
                    callbacks=True,
                ):
                    log.warning("outbox: message %s was taken over while sending (lease ran out)", row.id)

    def _send_each(
        self, claimed: Sequence[outbox.Claimed], first: Transmitted | None = None
    ) -> list[Outcome]:
        """`first`: what the platform answered for the first row already (`send_on_loop`)."""
        outcomes: list[Outcome] = []
        # (person, channel) → why their next rows wait or end alike
        halted: dict[tuple[int, str], tuple[str, datetime | None, str | None]] = {}
        for row in claimed:
            now = self.clock()
            why = halted.get((row.person_id, row.channel))
            if why is not None:
                outcomes.append(self._follow(row, why, now))
                continue
            if row.not_after is not None and now >= row.not_after:
                self._settle(row, "expired", now, code="passed")
                outcomes.append(Outcome(row.id, "expired", row.payload))
                continue
            transport = self.transports.get(row.channel)
            address = str(row.payload.get("to", ""))
            if transport is None:  # not a channel of this process: left for one that has it
                with self.db.transaction() as session:
                    outbox.release(session, row, now, now)
                outcomes.append(Outcome(row.id, "pending", row.payload))
                continue
            if not address:
                self._settle(row, "failed", now, code="no_address")
                outcomes.append(Outcome(row.id, "failed", row.payload))
                continue
            if first is not None and row is claimed[0]:
                sent = first
            else:
                sent = self._transmit(transport, row, address)
            if (
                sent.status is SendStatus.RETRY
                and row.priority <= outbox.REPLY
                and sent.retry_after is not None
                and sent.retry_after <= self.settings.inline_retry_seconds
            ):  # flood control on a reply: wait as told (the pacer does) and try once more at once
                sent = self._transmit(transport, row, address)
            outcome, halt = self._record(row, address, sent)
            outcomes.append(outcome)
            if halt is not None:
                halted[(row.person_id, row.channel)] = halt
        return outcomes

    @staticmethod
    def _transmit(transport: Transport, row: outbox.Claimed, address: str) -> Transmitted:
        try:
            return transport.transmit(address, row.payload.get("part") or {}, row.priority)
        except Exception as error:  # a transport must not raise; if one does, it is transient
            log.exception("outbox: %s transport raised for message %s", row.channel, row.id)
            return Transmitted(SendStatus.RETRY, code=type(error).__name__[:16])

    def _record(
        self, row: outbox.Claimed, address: str, sent: Transmitted
    ) -> tuple[Outcome, tuple[str, datetime | None, str | None] | None]:
        now = self.clock()
        status = sent.status
        if status is SendStatus.SENT:
            self._local.sent.append((row, sent, now))
            if row.priority > outbox.REPLY:
                self._settle_sent()
            return Outcome(row.id, sent.platform_status, row.payload, sent.platform_id), None
        log.info(
            "outbox: message %s (%s, person %s, attempt %d) %s %s",
            row.id,
            row.kind,
            row.person_id,
            row.attempts,
            status.value,
            sent.code or "",
        )
        if status is SendStatus.HELD:
            self._settle(row, "held", now, code=sent.code)
            return Outcome(row.id, "held", row.payload, code=sent.code), ("held", None, sent.code)
        if status is SendStatus.UNREACHABLE:
            with self.db.transaction() as session:
                outbox.settle(session, row, "failed", now, error_code=sent.code)
                outbox.fail_waiting(session, row.person_id, row.channel, sent.code or "unreachable", now)
                if sent.code == "21610":
                    outbox.mark_unsubscribed(session, row.person_id, row.channel, now)
                else:
                    outbox.mark_unreachable(session, row.channel, address)
            log.warning(
                "outbox: person %s cannot be reached on %s (%s)", row.person_id, row.channel, sent.code
            )
            return Outcome(row.id, "failed", row.payload, code=sent.code), ("failed", None, sent.code)
        if status is SendStatus.RETRY and row.attempts < self.settings.max_attempts:
            wait = sent.retry_after
            if wait is None:
                wait = self.settings.retry_seconds * 2 ** (row.attempts - 1)
            at = now + timedelta(seconds=min(wait, self.settings.max_retry_seconds))
            with self.db.transaction() as session:
                outbox.retry(session, row, at, now, sent.code)
            self._wake.set()
            outcome = Outcome(row.id, "pending", row.payload, code=sent.code, retry_after=sent.retry_after)
            return outcome, ("pending", at, None)
        self._settle(row, "failed", now, code=sent.code or status.value)
        return Outcome(row.id, "failed", row.payload, code=sent.code), None

    def _follow(
        self, row: outbox.Claimed, why: tuple[str, datetime | None, str | None], now: datetime
    ) -> Outcome:
        """A row after one of the same person's that stopped: wait with it, or end alike."""
        status, at, code = why
        if status == "pending":
            with self.db.transaction() as session:
                outbox.release(session, row, at or now, now)
            return Outcome(row.id, "pending", row.payload)
        self._settle(row, status, now, code=code)
        return Outcome(row.id, status, row.payload, code=code)

    def _settle(
        self,
        row: outbox.Claimed,
        status: str,
        now: datetime,
        *,
        platform_id: str | None = None,
        code: str | None = None,
        callbacks: bool = False,
    ) -> None:
        with self.db.transaction() as session:
            settled = outbox.settle(
                session,
                row,
                status,
                now,
                platform_message_id=platform_id,
                error_code=code,
                callbacks=callbacks,
            )
            if not settled:
                log.warning("outbox: message %s was taken over while sending (lease ran out)", row.id)

    # ---- the drainer -----------------------------------------------------------------------------
    def start(self) -> None:
        """Drain in a background thread: everything left at once, then every `drain_seconds`."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="outbox-drainer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        everything = True
        while not self._stop.is_set():
            try:
                self.drain_all(everything=everything)
                everything = False
            except Exception:
                log.exception("outbox: draining failed; trying again")
            self._wake.wait(self.settings.drain_seconds)
            self._wake.clear()

    def shutdown(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None
