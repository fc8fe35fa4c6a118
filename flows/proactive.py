"""What a proactive message says, and the conversation frame it opens when it asks something.

The scheduler (in `bot/`) calls `proactive_sprint` (flows/registry.py) inside the transaction that
prepares a due row: a question (a reminder asking "will you come?", a seat offered from the
waitlist, a meeting to confirm) is a `Trigger` that opens its flow on top of the person's state,
which the scheduler saves before sending; the buttons carry the state's sequence number, so the
person's press is an ordinary answer to the engine. Time comes in as `now`; all data comes in as
`data` (JSON values).

Each kind of due job that says something is a `ProactiveKind` declared by its feature (events in
`flows/events/`, meetings in `flows/meetings/`, the manager's decision in `flows/decision_notice/`,
a question's timeout here) and collected by `flows/registry.py`: the scheduler looks a job's kind up there.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flows.context import Context
from flows.declare import Flows
from flows.engine import Sprint, step, trigger
from flows.inputs import Timeout
from flows.state import State
from flows.triggers import Trigger

Data = Mapping[str, Any]
SprintOf = Callable[[State, Data, datetime, Context, Flows], Sprint]


@dataclass(frozen=True)
class ProactiveKind:
    """A kind of due job (`scheduled_jobs.kind`) that says something to a person.

    `message_kind` names the message for the channel (WhatsApp picks its approved template by it);
    `message_kinds` is every name it can give, the only ones a templates file may configure.
    `variables` are the values a template may name beyond the shell's common ones (title, when,
    place, promoter, until, name, center): a `Msg` or a date, which the shell writes out in the
    person's language.

    A question's timeout that says something (a reminder) goes as a job of kind "timeout"; the flow
    that waited may declare `ProactiveKind(f"timeout.{flow}", ...)` to name that message and its
    values (`data`: the waiting question's answers), as flows/homework/proactive.py does for its reminder."""

    kind: str
    sprint: SprintOf
    message_kind: Callable[[Data], str]
    message_kinds: frozenset[str]
    variables: Callable[[Data], Mapping[str, Any]] | None = None


def asking(flow: str) -> SprintOf:
    """A message that asks something: its flow opened by a trigger about the event or meeting."""

    def sprint(state: State, data: Data, now: datetime, ctx: Context, flows: Flows) -> Sprint:
        return trigger(state, about(flow, data), now, ctx, flows)

    return sprint


def about(flow: str, data: Data) -> Trigger:
    subject = data.get("event") or data.get("meeting")
    values = {k: v for k, v in data.items() if k != "confirm"}
    return Trigger(flow, values, key=None if subject is None else str(subject))


def _timed_out(state: State, data: Data, now: datetime, ctx: Context, flows: Flows) -> Sprint:
    return step(state, Timeout(int(data["seq"])), now, ctx, flows)


# A question that waited in vain (`declare.Timeout`): the flow that waited says what follows. The
# scheduler steps it with `bot.stepping.run_step` (its effects are applied as for a message).
TIMEOUT = ProactiveKind("timeout", _timed_out, lambda data: f"timeout.{data.get('flow', '')}", frozenset())
