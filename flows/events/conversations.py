"""Events in the chat, as they read in a conversation.

    events      upcoming events of my center that fit my track → details → sign up (or waitlist)
    bookings    my sign-ups and meetings → cancel / take an offered seat / confirm / reschedule
                (a meeting's actions are the meetings feature's: `flows/meetings`)
    conference  after an eligible pre-screen: the next exposure conferences as buttons
    attendance  (opened by a reminder) "will you come?"            → AnswerAttendance
    offer       (opened when promoted from the waitlist) take the seat?  → AnswerOffer

Whether a sign-up is confirmed or waitlisted is decided by the shell under a lock on the event, not
here: the flows emit a booking effect, and the shell answers it with a `BookingResult`, which
`flows/events/replies.result_replies` turns into what the person reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flows.context import EventOffer
from flows.declare import STAY, Ask, Done, Flow, Option, Timeout, View, yes_no
from flows.effects import Effect, UpdateProfile
from flows.events.effects import AnswerAttendance, AnswerOffer, CancelSignup, LetOfferLapse, SignUp
from flows.meetings.conversations import ASK_REASON, MEETING_ACTIONS, chosen_meeting, meeting_msg, my_meetings
from flows.meetings.effects import AnswerMeeting
from flows.messages import Msg, MsgList, TimeSpan

TRACKS = ("employees", "self_employed", "all")
MAX_LISTED = 8  # events offered as buttons at once


# ---- what the person can see -----------------------------------------------------------------
def fits(event_track: str, person_track: str | None) -> bool:
    return event_track == "all" or person_track in (None, "all") or event_track == person_track


def person_track(view: View) -> str | None:
    return view.answers.get("track") or view.ctx.person.track


def center_events(view: View) -> tuple[EventOffer, ...]:
    center = view.ctx.person.center
    return tuple(e for e in view.ctx.events if e.center == center and e.starts_at > view.now)


def visible_events(view: View) -> tuple[EventOffer, ...]:
    track = person_track(view)
    return tuple(e for e in center_events(view) if fits(e.track, track))[:MAX_LISTED]


def find_event(view: View, ref: str | None) -> EventOffer | None:
    return next((e for e in (*view.ctx.events, *view.ctx.exposure_events) if e.ref == ref), None)


def sessions_msg(event: EventOffer) -> Msg:
    lines = tuple(
        Msg("events.session_line", {"when": s.span, "place": s.place or event.place})
        for s in event.all_sessions
    )
    return Msg("common.list", {"items": MsgList(lines)})


def details(event: EventOffer) -> tuple[Msg, ...]:
    parts = [Msg("events.details", {"title": event.title}), sessions_msg(event)]
    # the seats left are news only to someone not on it yet (a seat offered from the waiting list
    # is theirs, however full the event is)
    if event.signup_required and event.seats_left is not None and event.my_status is None:
        parts.append(
            Msg("events.seats_left", {"count": event.seats_left})
            if event.seats_left > 0
            else Msg("events.full")
        )
    return tuple(parts)


# how an event the person is on is marked in the list: a seat held, a place on the waiting list,
# a seat freed up for them (waiting for their answer)
OPTION_BY_STATUS = {
    "confirmed": "events.option_mine",
    "waitlisted": "events.option_waitlisted",
    "offered": "events.option_offered",
}


def event_option(event: EventOffer) -> Option:
    label = OPTION_BY_STATUS.get(event.my_status or "", "events.option")
    return Option(event.ref, label, {"title": event.title, "when": event.span})


# ---- events: browse and sign up --------------------------------------------------------------
def track_needed(view: View) -> bool:
    return view.ctx.person.track is None and any(e.track != "all" for e in center_events(view))


def list_prompt(view: View) -> Msg:
    return Msg("events.list_intro")


def confirm_prompt(view: View) -> tuple[Msg, ...]:
    event = find_event(view, view.answers.get("event"))
    assert event is not None
    return (*details(event), Msg("events.ask_signup" if event.seats_left != 0 else "events.ask_waitlist"))


def confirm_options(view: View) -> tuple[Option, ...]:
    event = find_event(view, view.answers.get("event"))
    full = event is not None and event.seats_left == 0
    return (
        Option("yes", "events.join_waitlist" if full else "events.signup_yes", synonyms="synonyms.yes"),
        Option("no", "events.signup_no", synonyms="synonyms.no"),
    )


def needs_confirm(view: View) -> bool:
    event = find_event(view, view.answers.get("event"))
    return event is not None and event.signup_required and event.my_status is None


def events_finish(view: View) -> Done:
    effects: list[Effect] = []
    if view.answers.get("track"):
        effects.append(UpdateProfile({"track": view.answers["track"]}))
    event = find_event(view, view.answers.get("event"))
    if event is None:
        return Done(replies=(Msg("events.none"),), effects=tuple(effects))
    if not event.signup_required:
        return Done(replies=(*details(event), Msg("events.no_signup_needed")), effects=tuple(effects))
    if event.my_status is not None:
        return Done(replies=(*details(event), status_msg(event)), effects=tuple(effects))
    if view.answers.get("confirm") == "yes":
        return Done(effects=(*effects, SignUp(event.ref)))
    return Done(replies=(Msg("events.maybe_later"),), effects=tuple(effects))


def status_msg(event: EventOffer) -> Msg:
    return Msg(f"events.status.{event.my_status}", {"position": event.my_position or 0})


def status_label(event: EventOffer) -> Msg:
    """The sign-up's status in a few words, for a button (`status_msg` is a sentence)."""
    return Msg(f"bookings.status.{event.my_status}", {"position": event.my_position or 0})


EVENTS = Flow(
    "events",
    steps=(
        Ask(
            "track",
            prompt="events.ask_track",
            options=tuple(Option(t, f"events.track.{t}") for t in TRACKS),
            skip=lambda v: not track_needed(v),
        ),
        Ask(
            "event",
            prompt=list_prompt,
            options=lambda v: tuple(event_option(e) for e in visible_events(v)),
            skip=lambda v: not visible_events(v),
        ),
        Ask("confirm", prompt=confirm_prompt, options=confirm_options, skip=lambda v: not needs_confirm(v)),
    ),
    finish=events_finish,
)


# ---- my sign-ups and meetings ----------------------------------------------------------------
def my_events(view: View) -> tuple[EventOffer, ...]:
    return tuple(e for e in view.ctx.events if e.my_status and e.starts_at > view.now)


def booking_options(view: View) -> tuple[Option, ...]:
    events = tuple(
        Option(e.ref, "bookings.option_event", {"title": e.title, "when": e.span, "status": status_label(e)})
        for e in my_events(view)
    )
    meetings = tuple(
        Option(m.ref, "bookings.option_meeting", {"when": m.starts_at}) for m in my_meetings(view)
    )
    return (*events, *meetings)


def action_prompt(view: View) -> tuple[Msg, ...]:
    meeting = chosen_meeting(view)
    if meeting is not None:
        return (meeting_msg(meeting.starts_at, meeting.place, meeting.promoter), Msg("meetings.ask_action"))
    event = find_event(view, view.answers.get("item"))
    assert event is not None
    return (*details(event), status_msg(event), Msg("bookings.ask_action"))


def action_options(view: View) -> tuple[Option, ...]:
    if chosen_meeting(view) is not None:
        return (*MEETING_ACTIONS, Option("keep", "bookings.keep"))
    event = find_event(view, view.answers.get("item"))
    if event is not None and event.my_status == "offered":
        return (
            Option("take", "waitlist.take"),
            Option("decline", "waitlist.decline"),
            Option("keep", "bookings.keep"),
        )
    return (Option("cancel", "bookings.cancel"), Option("keep", "bookings.keep"))


def bookings_finish(view: View) -> Done:
    item, action = view.answers.get("item"), view.answers.get("action")
    if item is None:
        return Done(replies=(Msg("bookings.none"),))
    if action in (None, "keep"):
        return Done(replies=(Msg("bookings.kept"),))
    if chosen_meeting(view) is not None:
        return Done(effects=(AnswerMeeting(item, action, view.answers.get("reason")),))
    if action in ("take", "decline"):
        return Done(effects=(AnswerOffer(item, action == "take"),))
    return Done(effects=(CancelSignup(item),))


BOOKINGS = Flow(
    "bookings",
    steps=(
        Ask(
            "item", prompt="bookings.ask_item", options=booking_options, skip=lambda v: not booking_options(v)
        ),
        Ask("action", prompt=action_prompt, options=action_options, skip=lambda v: "item" not in v.answers),
        ASK_REASON,
    ),
    finish=bookings_finish,
)


# ---- after an eligible pre-screen: the next exposure conferences -----------------------------
def conferences(view: View) -> tuple[EventOffer, ...]:
    center = view.answers.get("center")
    limit = view.ctx.program.scheduling.scheduler.exposure_buttons
    found = (e for e in view.ctx.exposure_events if e.center == center and e.starts_at > view.now)
    return tuple(found)[:limit]


def conference_options(view: View) -> tuple[Option, ...]:
    items = tuple(
        Option(
            e.ref,
            "conference.option_full" if e.seats_left == 0 else "conference.option",
            {"when": e.span, "place": e.place},
        )
        for e in conferences(view)
    )
    return (*items, Option("later", "conference.later"))


def conference_finish(view: View) -> Done:
    choice = view.answers.get("event")
    if choice in (None, "later"):
        return Done(replies=(Msg("conference.later_ok"), Msg("common.menu_hint")), then="idle")
    return Done(effects=(SignUp(choice),), then="idle")


CONFERENCE = Flow(
    "conference",
    steps=(
        Ask("event", prompt="conference.ask", options=conference_options, skip=lambda v: not conferences(v)),
    ),
    finish=conference_finish,
)


# ---- opened by a proactive message -----------------------------------------------------------
def when(view: View, key: str = "when") -> datetime:
    return datetime.fromisoformat(view.answers[key])


def session_span(data: Mapping[str, Any]) -> TimeSpan:
    """The session a proactive message is about: "when" and, if it has one, its end ("ends")."""
    ends = data.get("ends")
    return TimeSpan(datetime.fromisoformat(data["when"]), datetime.fromisoformat(ends) if ends else None)


def attendance_prompt(view: View) -> Msg:
    a = view.answers
    return Msg(
        "reminders.event_confirm",
        {"title": a.get("title", ""), "when": session_span(a), "place": a.get("place", "")},
    )


ATTENDANCE = Flow(
    "attendance",
    steps=(
        Ask(
            "answer",
            prompt=attendance_prompt,
            options=yes_no("reminders.coming", "reminders.not_coming", values=("coming", "not_coming")),
        ),
    ),
    finish=lambda v: Done(effects=(AnswerAttendance(v.answers["event"], v.answers["answer"] == "coming"),)),
)


def offer_prompt(view: View) -> Msg:
    a = view.answers
    return Msg(
        "waitlist.offer", {"title": a.get("title", ""), "when": session_span(a), "until": when(view, "until")}
    )


OFFER = Flow(
    "offer",
    steps=(
        Ask(
            "answer",
            prompt=offer_prompt,
            options=yes_no("waitlist.take", "waitlist.decline", values=("take", "decline")),
            # the time to take the seat is up: it passes on, without a word; a late press is told so
            timeout=Timeout(
                after=lambda v: when(v, "until") - v.now,
                go=STAY,
                effects=lambda v: (LetOfferLapse(v.answers["event"]),),
            ),
        ),
    ),
    finish=lambda v: Done(effects=(AnswerOffer(v.answers["event"], v.answers["answer"] == "take"),)),
)


FLOWS = (EVENTS, BOOKINGS, CONFERENCE, ATTENDANCE, OFFER)
