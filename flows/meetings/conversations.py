"""Personal meetings with a promoter, as they read in a conversation.

    meeting     (opened when a meeting is scheduled or moved, and by its reminders)
                confirm / reschedule (with a reason) / cancel          → AnswerMeeting

The person's meetings are also listed, with their sign-ups, in the events feature's `bookings`
flow, which asks the same actions (`MEETING_ACTIONS`, `ASK_REASON`). The shell answers
`AnswerMeeting` with a `MeetingAnswerResult`, which `meeting_replies` says.
"""

from __future__ import annotations

from datetime import datetime

from flows.context import MeetingFacts
from flows.declare import Ask, Done, Flow, Option, View
from flows.meetings.effects import AnswerMeeting
from flows.messages import Msg, Outgoing, Reply
from flows.results import MeetingAnswerResult


def my_meetings(view: View) -> tuple[MeetingFacts, ...]:
    return tuple(m for m in view.ctx.meetings if m.starts_at > view.now)


def chosen_meeting(view: View, key: str = "item") -> MeetingFacts | None:
    ref = view.answers.get(key)
    return next((m for m in view.ctx.meetings if m.ref == ref), None)


def parse_reason(text: str, view: View) -> str:
    return " ".join(text.split())[:500]


MEETING_ACTIONS = (
    Option("confirm", "meetings.confirm", synonyms="synonyms.yes"),  # a typed "yes" confirms
    Option("reschedule", "meetings.reschedule"),
    Option("cancel", "meetings.cancel"),
)
ASK_REASON = Ask(
    "reason",
    prompt="meetings.ask_reason",
    parse=parse_reason,
    max_length=500,
    skip=lambda v: v.answers.get("action") != "reschedule",
)


def meeting_msg(starts_at: datetime, place: str, promoter: str, note: str = "details") -> Msg:
    return Msg(f"meetings.{note}", {"when": starts_at, "place": place, "promoter": promoter})


def meeting_prompt(view: View) -> tuple[Msg, ...]:
    a = view.answers
    when = datetime.fromisoformat(a["when"])
    return (
        meeting_msg(when, a.get("place", ""), a.get("promoter", ""), a.get("note", "details")),
        Msg("meetings.ask_action"),
    )


MEETING = Flow(
    "meeting",
    steps=(Ask("action", prompt=meeting_prompt, options=MEETING_ACTIONS), ASK_REASON),
    finish=lambda v: Done(
        effects=(AnswerMeeting(v.answers["meeting"], v.answers["action"], v.answers.get("reason")),)
    ),
)


# ---- what the shell decided, in the person's words -------------------------------------------
def meeting_replies(result: MeetingAnswerResult, lang: str) -> tuple[Outgoing, ...]:
    return (Reply(parts=(Msg(f"meetings.done.{result.status}"),)),)
