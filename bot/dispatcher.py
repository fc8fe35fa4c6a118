"""The dispatcher: runs one conversation step for one inbound message inside one DB transaction.

    inbound → [transaction: dedupe, find person, load state, step, apply effects, save state] → delivery

On a channel that sends through the outbox (`bot/delivery.py`: Telegram, WhatsApp) the replies are
rendered by the channel and written as outbox rows in that same transaction (`Delivery.outbox_ids`);
the channel delivers them right after the commit, and a restart delivers what a crash left. Else
(the console) the channel sends the `Delivery` itself. If anything fails inside the transaction,
nothing of it is stored and the person gets an apology, not silence.

Several processes on one database: a kept message (`Inbound.kept`) is stepped only when none of
its sender's earlier kept messages is still pending. The step holds the sender's lock
(`repo.find_or_create_person`) and asks (`inbox.earlier`); if some are, it lets go, steps them
first here (rebuilt by the channel's `rebuilders` entry) and then itself, and their deliveries
come first (`Delivery.before`). So a process that got someone's second message before the process
that got the first stepped it steps both, in order; the other then finds the first one done.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from bot import metrics
from bot.clock import Clock
from bot.i18n import Catalogs
from bot.presence import process_id
from bot.stepping import run_step
from flows import Input, Msg, Outgoing, Program, Reply, State
from flows.program import LANGUAGES
from storage import inbox, outbox, repo
from storage.db import Database

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Inbound:
    """One message as a channel received it, already turned into a flow input."""

    channel: str
    external_id: str  # the sender on that channel (Telegram user id, WhatsApp number)
    input: Input
    message_id: str | None = None  # the platform's id, for deduplication
    profile_name: str | None = None
    language_hint: str | None = None
    phone: str | None = None  # E.164, when the channel vouches for the sender's number (WhatsApp)
    # The channel stored the message before answering the platform (storage/inbox.py: WhatsApp,
    # Telegram by webhook): the step takes that pending row instead of logging the id.
    kept: bool = False


@dataclass(frozen=True)
class Delivery:
    """What to send back, and in which language to render it."""

    lang: str
    replies: tuple[Outgoing, ...] = field(default_factory=tuple)
    person_id: int | None = None
    # the deliveries of the same sender's earlier messages, stepped first by this step (another
    # process had received them): to send before this one's replies, in this order
    before: tuple[Delivery, ...] = ()
    outbox_ids: tuple[int, ...] = ()  # the replies as outbox rows, to deliver after the commit
    claimed: tuple[outbox.Claimed, ...] = ()  # those rows, claimed for this process in the step


def language_from_hint(hint: str | None) -> str:
    code = (hint or "").split("-")[0].lower()
    code = {"iw": "he"}.get(code, code)
    return code if code in LANGUAGES else "he"


# A channel's way back from a kept row to its message: (platform id, kept fields) → the Inbound
# (kept=True), or None when the row holds no message.
Rebuild = Callable[[str, Mapping[str, Any]], "Inbound | None"]
MAX_EARLIER = 100  # earlier messages stepped first by one step, at most (then it goes on regardless)


class Dispatcher:
    def __init__(self, db: Database, program: Program, catalogs: Catalogs, clock: Clock) -> None:
        self.db = db
        self.program = program
        self.catalogs = catalogs
        self.clock = clock
        # channel → how its kept rows become messages again; set by the channel's webhook
        self.rebuilders: dict[str, Rebuild] = {}
        # channel → render(lang, replies) → the platform calls: that channel's replies are outbox rows
        self.renderers: dict[str, Callable[[str, tuple[Outgoing, ...]], list[dict[str, Any]]]] = {}
        self.outbox_lease = timedelta(seconds=60)  # the app sets MIDWAY_OUTBOX_LEASE_SECONDS

    def handle(self, inbound: Inbound) -> Delivery | None:
        """Run one step (after the sender's earlier kept messages, when some are still pending). None
        when this message was already processed (a redelivery) and there was nothing earlier."""
        before: list[Delivery] = []
        todo = [inbound]  # the last is stepped next
        for _ in range(2 * MAX_EARLIER + 1):
            outcome = self._handle_one(todo[-1], check=len(before) < MAX_EARLIER)
            if isinstance(outcome, _EarlierFirst):
                todo += reversed(self._rebuilt(inbound.channel, outcome.waiting))
                continue
            if todo.pop() is inbound:
                return _with_before(outcome, before)
            if outcome is not None:
                before.append(outcome)
        return _with_before(self._handle_one(inbound, check=False), before)

    def _rebuilt(self, channel: str, waiting: list[inbox.Waiting]) -> list[Inbound]:
        rebuild = self.rebuilders[channel]
        found = []
        for message in waiting:
            try:
                rebuilt = rebuild(message.platform_id, message.fields)
            except Exception:
                log.exception("kept %s message %s could not be read", channel, message.platform_id)
                rebuilt = None
            if rebuilt is None:  # not what a channel keeps: not left pending forever
                log.warning("kept %s message %s holds no message; dropped", channel, message.platform_id)
                self._give_up(channel, message.platform_id)
            else:
                found.append(replace(rebuilt, kept=True))
        return found

    def _handle_one(self, inbound: Inbound, check: bool) -> Delivery | None | _EarlierFirst:
        now = self.clock()
        lang = language_from_hint(inbound.language_hint)
        started = time.perf_counter()
        try:
            outcome = self._step(inbound, now, lang, check and inbound.channel in self.rebuilders)
            if not isinstance(outcome, _EarlierFirst):  # (else it is stepped again, after them)
                metrics.MESSAGES_IN.labels(inbound.channel).inc()
            return outcome
        except Exception:
            metrics.MESSAGES_IN.labels(inbound.channel).inc()
            log.exception("step failed on %s (message %s)", inbound.channel, inbound.message_id)
            if inbound.kept:
                assert inbound.message_id is not None
                self._give_up(inbound.channel, inbound.message_id)
            return Delivery(lang=lang, replies=(Reply(parts=(Msg("common.apology"),)),))
        finally:
            metrics.STEP_SECONDS.labels(inbound.channel).observe(time.perf_counter() - started)

    def _give_up(self, channel: str, message_id: str) -> None:
        """A kept message whose step failed is not stepped again: the apology asks for it again (as
        on a channel that logs the id in the step, where the failed step leaves nothing)."""
        try:
            with self.db.transaction() as session:
                inbox.give_up(session, channel, message_id)
        except Exception:  # e.g. the database is gone: the message stays pending and is stepped later
            log.exception("kept %s message %s stays pending", channel, message_id)

    def _step(
        self, inbound: Inbound, now: datetime, lang: str, check: bool
    ) -> Delivery | None | _EarlierFirst:
        try:
            with self.db.transaction() as session:
                return self._step_in(session, inbound, now, lang, check)
        except _Redelivered:  # rolled back: a redelivery changes nothing, not even a first contact
            log.info("duplicate %s message %s ignored", inbound.channel, inbound.message_id)
            return None
        except _EarlierFirst as earlier:  # rolled back: the sender's earlier messages go first
            log.info(
                "%s message %s waits for %d earlier of its sender",
                inbound.channel,
                inbound.message_id,
                len(earlier.waiting),
            )
            return earlier

    def _step_in(self, session: Session, inbound: Inbound, now: datetime, lang: str, check: bool) -> Delivery:
        person, identity, created = repo.find_or_create_person(
            session, inbound.channel, inbound.external_id, lang, now, phone=inbound.phone
        )  # (holds the sender's lock: their other steps, in any process, wait for this one)
        if check and inbound.kept and inbound.message_id is not None:
            waiting = inbox.earlier(session, inbound.channel, inbound.external_id, inbound.message_id)
            if waiting:
                raise _EarlierFirst(waiting)
        if inbound.message_id is not None and not self._first_time(session, inbound, now, person.id):
            raise _Redelivered
        repo.note_inbound(session, identity, now)  # the last message time; whoever writes can be answered
        with session.no_autoflush:
            state = repo.load_state(session, person.id) or State(lang=person.language)
            facts = repo.person_facts(session, person, inbound.channel, inbound.profile_name)
        person_id = person.id
        stepped = run_step(session, person, facts, state, inbound.input, now, self.program, self.catalogs)
        sprint, replies = stepped.sprint, stepped.replies
        log.info(
            "step %s person=%s in=%s out=%d effects=%s",
            inbound.channel,
            person_id,
            type(inbound.input).__name__,
            len(sprint.replies),
            ",".join(type(e).__name__ for e in sprint.effects) or "-",
        )
        ids: list[int] = []
        claimed: list[outbox.Claimed] = []
        render = self.renderers.get(inbound.channel)
        if render is not None and replies:
            parts = render(sprint.state.lang, replies)
            ids, claimed = outbox.enqueue_claimed(
                session,
                # the person deleted their data in this step: the confirmation is no one's row (its
                # address only until it is sent, as any row's)
                person_id=person_id if stepped.kept else None,
                channel=inbound.channel,
                kind="reply",
                payloads=[{"to": inbound.external_id, "part": part} for part in parts],
                now=now,
                lease=self.outbox_lease,
                templates=[part.get("content_sid") for part in parts],
                by=process_id(),
            )
        return Delivery(
            lang=sprint.state.lang,
            replies=replies,
            person_id=person_id,
            outbox_ids=tuple(ids),
            claimed=tuple(claimed),
        )

    @staticmethod
    def _first_time(session: Session, inbound: Inbound, now: datetime, person_id: int) -> bool:
        """Log the message's id, or take the row the channel kept; False when it was stepped before."""
        assert inbound.message_id is not None
        kind = type(inbound.input).__name__.lower()
        if inbound.kept:
            return inbox.take(session, inbound.channel, inbound.message_id, kind, person_id)
        return repo.record_inbound(session, inbound.channel, inbound.message_id, kind, now, person_id)


class _Redelivered(Exception):
    """This (channel, message id) was processed before: roll the transaction back, answer nothing."""


class _EarlierFirst(Exception):  # noqa: N818 - not an error: the step waits its turn
    """The sender's earlier kept messages are still pending: roll back, step them first."""

    def __init__(self, waiting: list[inbox.Waiting]) -> None:
        super().__init__(len(waiting))
        self.waiting = waiting


def _with_before(delivery: Delivery | None, before: list[Delivery]) -> Delivery | None:
    """This step's delivery, after those of the earlier messages it stepped first."""
    if not before:
        return delivery
    if delivery is None:  # this one was stepped meanwhile: only the earlier ones' to send
        last = before[-1]
        return Delivery(lang=last.lang, person_id=last.person_id, before=tuple(before))
    return replace(delivery, before=tuple(before))
