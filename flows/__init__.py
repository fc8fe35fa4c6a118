"""The conversation logic, pure: a step maps (state, input, now, context) to a sprint.

No I/O, no clock, no database and no channel types in this package.
"""

from flows.context import Bookings, Context, EventOffer, FactsNotLoaded, Lexicon, PersonFacts
from flows.engine import Sprint
from flows.engine import step as _step
from flows.inputs import Command, Contact, Input, Pressed, Text, Unsupported
from flows.messages import Choice, Document, Msg, MsgList, Outgoing, Reply
from flows.program import LANGUAGES, Program, program_from_dict
from flows.registry import FLOWS
from flows.state import State


def step(state: State, inp: Input, now, ctx: Context) -> Sprint:  # type: ignore[no-untyped-def]
    """One conversation step with every registered flow."""
    return _step(state, inp, now, ctx, FLOWS)


__all__ = [
    "Bookings",
    "FactsNotLoaded",
    "Choice",
    "Command",
    "Contact",
    "Context",
    "Document",
    "EventOffer",
    "FLOWS",
    "Input",
    "LANGUAGES",
    "Lexicon",
    "Msg",
    "MsgList",
    "Outgoing",
    "PersonFacts",
    "Pressed",
    "Program",
    "Reply",
    "Sprint",
    "State",
    "Text",
    "Unsupported",
    "program_from_dict",
    "step",
]
