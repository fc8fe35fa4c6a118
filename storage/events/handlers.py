"""How a step's booking effects are applied (`HANDLERS`, joined by `bot/registry`), and what each
result tells the person."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flows.events.effects import AnswerAttendance, AnswerOffer, CancelSignup, LetOfferLapse, SignUp
from flows.meetings.effects import AnswerMeeting
from flows.program import Program
from flows.results import BookingResult, MeetingAnswerResult
from storage.effects import Applying, Handler
from storage.events.catalog import event_id_of
from storage.events.facts import offer_of
from storage.events.meetings import answer_meeting
from storage.events.signups import (
    answer_attendance,
    answer_offer,
    cancel_signup,
    lapse_offer,
    seats_taken,
    sign_up,
)
from storage.models import Event
from storage.refs import ref_id


def _meeting_answer(a: Applying, effect: AnswerMeeting) -> MeetingAnswerResult:
    from storage import homework  # homework → handoffs → events: imported when a meeting is answered

    meeting_id = ref_id(effect.meeting, "m") or 0
    if effect.action == "confirm" and homework.blocks_booking(a.session, a.person.id, _program(a)):
        return MeetingAnswerResult("blocked_homework")  # told why, and how to clear it
    status = answer_meeting(a.session, a.person.id, meeting_id, effect.action, effect.reason, a.now)
    return MeetingAnswerResult(status)


def _offer_lapsed(a: Applying, effect: LetOfferLapse) -> None:
    """Said nothing: the seat passes on quietly."""
    event_id = event_id_of(effect.event)
    if event_id is not None:
        lapse_offer(a.session, a.person.id, event_id, a.now, _program(a))


def _program(a: Applying) -> Program:
    assert a.program is not None, "booking effects are applied with the program's rules"
    return a.program


def _on_event(action: str, decide: Callable[[Applying, Any, int], tuple[str, int | None]]) -> Handler:
    """A booking on one event: decided under the event's lock, told with the event as it is now."""

    def handle(a: Applying, effect: Any) -> BookingResult:
        event_id = event_id_of(effect.event)
        if event_id is None:
            return BookingResult("signup", "unavailable")
        status, position = decide(a, effect, event_id)
        event = a.session.get(Event, event_id)
        offer = offer_of(event, a.lang, seats_taken(a.session, event.id)) if event is not None else None
        return BookingResult(action, status, offer, position)

    return handle


def _sign_up(a: Applying, effect: SignUp, event_id: int) -> tuple[str, int | None]:
    return sign_up(a.session, a.person.id, event_id, a.now, _program(a))


def _cancel(a: Applying, effect: CancelSignup, event_id: int) -> tuple[str, int | None]:
    return cancel_signup(a.session, a.person.id, event_id, a.now, _program(a)), None


def _offer(a: Applying, effect: AnswerOffer, event_id: int) -> tuple[str, int | None]:
    return answer_offer(a.session, a.person.id, event_id, effect.accept, a.now, _program(a)), None


def _attendance(a: Applying, effect: AnswerAttendance, event_id: int) -> tuple[str, int | None]:
    return answer_attendance(a.session, a.person.id, event_id, effect.coming, a.now, _program(a)), None


HANDLERS: dict[type, Handler] = {
    SignUp: _on_event("signup", _sign_up),
    CancelSignup: _on_event("cancel", _cancel),
    AnswerOffer: _on_event("offer", _offer),
    AnswerAttendance: _on_event("attendance", _attendance),
    AnswerMeeting: _meeting_answer,
    LetOfferLapse: _offer_lapsed,
}
