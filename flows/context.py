"""Read-only facts a step may consult: the program configuration, what the shell knows about the
person, and the lexicon (every language's rendering of a message, for matching typed replies)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from flows.program import Program


class Lexicon(Protocol):
    def texts(self, key: str) -> tuple[str, ...]:
        """The message `key` rendered in every language (without parameters)."""
        ...


@dataclass(frozen=True)
class PersonFacts:
    channel: str = "console"
    profile_name: str | None = None
    phone: str | None = None
    opted_out: bool = False
    outcome: str | None = None  # latest pre-screen outcome, if any
    center: str | None = None
    can_share_contact: bool = False


@dataclass(frozen=True)
class EventOffer:
    """An upcoming event the person may sign up for (filled in by the events feature)."""

    ref: str
    title: str
    starts_at: datetime
    place: str = ""


@dataclass(frozen=True)
class Context:
    program: Program
    lexicon: Lexicon
    person: PersonFacts = field(default_factory=PersonFacts)
    exposure_events: tuple[EventOffer, ...] = ()
