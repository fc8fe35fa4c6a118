"""The dispatcher: runs one conversation step for one inbound message inside one DB transaction.

    inbound → [transaction: dedupe, find person, load state, step, apply effects, save state] → delivery

On a channel that sends through the outbox (`bot/delivery.py`: Telegram, WhatsApp) the replies are
rendered by the channel and written as outbox rows in that same transaction (`Delivery.outbox_ids`);
the channel delivers them right after the commit, and a restart delivers what a crash left. Else
(the console) the channel sends the `Delivery` itself. If anything fails inside the transaction,
nothing of it is stored and the person gets an apology, not silence.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.i18n import Catalogs
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
    outbox_ids: tuple[int, ...] = ()  # the replies as outbox rows, to deliver after the commit
    claimed: tuple[outbox.Claimed, ...] = ()  # those rows, claimed for this process in the step


def language_from_hint(hint: str | None) -> str:
    code = (hint or "").split("-")[0].lower()
    code = {"iw": "he"}.get(code, code)
    return code if code in LANGUAGES else "he"


class Dispatcher:
    def __init__(self, db: Database, program: Program, catalogs: Catalogs, clock: Clock) -> None:
        self.db = db
        self.program = program
        self.catalogs = catalogs
        self.clock = clock
        # channel → render(lang, replies) → the platform calls: that channel's replies are outbox rows
        self.renderers: dict[str, Callable[[str, tuple[Outgoing, ...]], list[dict[str, Any]]]] = {}
        self.outbox_lease = timedelta(seconds=60)  # the app sets MIDWAY_OUTBOX_LEASE_SECONDS

    def handle(self, inbound: Inbound) -> Delivery | None:
        """Run one step. None when this message was already processed (a redelivery)."""
        now = self.clock()
        lang = language_from_hint(inbound.language_hint)
        try:
            return self._step(inbound, now, lang)
        except Exception:
            log.exception("step failed on %s (message %s)", inbound.channel, inbound.message_id)
            if inbound.kept:
                self._give_up(inbound)
            return Delivery(lang=lang, replies=(Reply(parts=(Msg("common.apology"),)),))

    def _give_up(self, inbound: Inbound) -> None:
        """A kept message whose step failed is not stepped again: the apology asks for it again (as
        on a channel that logs the id in the step, where the failed step leaves nothing)."""
        assert inbound.message_id is not None
        try:
            with self.db.transaction() as session:
                inbox.give_up(session, inbound.channel, inbound.message_id)
        except Exception:  # e.g. the database is gone: the message stays pending and is stepped later
            log.exception("kept %s message %s stays pending", inbound.channel, inbound.message_id)

    def _step(self, inbound: Inbound, now: datetime, lang: str) -> Delivery | None:
        try:
            with self.db.transaction() as session:
                return self._step_in(session, inbound, now, lang)
        except _Redelivered:  # rolled back: a redelivery changes nothing, not even a first contact
            log.info("duplicate %s message %s ignored", inbound.channel, inbound.message_id)
            return None

    def _step_in(self, session: Session, inbound: Inbound, now: datetime, lang: str) -> Delivery:
        person, identity, created = repo.find_or_create_person(
            session, inbound.channel, inbound.external_id, lang, now, phone=inbound.phone
        )
        if inbound.message_id is not None and not self._first_time(session, inbound, now, person.id):
            raise _Redelivered
        identity.last_inbound_at = now
        identity.unreachable = False  # whoever writes can be answered
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
        if render is not None and stepped.kept and replies:
            parts = render(sprint.state.lang, replies)
            ids, claimed = outbox.enqueue_claimed(
                session,
                person_id=person_id,
                channel=inbound.channel,
                kind="reply",
                payloads=[{"to": inbound.external_id, "part": part} for part in parts],
                now=now,
                lease=self.outbox_lease,
                templates=[part.get("content_sid") for part in parts],
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
