"""The `.ics` calendar file sent with a confirmed sign-up: one VEVENT per session.

Pure: the bytes are built from the event's data; nothing is read or written.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Calendar
from icalendar import Event as CalendarEvent

from flows.context import EventOffer, SessionInfo
from flows.messages import Document, Msg

DEFAULT_LENGTH = timedelta(hours=2)  # a session stored without an end
VERSIONS_FROM = datetime(2024, 1, 1, tzinfo=UTC)  # SEQUENCE: minutes since then (grows with each edit)


def ics_bytes(event: EventOffer, lang: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Midway//midway-assistant//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    for number, session in enumerate(event.all_sessions, start=1):
        entry = CalendarEvent()
        entry.add("uid", f"{event.ref}-{number}@midway")
        entry.add("summary", event.title)
        entry.add("dtstart", session.starts_at)
        entry.add("dtend", _end(session))
        if event.revised_at is not None:
            # a moved event's file replaces the earlier one in the calendar: same UID, later version
            revised = event.revised_at if event.revised_at.tzinfo else event.revised_at.replace(tzinfo=UTC)
            entry.add("sequence", int((revised - VERSIONS_FROM).total_seconds() // 60))
            entry.add("dtstamp", revised)
        else:
            entry.add("dtstamp", session.starts_at)  # stable bytes for one event version
        if session.place or event.place:
            entry.add("location", session.place or event.place)
        calendar.add_component(entry)
    return calendar.to_ical()


def ics_document(event: EventOffer, lang: str) -> Document:
    return Document(
        filename=f"midway-{event.ref}.ics",
        content=ics_bytes(event, lang),
        mime_type="text/calendar",
        caption=Msg("events.ics_caption", {"title": event.title}),
        useful_until=max(_end(session) for session in event.all_sessions),
    )


def _end(session: SessionInfo) -> datetime:
    return session.ends_at or session.starts_at + DEFAULT_LENGTH
