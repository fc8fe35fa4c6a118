"""Talk to a person, with no phone on file: the number staff will call, asked before a call is
promised.

    (the engine records the request first) → phone: the share button, or typed → a call promised
                                           → no phone ("back" too): the request stays; told that
                                             no one can call them without a number

The request is in the staff queue from the moment they ask, so leaving this question keeps it; a
number given here goes on their record, where the request shows it to staff.
"""

from __future__ import annotations

from flows.declare import Done, Flow, View
from flows.effects import UpdateProfile
from flows.feature import Feature
from flows.messages import Msg
from flows.prescreen import NO_PHONE, ask_phone


def handoff_finish(view: View) -> Done:
    days = view.ctx.program.handoff_reply_working_days
    phone = view.answers.get("phone")
    if phone in (None, NO_PHONE):
        return Done(replies=(Msg("handoff.ack_no_phone"),))
    return Done(
        replies=(Msg("handoff.ack_phone", {"days": days}),), effects=(UpdateProfile({"phone": phone}),)
    )


HANDOFF = Flow(
    "handoff",
    steps=(ask_phone("handoff.ask_phone", "handoff.phone_skip", "synonyms.no"),),
    finish=handoff_finish,
)


FEATURE = Feature("handoff", flows=(HANDOFF,), roles={"intent:human": HANDOFF.name}, storage="repo")
