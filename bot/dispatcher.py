"""The dispatcher: runs one conversation step for one inbound message inside one DB transaction.

    inbound → [transaction: dedupe, find person, load state, step, apply effects, save state] → delivery

Sending happens after the commit, by the channel that received the message. If anything fails
inside the transaction, nothing of it is stored and the person gets an apology, not silence.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.i18n import Catalogs
from flows import FLOWS, Bookings, BookingsNotLoaded, Context, Input, Msg, Outgoing, Program, Reply, State
from flows.context import StaffQueue
from flows.effects import DeleteMyData
from flows.engine import step
from flows.events import result_replies
from flows.program import LANGUAGES, STAFF_ROLES
from flows.staff import staff_result_replies
from flows.staff_queue import queue_result_replies
from storage import events as bookings
from storage import inbox, repo, staff, staff_queue
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
        on_staff = facts.role in STAFF_ROLES  # their center's requests and cases: read when a step looks
        ctx = Context(program=self.program, lexicon=self.catalogs, person=facts, bookings=None,
                      staff_queue=None if on_staff else StaffQueue())
        try:
            sprint = step(state, inbound.input, now, ctx, FLOWS)
        except BookingsNotLoaded:  # this step looks at events or meetings: read them, step again
            offers = bookings.event_facts(session, person.id, facts.center, state.lang, now,
                                          self.program.scheduling.scheduler.exposure_buttons,
                                          staff_center=facts.staff_center)
            ctx = replace(ctx, bookings=Bookings(offers.exposure, offers.events, offers.meetings,
                                                 offers.staff_events))
            if on_staff:
                ctx = replace(ctx, staff_queue=staff_queue.load_queue(session, facts.role, facts.staff_center,
                                                                      self.program))
            sprint = step(state, inbound.input, now, ctx, FLOWS)
        person_id = person.id
        replies = sprint.replies
        if any(isinstance(e, DeleteMyData) for e in sprint.effects):
            bookings.release_seats(session, person.id, now, self.program)  # the waitlist gets them
        if repo.apply_effects(session, person, sprint.effects, now):
            repo.save_state(session, person_id, sprint.state, now)
            # sign-ups and meeting answers: decided here, under the event's lock; told in the
            # person's words before the next question (if the flow below asks one again)
            results = bookings.apply_bookings(session, person, sprint.effects, now, self.program,
                                              sprint.state.lang)
            told = tuple(r for result in results for r in result_replies(result, sprint.state.lang))
            # staff adding, editing or cancelling an event: the same storage functions as the CLI
            done = staff.apply_staff_effects(session, person, sprint.effects, now, self.program,
                                             sprint.state.lang)
            told += tuple(r for result in done for r in staff_result_replies(result))
            # staff closing a "talk to a person" request, a manager deciding a case: as the CLI does
            handled = staff_queue.apply_queue_effects(session, person, sprint.effects, now, self.program)
            told += tuple(r for result in handled for r in queue_result_replies(result))
            asking = (i for i, r in enumerate(replies) if isinstance(r, Reply) and r.choices)
            at = next(asking, len(replies))
            replies = (*replies[:at], *told, *replies[at:])
        log.info("step %s person=%s in=%s out=%d effects=%s", inbound.channel, person_id,
                 type(inbound.input).__name__, len(sprint.replies),
                 ",".join(type(e).__name__ for e in sprint.effects) or "-")
        return Delivery(lang=sprint.state.lang, replies=replies, person_id=person_id)

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
