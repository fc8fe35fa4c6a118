"""The vocabulary flows are declared in: a flow is a list of questions and a finish.

    Flow("language", steps=(Ask("lang", prompt="language.ask", options=...),), finish=...)

A question is asked unless its `skip` says otherwise; the finish turns the answers into replies,
effects and what happens next. Everything here is data plus pure functions of a `View`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flows.context import Context
from flows.effects import Effect
from flows.messages import Msg, Outgoing


class Invalid(Exception):
    """A parser could not read the reply; `key` names the kind explanation to show."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


@dataclass(frozen=True)
class View:
    """What question callables see: the answers so far, the context, the time and the language."""

    answers: Mapping[str, Any]
    ctx: Context
    now: datetime
    lang: str


@dataclass(frozen=True)
class Option:
    value: str
    label: str  # message key
    params: dict[str, Any] = field(default_factory=dict)
    synonyms: str | None = None  # message key holding extra comma-separated names


Options = tuple[Option, ...] | Callable[[View], tuple[Option, ...]]
Prompt = str | Callable[[View], Msg | tuple[Msg, ...]]


@dataclass(frozen=True)
class Ask:
    key: str
    prompt: Prompt
    options: Options = ()
    parse: Callable[[str, View], Any] | None = None
    invalid: str = "common.invalid_choice"
    skip: Callable[[View], bool] | None = None
    multi: bool = False  # several options may be chosen, finished with "done"
    contact: bool = False  # offer the channel's share-my-phone button
    max_length: int | None = None  # free-text answers longer than this are refused kindly
    # The options only suggest a free-text answer (the profile name for "what shall we call you"):
    # typed text picks one only by its number or its exact words, else it is parsed as typed.
    suggestions: bool = False
    # A typed number is the answer itself ("12" seats), never the number of an option.
    typed_numbers: bool = False
    # The answer names an earlier question to answer again ("change something" after a summary):
    # that question is asked, the answered ones after it are passed over, and the flow goes on
    # from the step named here (the summary), whose answer and those after it are cleared.
    goto: str | None = None


@dataclass(frozen=True)
class Done:
    """How a flow ends. `then` is one of:

    - "pop": back to the flow underneath (its question is asked again), idle if none;
    - "idle": every flow ends;
    - "reset": every flow ends and nothing of the person is kept (after a deletion);
    - "restart-below": the flow underneath starts over;
    - "start:NAME": every flow ends and NAME starts; "push:NAME": NAME starts on top.
    """

    replies: tuple[Outgoing | Msg, ...] = ()
    effects: tuple[Effect, ...] = ()
    then: str = "pop"
    carry: dict[str, Any] = field(default_factory=dict)  # answers handed to the next flow


@dataclass(frozen=True)
class Flow:
    name: str
    steps: tuple[Ask, ...]
    finish: Callable[[View], Done]
    record: bool = False  # store every answer (SaveAnswer) — for flows that collect facts
    # Answers that lose their meaning when another is changed through a `goto` (a new city: its center
    # and whether one can come there are asked again).
    depends: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # Who may be in this flow (staff flows); for anyone else it does not exist: not opened, and a
    # frame of it left from before (the person's role changed) is dropped.
    allowed: Callable[[Context], bool] | None = None

    def allows(self, ctx: Context) -> bool:
        return self.allowed is None or self.allowed(ctx)

    def step(self, key: str | None) -> Ask | None:
        return next((s for s in self.steps if s.key == key), None)

    def index(self, key: str) -> int:
        return next(i for i, s in enumerate(self.steps) if s.key == key)


def yes_no(yes: str = "common.yes", no: str = "common.no") -> tuple[Option, ...]:
    return (Option("yes", yes, synonyms="synonyms.yes"), Option("no", no, synonyms="synonyms.no"))
