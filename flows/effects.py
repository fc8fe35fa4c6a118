"""What a step asks the shell to store. The shell applies all effects of a step in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class SaveAnswer:
    flow: str
    question: str
    raw: str
    value: Any


@dataclass(frozen=True)
class UpdateProfile:
    """Participant profile fields that a finished flow established."""

    fields: dict[str, Any]


@dataclass(frozen=True)
class RecordOutcome:
    outcome: str  # "eligible" | "not_eligible" | "manager_decision"
    center: str | None
    reasons: tuple[str, ...] = ()
    referral_suggested: bool = False
    decision_due: date | None = None


@dataclass(frozen=True)
class RequestHandoff:
    """The person asked to talk to a person; staff see it in their queue."""

    flow: str | None
    question: str | None


@dataclass(frozen=True)
class SetOptOut:
    opted_out: bool


@dataclass(frozen=True)
class SetLanguage:
    lang: str


@dataclass(frozen=True)
class SetPhone:
    phone: str


@dataclass(frozen=True)
class DeleteMyData:
    """Erase the person: profile, answers, outcomes, identities, conversation."""


# ---- events and meetings: the shell answers these with a `flows.events.BookingResult` ----------
@dataclass(frozen=True)
class SignUp:
    event: str  # an `EventOffer.ref`


@dataclass(frozen=True)
class CancelSignup:
    event: str


@dataclass(frozen=True)
class AnswerOffer:
    """Promoted from the waitlist: take the held seat, or let it pass on."""

    event: str
    accept: bool


@dataclass(frozen=True)
class AnswerAttendance:
    """The answer to "will you come?" (stored for staff); not coming frees the seat."""

    event: str
    coming: bool


@dataclass(frozen=True)
class AnswerMeeting:
    meeting: str  # a `MeetingFacts.ref`
    action: str  # confirm | reschedule | cancel
    reason: str | None = None


Effect = (
    SaveAnswer | UpdateProfile | RecordOutcome | RequestHandoff | SetOptOut | SetLanguage | SetPhone
    | DeleteMyData | SignUp | CancelSignup | AnswerOffer | AnswerAttendance | AnswerMeeting
)
