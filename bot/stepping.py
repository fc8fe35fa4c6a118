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
from flows.effects import DeleteMyData
from flows.engine import Sprint, step
from flows.events import result_replies
from flows.program import STAFF_ROLES
from flows.staff import staff_result_replies
from flows.staff_queue import queue_result_replies
from storage import events as bookings
from storage import repo, staff, staff_queue
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
    if any(isinstance(e, DeleteMyData) for e in sprint.effects):
        bookings.release_seats(session, person.id, now, program)  # the waitlist gets them
    if not repo.apply_effects(session, person, sprint.effects, now):
        return Stepped(sprint, replies, kept=False)
    repo.save_state(session, person.id, sprint.state, now)
    # sign-ups and meeting answers: decided here, under the event's lock; told in the person's words
    # before the next question (if the flow below asks one again)
    results = bookings.apply_bookings(session, person, sprint.effects, now, program, sprint.state.lang)
    told = tuple(r for result in results for r in result_replies(result, sprint.state.lang))
    # staff adding, editing or cancelling an event: the same storage functions as the CLI
    done = staff.apply_staff_effects(session, person, sprint.effects, now, program, sprint.state.lang)
    told += tuple(r for result in done for r in staff_result_replies(result))
    # staff closing a "talk to a person" request, a manager deciding a case: as the CLI does
    handled = staff_queue.apply_queue_effects(session, person, sprint.effects, now, program)
    told += tuple(r for result in handled for r in queue_result_replies(result))
    asking = (i for i, r in enumerate(replies) if isinstance(r, Reply) and r.choices)
    at = next(asking, len(replies))
    return Stepped(sprint, (*replies[:at], *told, *replies[at:]), kept=True)
