"""The events feature's effects: the shell decides each under the event's lock (`storage/events/handlers.py`)
and answers with a `flows.results.BookingResult`."""

from __future__ import annotations

from dataclasses import dataclass

from flows.effects import Effect


@dataclass(frozen=True)
class SignUp(Effect):
    event: str  # an `EventOffer.ref`


@dataclass(frozen=True)
class CancelSignup(Effect):
    event: str


@dataclass(frozen=True)
class AnswerOffer(Effect):
    """Promoted from the waitlist: take the held seat, or let it pass on."""

    event: str
    accept: bool


@dataclass(frozen=True)
class LetOfferLapse(Effect):
    """Nobody took the offered seat in time: it passes to the next in line."""

    event: str


@dataclass(frozen=True)
class AnswerAttendance(Effect):
    """The answer to "will you come?" (stored for staff); not coming frees the seat."""

    event: str
    coming: bool
