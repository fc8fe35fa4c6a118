"""One conversation step inside an open transaction, and everything it decided stored.

The dispatcher calls it for a person's message; the scheduler for a question's `Timeout`. Both get
the same reading of facts on demand (a pure step that looks at them raises `FactsNotLoaded` and
runs again with them, read by the loader `bot/registry.py` has for that fact), the same effects
applied, and the outcomes of sign-ups and staff actions said in the person's words before the
next question.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.orm import Session

from bot.registry import EFFECT_HANDLERS, FACT_LOADERS
from flows import (
    FLOWS,
    Context,
    FactsNotLoaded,
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
from storage import repo
from storage.effects import Applying
from storage.models import Person


@dataclass(frozen=True)
class Stepped:
    sprint: Sprint
    replies: tuple[Outgoing, ...]  # the sprint's, with what the shell decided told in place
    kept: bool  # False: the person deleted their data in this step


def run_step(
    session: Session,
    person: Person,
    facts: PersonFacts,
    state: State,
    inp: Input,
    now: datetime,
    program: Program,
    lexicon: Lexicon,
) -> Stepped:
    on_staff = facts.role in STAFF_ROLES  # their center's requests and cases: read when a step looks
    ctx = Context(
        program=program,
        lexicon=lexicon,
        person=facts,
        bookings=None,
        homework_tasks=None,
        survey=None,
        staff_queue=None if on_staff else StaffQueue(),
        staff_meeting_list=None if on_staff else (),
    )
    for _ in range(len(FACT_LOADERS) + 1):
        try:
            sprint = step(state, inp, now, ctx, FLOWS)
            break
        except FactsNotLoaded as missing:  # this step looks at events, meetings...: read them, step again
            loaded = FACT_LOADERS[missing.fact](session, person.id, facts, state.lang, now, program)
            ctx = replace(ctx, **loaded)
    else:
        raise RuntimeError("a step kept asking for facts that were loaded")
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
