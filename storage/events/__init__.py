"""Events, sign-ups, the waiting list and personal meetings, one concern a module:

    catalog     the events as they are read: listings, an event's row under its lock, titles, references
    admin       staff's changes to events (add, edit, cancel) and what each sets off
    signups     sign-ups and the waiting list: seats taken and given up, offers and their deadline
    reminders   what is queued to tell people later: reminders, the notice that an event moved
    meetings    personal meetings with a promoter
    facts       what a step reads (the `bookings` fact)
    handlers    how a step's booking effects are applied (`HANDLERS`)
    proactive   what a due message about an event or a meeting needs
    statuses    the status groups of a sign-up and of a meeting

This package is the events feature's storage (`storage="events"` in `flows/events.FEATURE`):
`bot/registry` reads its `HANDLERS` and `FACTS` here. The names below are the ones the staff
commands use (`midway events …`, `midway meetings …`); other storage modules and the scheduler
import the module that holds what they need.
"""

from storage.events.admin import NewSession, cancel_event, create_event, edit_event
from storage.events.catalog import already_listed, find_event, list_events, seat_counts, signups_of, title_in
from storage.events.facts import FACTS
from storage.events.handlers import HANDLERS
from storage.events.meetings import (
    cancel_meeting,
    create_meeting,
    list_meetings,
    mark_attendance,
    move_meeting,
)
from storage.events.reminders import moved_notices_pending
from storage.events.signups import cancel_signup, sign_up
from storage.events.statuses import ATTENDANCE

__all__ = [
    "ATTENDANCE",
    "FACTS",
    "HANDLERS",
    "NewSession",
    "already_listed",
    "cancel_event",
    "cancel_meeting",
    "cancel_signup",
    "create_event",
    "create_meeting",
    "edit_event",
    "find_event",
    "list_events",
    "list_meetings",
    "mark_attendance",
    "move_meeting",
    "moved_notices_pending",
    "seat_counts",
    "sign_up",
    "signups_of",
    "title_in",
]
