"""Events and personal meetings in the chat, as they read in a conversation.

    events      upcoming events of my center that fit my track → details → sign up (or waitlist)
    bookings    my sign-ups and meetings → cancel / take an offered seat / confirm / reschedule
    conference  after an eligible pre-screen: the next exposure conferences as buttons
    attendance  (opened by a reminder) "will you come?"            → AnswerAttendance
    offer       (opened when promoted from the waitlist) take the seat?  → AnswerOffer
    meeting     (opened when a meeting is scheduled, and by its reminders) confirm / reschedule / cancel

Whether a sign-up is confirmed or waitlisted is decided by the shell under a lock on the event, not
here: the flows emit a booking effect, and the shell answers it with a `BookingResult`, which
`result_replies` turns into what the person reads (with the `.ics` file for a confirmed seat).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flows.calendar_file import ics_document
from flows.context import Context, EventOffer, MeetingFacts, SessionInfo
from flows.declare import STAY, Ask, Done, Flow, Flows, Option, Timeout, View
from flows.effects import (
    AnswerAttendance,
    AnswerMeeting,
    AnswerOffer,
    CancelSignup,
    Effect,
    LetOfferLapse,
    SignUp,
    UpdateProfile,
)
from flows.engine import Sprint
from flows.feature import Feature, MenuEntry
from flows.messages import Msg, MsgList, Outgoing, Reply, TimeSpan
from flows.proactive import Data, ProactiveKind, asking
from flows.results import BookingResult
from flows.state import State

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


def my_meetings(view: View) -> tuple[MeetingFacts, ...]:
    return tuple(m for m in view.ctx.meetings if m.starts_at > view.now)


def booking_options(view: View) -> tuple[Option, ...]:
    events = tuple(
        Option(e.ref, "bookings.option_event", {"title": e.title, "when": e.span, "status": status_label(e)})
        for e in my_events(view)
    )
    meetings = tuple(
        Option(m.ref, "bookings.option_meeting", {"when": m.starts_at}) for m in my_meetings(view)
    )
    return (*events, *meetings)


def chosen_meeting(view: View) -> MeetingFacts | None:
    ref = view.answers.get("item")
    return next((m for m in view.ctx.meetings if m.ref == ref), None)


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


def parse_reason(text: str, view: View) -> str:
    return " ".join(text.split())[:500]


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
            options=(
                Option("coming", "reminders.coming", synonyms="synonyms.yes"),
                Option("not_coming", "reminders.not_coming", synonyms="synonyms.no"),
            ),
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
            options=(
                Option("take", "waitlist.take", synonyms="synonyms.yes"),
                Option("decline", "waitlist.decline", synonyms="synonyms.no"),
            ),
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


def meeting_msg(starts_at: datetime, place: str, promoter: str, note: str = "details") -> Msg:
    return Msg(f"meetings.{note}", {"when": starts_at, "place": place, "promoter": promoter})


def meeting_prompt(view: View) -> tuple[Msg, ...]:
    a = view.answers
    return (
        meeting_msg(when(view), a.get("place", ""), a.get("promoter", ""), a.get("note", "details")),
        Msg("meetings.ask_action"),
    )


MEETING = Flow(
    "meeting",
    steps=(Ask("action", prompt=meeting_prompt, options=MEETING_ACTIONS), ASK_REASON),
    finish=lambda v: Done(
        effects=(AnswerMeeting(v.answers["meeting"], v.answers["action"], v.answers.get("reason")),)
    ),
)

FLOWS = (EVENTS, BOOKINGS, CONFERENCE, ATTENDANCE, OFFER, MEETING)


# ---- what the shell decided, in the person's words -------------------------------------------
def result_replies(result: BookingResult, lang: str) -> tuple[Outgoing, ...]:
    event = result.event
    title: dict[str, Any] = {"title": event.title if event else ""}
    if result.status == "confirmed" and event is not None:
        confirmation = Reply(
            parts=(Msg("events.signed_up", title), sessions_msg(event), Msg("events.ics_hint"))
        )
        return (confirmation, ics_document(event, lang))
    if result.status == "waitlisted":
        return (Reply(parts=(Msg("events.waitlisted", {**title, "position": result.position or 0}),)),)
    if result.action == "meeting":
        return (Reply(parts=(Msg(f"meetings.done.{result.status}"),)),)
    key = {
        "already": "events.already",
        "unavailable": "events.unavailable",
        "cancelled": "events.cancelled_ok",
        "expired": "waitlist.expired",
        "declined": "waitlist.declined",
        "coming": "reminders.thanks_coming",
        "not_coming": "reminders.thanks_not_coming",
    }.get(result.status, "events.unavailable")
    return (Reply(parts=(Msg(key, title),)),)


def reminder_replies(data: Mapping[str, Any]) -> tuple[Outgoing, ...]:
    """A reminder that asks nothing (`data`: title, when, ends, place)."""
    title, place = str(data.get("title", "")), str(data.get("place", ""))
    params = {"title": title, "when": session_span(data), "place": place}
    return (Reply(parts=(Msg("reminders.event", params),)),)


def notice_replies(key: str, params: dict[str, Any]) -> tuple[Outgoing, ...]:
    values = {k: v for k, v in params.items() if k != "ends"}
    if params.get("when"):
        values["when"] = session_span(params)
    return (Reply(parts=(Msg(key, values),)),)


def moved_replies(data: Mapping[str, Any], lang: str) -> tuple[Outgoing, ...]:
    """An event the person is on moved (its dates, times or place): the new dates written out, and
    what it means for them. A held seat gets a fresh calendar file, as at sign-up; the waiting list
    and an offered seat get none (no seat in the calendar yet).

    `data` (JSON values): event (ref), title, sessions ([start, end or None, place], ISO times),
    status (confirmed | offered | waitlisted), revised (the event's last change, ISO time)."""
    sessions = tuple(
        SessionInfo(datetime.fromisoformat(start), datetime.fromisoformat(end) if end else None, place or "")
        for start, end, place in data["sessions"]
    )
    event = EventOffer(
        ref=str(data["event"]),
        title=str(data.get("title", "")),
        starts_at=sessions[0].starts_at,
        place=sessions[0].place,
        sessions=sessions,
        revised_at=datetime.fromisoformat(data["revised"]) if data.get("revised") else None,
    )
    parts = (Msg("events.moved_notice", {"title": event.title}), sessions_msg(event))
    status = data.get("status")
    if status == "confirmed":
        return (Reply(parts=(*parts, Msg("events.moved_calendar"))), ics_document(event, lang))
    meaning = "events.moved_offered" if status == "offered" else "events.moved_waitlisted"
    return (Reply(parts=(*parts, Msg(meaning))),)


# ---- the proactive messages of events and meetings (looked up by job kind: flows/registry.py) ---
def _reminder(state: State, data: Data, now: datetime, ctx: Context, flows: Flows) -> Sprint:
    if data.get("confirm"):  # "will you come?"
        return asking("attendance")(state, data, now, ctx, flows)
    return Sprint(state, reminder_replies(data), ())


def _moved(state: State, data: Data, now: datetime, ctx: Context, flows: Flows) -> Sprint:
    return Sprint(state, moved_replies(data, state.lang), ())


def _notice(state: State, data: Data, now: datetime, ctx: Context, flows: Flows) -> Sprint:
    return Sprint(state, notice_replies(str(data["key"]), dict(data.get("params", {}))), ())


NOTICE_KINDS = {
    "events.cancelled_notice": "notice.event_cancelled",
    "meetings.cancelled_notice": "notice.meeting_cancelled",
}

PROACTIVE = (
    ProactiveKind(
        "reminder",
        _reminder,
        lambda data: "reminder.confirm" if data.get("confirm") else "reminder.event",
        frozenset({"reminder.event", "reminder.confirm"}),
    ),
    ProactiveKind("offer", asking("offer"), lambda data: "waitlist.offer", frozenset({"waitlist.offer"})),
    ProactiveKind(
        "meeting",
        asking("meeting"),
        lambda data: f"meeting.{data.get('note', 'reminder')}",
        frozenset({"meeting.scheduled", "meeting.moved", "meeting.reminder"}),
    ),
    ProactiveKind(
        "event_moved",
        lambda state, data, now, ctx, flows: Sprint(state, moved_replies(data, state.lang), ()),
        lambda data: "notice.event_moved",
        frozenset({"notice.event_moved"}),
    ),
    ProactiveKind(
        "notice",
        lambda state, data, now, ctx, flows: Sprint(
            state, notice_replies(str(data["key"]), dict(data.get("params", {}))), ()
        ),
        lambda data: NOTICE_KINDS.get(str(data.get("key")), "notice"),
        frozenset(NOTICE_KINDS.values()),
    ),
)


FEATURE = Feature(
    "events",
    flows=FLOWS,
    proactive=PROACTIVE,
    results={BookingResult: result_replies},
    facts=("bookings",),
    storage="events",
    menu=(
        MenuEntry("events", "menu.events", lambda v: may_book(v), order=40, then="push:events"),
        MenuEntry("bookings", "menu.bookings", lambda v: may_book(v), order=41, then="push:bookings"),
    ),
)


def may_book(view: View) -> bool:
    """Eligible, with a center: events to sign up for, and sign-ups to see."""
    return view.ctx.person.outcome == "eligible" and bool(view.ctx.person.center)
