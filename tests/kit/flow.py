"""A test kit that reads like a chat transcript, for the pure flows.

    chat = FlowChat()
    chat.send("/start")
    chat.click("כן, נתחיל")
    assert "גיל" in chat.last_text()

The state is written to JSON and read back after every step, as the shell does. This is the flow
backend of the kit's one person API (tests/kit/chat.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.i18n import Catalogs
from bot.program_config import load_program
from flows import (
    Command,
    Contact,
    Context,
    Input,
    PersonFacts,
    Pressed,
    Reply,
    Sprint,
    State,
    Text,
    Unsupported,
    step,
)
from flows.context import Bookings
from flows.effects import ArmTimeout, Effect, RecordOutcome, SetLanguage, SetOptOut, SetPhone
from flows.inputs import Timeout
from flows.registry import proactive_sprint

CATALOGS = Catalogs(strict=True)
PROGRAM = load_program(None)
TZ = ZoneInfo("Asia/Jerusalem")
START = datetime(2026, 11, 22, 10, 0, tzinfo=TZ)  # a Sunday morning


@dataclass
class FlowChat:
    lang: str = "he"
    person: PersonFacts = field(default_factory=PersonFacts)
    now: datetime = START
    program: object = PROGRAM
    bookings: Bookings = field(default_factory=Bookings)  # what the shell would read for the step
    state: State = field(init=False)
    replies: list[Reply] = field(default_factory=list)
    effects: list[Effect] = field(default_factory=list)
    last_batch: list[Reply] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.state = State(lang=self.lang)

    # ---- what the person does ----------------------------------------------------------------
    def send(self, text: str) -> FlowChat:
        if text.startswith("/"):
            name, _, args = text[1:].partition(" ")
            return self.feed(Command(name.lower(), args))
        return self.feed(Text(text))

    def click(self, label: str) -> FlowChat:
        """Press the button whose label (in the person's language) contains `label`."""
        choices = self.last_choices()
        matches = [c for c in choices if label in self.render(c.label)]
        assert matches, f"no button {label!r} among {[self.render(c.label) for c in choices]}"
        return self.feed(Pressed(matches[0].payload))

    def press(self, payload: str) -> FlowChat:
        return self.feed(Pressed(payload))

    def share_contact(self, phone: str, own: bool = True) -> FlowChat:
        return self.feed(Contact(phone, own))

    def send_sticker(self) -> FlowChat:
        return self.feed(Unsupported("sticker"))

    def wait(self, **delta: float) -> FlowChat:
        self.now += timedelta(**delta)
        return self

    def context(self) -> Context:
        """What the shell knows for a step; kits of other features add their facts."""
        return Context(
            program=self.program,
            lexicon=CATALOGS,
            person=self.person,  # type: ignore[arg-type]
            bookings=self.bookings,
        )

    def proactive(self, kind: str, data: dict[str, object]) -> FlowChat:
        """A message the scheduler starts (a feature's PROACTIVE), with this step's context."""
        return self.take(proactive_sprint(self.state, kind, data, self.now, self.context()))

    def time_out(self) -> FlowChat:
        """Nobody answered: the scheduler delivers the last armed timeout when it is due."""
        (armed,) = [e for e in self.effects if isinstance(e, ArmTimeout)][-1:]
        self.now = armed.at
        return self.feed(Timeout(armed.seq))

    def feed(self, inp: Input) -> FlowChat:
        return self.take(step(self.state, inp, self.now, self.context()))

    def take(self, sprint: Sprint) -> FlowChat:
        """A step's (or a proactive message's) sprint, as the shell takes it: the state saved as JSON
        and read back, the replies shown, the effects applied; five seconds pass."""
        self.state = State.from_json(sprint.state.to_json())
        assert self.state.to_json() == sprint.state.to_json()
        self.last_batch = [r for r in sprint.replies if isinstance(r, Reply)]
        self.replies += self.last_batch
        self.effects += sprint.effects
        self._apply(sprint.effects)
        self.now += timedelta(seconds=5)
        return self

    def _apply(self, effects: tuple[Effect, ...]) -> None:
        """What the shell would remember and tell the next step about."""
        for e in effects:
            if isinstance(e, RecordOutcome):
                self.person = replace(self.person, outcome=e.outcome, center=e.center)
            elif isinstance(e, SetOptOut):
                self.person = replace(self.person, opted_out=e.opted_out)
            elif isinstance(e, SetPhone):
                self.person = replace(self.person, phone=e.phone)
            elif isinstance(e, SetLanguage):
                self.lang = e.lang

    # ---- what the person sees ----------------------------------------------------------------
    def render(self, msg) -> str:  # type: ignore[no-untyped-def]
        return CATALOGS.translator(self.state.lang).render(msg).replace("\u2068", "").replace("\u2069", "")

    def text_of(self, reply: Reply) -> str:
        return "\n\n".join(self.render(p) for p in reply.parts)

    def last_text(self) -> str:
        return "\n\n".join(self.text_of(r) for r in self.last_batch)

    def text(self) -> str:
        return self.last_text()

    def said(self) -> list[str]:
        """The message keys of the last step's replies."""
        return [p.key for r in self.last_batch for p in r.parts]

    def last_choices(self):  # type: ignore[no-untyped-def]
        for reply in reversed(self.last_batch):
            if reply.choices:
                return list(reply.choices)
        return []

    def buttons(self) -> list[str]:
        return [self.render(c.label) for c in self.last_choices()]

    def effects_of(self, kind: type) -> list:  # type: ignore[type-arg]
        return [e for e in self.effects if isinstance(e, kind)]
