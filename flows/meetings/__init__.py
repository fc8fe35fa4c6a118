"""The meetings feature: a participant's personal meetings with a promoter — told when scheduled or
moved, reminded, and confirmed, rescheduled or cancelled from the chat.

    conversations   the `meeting` flow, the actions `bookings` shares, and how a result is told
    proactive       the `meeting` job kind (scheduled, moved, reminder)
    effects         AnswerMeeting

Its steps read the `bookings` fact (the person's meetings come with their sign-ups), and its one
effect, `AnswerMeeting`, is applied by `storage/events` (`storage/events/meetings.py`: the
meetings' notices and reminders share the events' queue).
"""

from flows.feature import Feature
from flows.meetings.conversations import (
    ASK_REASON,
    MEETING,
    MEETING_ACTIONS,
    chosen_meeting,
    meeting_msg,
    meeting_replies,
    my_meetings,
)
from flows.meetings.proactive import NOTICE_KINDS, PROACTIVE
from flows.results import MeetingAnswerResult

FEATURE = Feature(
    "meetings",
    flows=(MEETING,),
    proactive=PROACTIVE,
    results={MeetingAnswerResult: meeting_replies},
    facts=("bookings",),
    storage="events",
)

__all__ = [
    "ASK_REASON",
    "FEATURE",
    "MEETING",
    "MEETING_ACTIONS",
    "NOTICE_KINDS",
    "PROACTIVE",
    "chosen_meeting",
    "meeting_msg",
    "meeting_replies",
    "my_meetings",
]
