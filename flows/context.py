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
    track: str | None = None  # employees | self_employed | all; None: not asked yet


@dataclass(frozen=True)
class SessionInfo:
    starts_at: datetime
    ends_at: datetime | None = None
    place: str = ""


@dataclass(frozen=True)
class EventOffer:
    """An upcoming event the person may sign up for (filled in by the events feature)."""

    ref: str
    title: str  # in the person's language (titles are data, not catalog keys)
    starts_at: datetime
    place: str = ""
    center: str | None = None
    kind: str = ""
    sessions: tuple[SessionInfo, ...] = ()
    seats_left: int | None = None  # None: no limit
    signup_required: bool = True
    track: str = "all"  # employees | self_employed | all
    my_status: str | None = None  # the person's sign-up: confirmed | waitlisted | offered
    my_position: int | None = None  # on the waitlist, 1 = next


@dataclass(frozen=True)
class MeetingFacts:
    """An upcoming personal meeting of the person."""

    ref: str
    starts_at: datetime
    place: str = ""
    promoter: str = ""
    kind: str = "personal"
    status: str = "scheduled"


@dataclass(frozen=True)
class Context:
    program: Program
    lexicon: Lexicon
    person: PersonFacts = field(default_factory=PersonFacts)
    exposure_events: tuple[EventOffer, ...] = ()  # the next exposure conferences of every center
    events: tuple[EventOffer, ...] = ()  # upcoming events of the person's center, and their sign-ups
    meetings: tuple[MeetingFacts, ...] = ()
