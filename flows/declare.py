"""The vocabulary flows are declared in: a flow is a small graph of steps and a finish.

    Flow("language", steps=(Ask("lang", prompt="language.ask", options=...),), finish=...)

Steps run in the order declared unless one says where to go next:

- `Ask` — a question; `next` routes on the answer (a step's key, `END`, or a function of the view),
  `timeout` says what happens when nobody answers in time (the host delivers an `inputs.Timeout`);
- `Call` — another flow runs here and what it returns (`Done.result`) becomes this step's answer;
  with `repeat` it runs again while `repeat(view)` says so, the results collected in a list;
- `Branch` — no question: goes where its function of the answers says.

A step is passed over when its `skip` says so; the finish turns the answers into replies, effects and
what happens next. Everything here is data plus pure functions of a `View`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
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

END = "__end"  # a route to the flow's finish
# Where a step goes next: a step's key, END, or a function of the view giving one (None: the next
# step in the order declared).
Route = str | Callable[[View], str | None]


STAY = "__stay"  # a timeout's route: the question stays asked as it was, nothing is said


@dataclass(frozen=True)
class Timeout:
    """A question that waits at most `after` (a function of the view may say how long, or None for
    no limit). When nobody answered in time, `effects` (a function of the view) are applied and the
    flow goes to `go`: a step's key, END, or STAY. The answers then hold `TIMED_OUT` = the key of
    the question that waited."""

    after: timedelta | Callable[[View], timedelta | None]
    go: Route = END
    effects: Callable[[View], tuple[Effect, ...]] | None = None
    targets: tuple[str, ...] = ()  # where a function `go` may lead (see `Ask.targets`)


TIMED_OUT = "_timed_out"


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
    next: Route | None = None  # where the answer leads (None: the next step declared)
    timeout: Timeout | None = None
    # The answer names an earlier question to answer again ("change something" after a summary):
    # that question is asked, the answered ones after it are passed over, and the flow goes on
    # from the step named here (the summary), whose answer and those after it are cleared.
    goto: str | None = None
    # Where a function `next` may lead (step keys, END): a function cannot be read without running
    # it, so the flow diagrams (flows/diagram.py) draw these, and a test checks the function keeps
    # to them.
    targets: tuple[str, ...] = ()


@dataclass(frozen=True)
class Call:
    """Run the flow `flow` here (handed `carry(view)` as its first answers); its `Done.result` is
    this step's answer. With `repeat`, it is called again while `repeat(view)` is true after each
    return, and the answer is the list of results (several jobs, several tasks)."""

    key: str
    flow: str
    carry: Callable[[View], dict[str, Any]] | None = None
    skip: Callable[[View], bool] | None = None
    next: Route | None = None
    repeat: Callable[[View], bool] | None = None
    targets: tuple[str, ...] = ()  # where a function `next` may lead (see `Ask.targets`)


@dataclass(frozen=True)
class Branch:
    """A step with no question: goes to the step (or END) that `to` names."""

    key: str
    to: Callable[[View], str]
    skip: Callable[[View], bool] | None = None
    targets: tuple[str, ...] = ()  # where `to` may lead (see `Ask.targets`)

    next = None


Step = Ask | Call | Branch


@dataclass(frozen=True)
class Done:
    """How a flow ends. `then` is one of:

    - "pop": back to the flow underneath (its question is asked again), idle if none;
    - "idle": every flow ends;
    - "reset": every flow ends and nothing of the person is kept (after a deletion);
    - "restart-below": the flow underneath starts over;
    - "start:NAME": every flow ends and NAME starts; "push:NAME": NAME starts on top.

    `result` is what a flow started by a `Call` step hands back to its caller (with "pop").
    """

    replies: tuple[Outgoing | Msg, ...] = ()
    effects: tuple[Effect, ...] = ()
    then: str = "pop"
    carry: dict[str, Any] = field(default_factory=dict)  # answers handed to the next flow
    result: Any = None


@dataclass(frozen=True)
class Flow:
    name: str
    steps: tuple[Step, ...]
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

    def step(self, key: str | None) -> Step | None:
        return next((s for s in self.steps if s.key == key), None)

    def question(self, key: str | None) -> Ask | None:
        found = self.step(key)
        return found if isinstance(found, Ask) else None

    def index(self, key: str) -> int:
        return next(i for i, s in enumerate(self.steps) if s.key == key)


def yes_no(
    yes: str = "common.yes", no: str = "common.no", values: tuple[str, str] = ("yes", "no")
) -> tuple[Option, ...]:
    """Two buttons that a typed yes or no (in any language) also answers; `values`: what they give."""
    return (Option(values[0], yes, synonyms="synonyms.yes"), Option(values[1], no, synonyms="synonyms.no"))


@dataclass(frozen=True)
class Roles:
    """Which flows play the parts the engine knows; the registry names them, the engine names none."""

    newcomer: str  # where someone new starts (and "start over" goes)
    menu: str  # the main menu: "menu", idle input from someone known, "back" at the bottom
    resume: str  # after a long pause mid-flow: carry on or start over?
    # an intent that opens a flow ("language", "privacy", "staff") → that flow
    intents: Mapping[str, str] = field(default_factory=dict)


class Flows(Mapping[str, Flow]):
    """Every flow by name, with the roles they play."""

    def __init__(self, flows: Iterable[Flow], roles: Roles) -> None:
        self._by_name = {f.name: f for f in flows}
        self.roles = roles
        missing = {roles.newcomer, roles.menu, roles.resume, *roles.intents.values()} - set(self._by_name)
        if missing:
            raise ValueError(f"roles name flows that are not declared: {sorted(missing)}")

    def __getitem__(self, name: str) -> Flow:
        return self._by_name[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_name)

    def __len__(self) -> int:
        return len(self._by_name)

    def adding(self, *flows: Flow) -> Flows:
        """These flows and `flows` (a test's, or a feature tried out on its own)."""
        return Flows((*self._by_name.values(), *flows), self.roles)
