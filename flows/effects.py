"""What a step asks the shell to store. The shell applies all effects of a step in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
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
class ArmTimeout:
    """A question waits with a time limit: at `at`, deliver `inputs.Timeout(seq)` to the person's
    conversation (the shell's durable scheduler does, like any due job). A timeout whose question
    was answered meanwhile changes nothing."""

    at: datetime
    seq: int


@dataclass(frozen=True)
class DeleteMyData:
    """Erase the person: profile, answers, outcomes, identities, conversation."""


# ---- events and meetings: the shell answers these with a `flows.results.BookingResult` (a meeting:
# `MeetingResult`) ------------------------------------------------------------------------------
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
class LetOfferLapse:
    """Nobody took the offered seat in time: it passes to the next in line."""

    event: str


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


# ---- staff in the chat: the shell checks the role again, applies these with the same storage
# functions as `midway events add|edit|cancel`, and answers with a `flows.staff.StaffResult` ------
@dataclass(frozen=True)
class NewSessionSpec:
    starts_at: datetime
    place: str = ""
    ends_at: datetime | None = None


@dataclass(frozen=True)
class CreateEvent:
    """An event of the staff member's own center (the shell takes the center from their record)."""

    kind: str
    titles: dict[str, str]
    sessions: tuple[NewSessionSpec, ...]
    capacity: int | None
    track: str
    signup_required: bool


@dataclass(frozen=True)
class EditEvent:
    event: str  # an `EventOffer.ref`
    sessions: tuple[NewSessionSpec, ...] | None = None  # every session, as it should be now
    capacity: int | None = None
    clear_capacity: bool = False


@dataclass(frozen=True)
class CancelEvent:
    event: str


# ---- staff in the chat: what waits for the center. The shell checks the role and the center again
# and answers with a `flows.staff_queue.QueueResult` --------------------------------------------
@dataclass(frozen=True)
class CloseHandoff:
    """A "talk to a person" request was handled (its "call them" task is closed with it)."""

    handoff: str  # a `HandoffFacts.ref`
    note: str | None = None


@dataclass(frozen=True)
class DecideCase:
    """The center manager decides a borderline pre-screen; the participant is told by the scheduler."""

    decision: str  # a `DecisionFacts.ref`
    approve: bool


# ---- homework: the participant tells how a task between meetings went; the shell answers with a
# `flows.homework.HomeworkResult` -------------------------------------------------------------
@dataclass(frozen=True)
class ReportHomework:
    homework: str  # a `HomeworkFacts.ref` ("hw12")
    status: str  # done | partly | help | dropped
    progress: int | None = None  # partly: how many so far (of the task's target count)
    due: date | None = None  # partly: the new date
    note: str | None = None  # for the promoter


@dataclass(frozen=True)
class HomeworkUnanswered:
    """The check-in and its reminder went unanswered: overdue, and a "call them" task for the promoter."""

    homework: str


Effect = (
    SaveAnswer
    | UpdateProfile
    | RecordOutcome
    | RequestHandoff
    | SetOptOut
    | SetLanguage
    | SetPhone
    | ArmTimeout
    | DeleteMyData
    | SignUp
    | CancelSignup
    | AnswerOffer
    | LetOfferLapse
    | AnswerAttendance
    | AnswerMeeting
    | CreateEvent
    | EditEvent
    | CancelEvent
    | CloseHandoff
    | DecideCase
    | ReportHomework
    | HomeworkUnanswered
)
