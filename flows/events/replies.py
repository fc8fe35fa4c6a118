"""What the events feature says that is not a question: what the shell decided about a booking
(`result_replies`, with the `.ics` file for a confirmed seat), and the reminders and notices that
ask nothing."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flows.calendar_file import ics_document
from flows.context import EventOffer, SessionInfo
from flows.events.conversations import session_span, sessions_msg
from flows.messages import Msg, Outgoing, Reply
from flows.results import BookingResult


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
