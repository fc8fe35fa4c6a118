"""A feature's pure side, declared in one place: what `flows/registry.py` collects from it.

    FEATURE = Feature(
        "events",
        flows=(EVENTS, BOOKINGS, ...),           # its conversations
        proactive=PROACTIVE,                     # kinds of due job that say something
        results={BookingResult: result_replies}, # what the shell decided, in the person's words
        facts=("bookings",),                     # what its steps read that the shell loads on demand
        storage="events",                        # storage.events.HANDLERS applies its effects
        menu=(MenuEntry("events", "menu.events", for_participants, order=40, then="push:events"),),
    )

The shell's side (the storage handlers, fact loaders, CLI) is found from it by `bot/registry.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flows.declare import Flow, View
from flows.messages import Outgoing
from flows.proactive import ProactiveKind

ResultReplies = Callable[[Any, str], tuple[Outgoing, ...]]


def for_participants(view: View) -> bool:
    """A menu entry of the program's participants: found eligible, with a center (events, sign-ups,
    homework, "I found a job")."""
    return view.ctx.person.outcome == "eligible" and bool(view.ctx.person.center)


@dataclass(frozen=True)
class MenuEntry:
    """One entry of the main menu. `order` fixes its place among all features' entries, so that the
    same number means the same entry every time the menu is shown; `then` is what choosing it does
    (a `Done.then`: "push:events", "start:prescreen"), or None where the menu itself answers."""

    value: str
    label: str  # message key
    shown: Callable[[View], bool]
    order: int
    then: str | None = None


@dataclass(frozen=True)
class Feature:
    name: str
    flows: tuple[Flow, ...] = ()
    proactive: tuple[ProactiveKind, ...] = ()
    results: Mapping[type, ResultReplies] = field(default_factory=dict)
    facts: tuple[str, ...] = ()
    # the parts the engine knows that this feature's flows play: newcomer, menu, resume, and
    # "intent:NAME" for a flow an intent opens ("intent:language")
    roles: Mapping[str, str] = field(default_factory=dict)
    storage: str | None = None  # the `storage` module whose HANDLERS apply this feature's effects
    menu: tuple[MenuEntry, ...] = ()
