"""What a proactive message about an event or a meeting needs, read when it is about to go out."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from storage.events.catalog import event_id_of, title_in
from storage.events.reminders import where_and_when
from storage.events.statuses import ACTIVE, MEETING_OPEN
from storage.models import Event, Meeting, Signup


def proactive_data(session: Session, kind: str, payload: dict[str, Any], lang: str) -> dict[str, Any] | None:
    """The data of the message, fresh from the database; None when it is no longer relevant (the
    event or meeting was cancelled, the sign-up is gone)."""
    if kind in ("reminder", "offer"):
        signup = session.get(Signup, int(payload["signup"]))
        if signup is None:
            return None
        event = session.get(Event, signup.event_id)
        wanted = "confirmed" if kind == "reminder" else "offered"
        if event is None or event.status != "active" or signup.status != wanted:
            return None
        ses = next((s for s in event.sessions if s.id == payload.get("session")), event.sessions[0])
        data: dict[str, Any] = {
            "event": f"e{event.id}",
            "title": title_in(event.titles, lang),
            "when": ses.starts_at.isoformat(),
            "ends": ses.ends_at.isoformat() if ses.ends_at else None,
            "place": ses.place,
            "confirm": bool(payload.get("confirm")),
        }
        if kind == "offer":
            data["signup"] = signup.id
        return data
    if kind == "meeting":
        meeting = session.get(Meeting, int(payload["meeting"]))
        if meeting is None or meeting.status not in MEETING_OPEN:
            return None
        return {
            "meeting": f"m{meeting.id}",
            "when": meeting.starts_at.isoformat(),
            "place": meeting.place,
            "promoter": meeting.promoter,
            "note": payload.get("note", "details"),
        }
    if kind == "event_moved":
        moved = session.get(Signup, int(payload["signup"]))
        event = session.get(Event, moved.event_id) if moved is not None else None
        if moved is None or event is None or event.status != "active" or moved.status not in ACTIVE:
            return None
        if where_and_when(event.sessions) == payload.get("was"):  # moved back meanwhile
            return None
        ordered = sorted(event.sessions, key=lambda s: s.starts_at)
        return {
            "event": f"e{event.id}",
            "title": title_in(event.titles, lang),
            "when": ordered[0].starts_at.isoformat(),
            "ends": ordered[0].ends_at.isoformat() if ordered[0].ends_at else None,
            "place": ordered[0].place,
            "sessions": [
                [s.starts_at.isoformat(), s.ends_at.isoformat() if s.ends_at else None, s.place]
                for s in ordered
            ],
            "status": moved.status,
            "revised": event.updated_at.isoformat(),  # the calendar file's version
        }
    if kind == "notice":
        params = dict(payload.get("params", {}))
        ref = params.pop("event", None)
        if ref is not None:
            event = session.get(Event, event_id_of(ref) or 0)
            params["title"] = title_in(event.titles, lang) if event else ""
            params["when"] = event.first_starts_at.isoformat() if event else ""
            first = event.sessions[0] if event and event.sessions else None
            params["ends"] = first.ends_at.isoformat() if first and first.ends_at else None
        return {"key": payload["key"], "params": params}
    return None
