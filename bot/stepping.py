"""One conversation step inside an open transaction, and everything it decided stored.

The dispatcher calls it for a person's message; the scheduler for a question's `Timeout`. Both get
the same reading of bookings on demand (a pure step that looks at them raises `BookingsNotLoaded`
and runs again with them), the same effects applied, and the outcomes of sign-ups and staff actions
said in the person's words before the next question.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.orm import Session

from bot.registry import EFFECT_HANDLERS
from flows import (
    FLOWS,
    Bookings,
    BookingsNotLoaded,
    Context,
    Input,
    Outgoing,
    PersonFacts,
    Program,
    Reply,
    State,
)
from flows.context import Lexicon, StaffQueue
from flows.engine import Sprint, step
from flows.program import STAFF_ROLES
from flows.registry import told
from storage import effects as storage_effects
from storage import events as bookings
from storage import repo, staff_queue
from storage.effects import Applying
from storage.models import Person


@dataclass(frozen=True)
class Stepped:
    sprint: Sprint
    replies: tuple[Outgoing, ...]  # the sprint's, with what the shell decided told in place
    kept: bool  # False: the person deleted their data in this step


def run_step(session: Session, person: Person, facts: PersonFacts, state: State, inp: Input, now: datetime,
             program: Program, lexicon: Lexicon) -> Stepped:
    on_staff = facts.role in STAFF_ROLES  # their center's requests and cases: read when a step looks
    ctx = Context(program=program, lexicon=lexicon, person=facts, bookings=None,
                  staff_queue=None if on_staff else StaffQueue())
    try:
        sprint = step(state, inp, now, ctx, FLOWS)
    except BookingsNotLoaded:  # this step looks at events or meetings: read them, step again
        offers = bookings.event_facts(session, person.id, facts.center, state.lang, now,
                                      program.scheduling.scheduler.exposure_buttons,
                                      staff_center=facts.staff_center)
        ctx = replace(ctx, bookings=Bookings(offers.exposure, offers.events, offers.meetings,
                                             offers.staff_events))
        if on_staff:
            ctx = replace(ctx, staff_queue=staff_queue.load_queue(session, facts.role, facts.staff_center,
                                                                  program))
        sprint = step(state, inp, now, ctx, FLOWS)
    replies = sprint.replies
    # every effect through the one table (bot/registry.py): sign-ups and meeting answers decided
    # here, under the event's lock; staff actions with the same storage functions as the CLI
    applying = Applying(session, person, now, program, sprint.state.lang)
    applied = storage_effects.apply(applying, sprint.effects, EFFECT_HANDLERS)
    if not applied.kept:
        return Stepped(sprint, replies, kept=False)
    repo.save_state(session, person.id, sprint.state, now)
    # told in the person's words before the next question (if the flow below asks one again)
    said = told(applied.results, sprint.state.lang)
    asking = (i for i, r in enumerate(replies) if isinstance(r, Reply) and r.choices)
    at = next(asking, len(replies))
    return Stepped(sprint, (*replies[:at], *said, *replies[at:]), kept=True)
