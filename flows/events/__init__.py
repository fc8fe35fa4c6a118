"""The events feature: a center's events in the chat — browsing and signing up (or joining the
waiting list), my sign-ups, the exposure conference after an eligible pre-screen, and what the
scheduler tells and asks about them.

    conversations   the flows: events, bookings, conference, attendance, offer
    replies         what the shell decided about a booking, reminders and notices, in words
    proactive       the job kinds: reminder, offer, event_moved, notice
    effects         SignUp, CancelSignup, AnswerOffer, LetOfferLapse, AnswerAttendance

Its effects are applied by `storage/events` (`HANDLERS`), which also loads the `bookings` fact.
"""

from flows.events.conversations import (
    ATTENDANCE,
    BOOKINGS,
    CONFERENCE,
    EVENTS,
    FLOWS,
    OFFER,
    TRACKS,
    details,
    find_event,
    fits,
    session_span,
    sessions_msg,
    status_msg,
)
from flows.events.proactive import NOTICE_KINDS, PROACTIVE
from flows.events.replies import moved_replies, notice_replies, reminder_replies, result_replies
from flows.feature import Feature, MenuEntry, for_participants
from flows.results import BookingResult

FEATURE = Feature(
    "events",
    flows=FLOWS,
    proactive=PROACTIVE,
    results={BookingResult: result_replies},
    facts=("bookings",),
    storage="events",
    menu=(
        MenuEntry("events", "menu.events", for_participants, order=40, then="push:events"),
        MenuEntry("bookings", "menu.bookings", for_participants, order=41, then="push:bookings"),
    ),
)

__all__ = [
    "ATTENDANCE",
    "BOOKINGS",
    "CONFERENCE",
    "EVENTS",
    "FEATURE",
    "FLOWS",
    "NOTICE_KINDS",
    "OFFER",
    "PROACTIVE",
    "TRACKS",
    "BookingResult",
    "details",
    "find_event",
    "fits",
    "moved_replies",
    "notice_replies",
    "reminder_replies",
    "result_replies",
    "session_span",
    "sessions_msg",
    "status_msg",
]
