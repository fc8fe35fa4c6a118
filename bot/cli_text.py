"""What staff type on the `midway` command line, read or refused in plain words, and a count as
they read it.

    local(day, clock)          a date and a time, Israel time ("2026-12-06", "9:30")
    parse_at(text)             "YYYY-MM-DD HH:MM" (`meetings add|move --at`)
    parse_session(text)        "YYYY-MM-DD HH:MM[-HH:MM] @ place"
    parse_titles(items)        ["he=...", "en=..."]
    check_event(...)           what the staff chat checks too: a Hebrew title, seats, a place, times
    check_meeting(...)         a promoter and a place
    quiet_warnings(...)        times that fall in quiet hours: told, not refused
    known_center(session, ..)  a center slug, or UnknownCenter
    counted(n, one, many)      "1 person", "2 people"

Each refusal is a `ValueError` whose text is the one line the command prints.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date, datetime, time
from typing import Any

from sqlalchemy.orm import Session

from flows.scheduling import TIMEZONE, QuietHours
from storage import events as ev
from storage import repo

LANGUAGES = ("he", "en", "ru", "ar")
SESSION = re.compile(r"^\s*(\S+)[ T](\d{1,2}:\d{2})(?:\s*-\s*(\d{1,2}:\d{2}))?\s*(?:@\s*(.*))?$")
SESSION_EXAMPLE = '"2026-12-06 09:00-13:00 @ room 2"'


class UnknownCenter(ValueError):
    """A `--center` slug no center has: the command's usage, not a failure (exit status 2)."""


def read_date(day: Any) -> date:
    if isinstance(day, datetime):
        return day.date()
    if isinstance(day, date):
        return day
    try:
        return date.fromisoformat(str(day).strip())
    except ValueError:
        raise ValueError(f"{day!r} is not a date: write it as YYYY-MM-DD, e.g. 2026-12-06") from None


def read_clock(clock: Any) -> time:
    if isinstance(clock, time):
        return clock
    text = str(clock).strip()
    found = re.fullmatch(r"(\d{1,2}):(\d{2})", text)
    if found is None or int(found[1]) > 23 or int(found[2]) > 59:
        # YAML reads an unquoted 10:00 as the number 600: ask for quotes rather than guess
        hint = ' (in YAML, put it in quotes: "10:00")' if isinstance(clock, int) else ""
        raise ValueError(f"{clock!r} is not a time: write it as HH:MM, e.g. 09:30{hint}")
    return time(int(found[1]), int(found[2]))


def local(day: Any, clock: Any) -> datetime:
    return datetime.combine(read_date(day), read_clock(clock), TIMEZONE)


def parse_at(text: str) -> datetime:
    day, _, clock = text.strip().partition(" ")
    if not clock.strip():
        raise ValueError(f'--at is a date and a time, "YYYY-MM-DD HH:MM" (Israel time), not {text!r}')
    return local(day, clock)


def parse_session(text: str) -> ev.NewSession:
    found = SESSION.match(text)
    if not found:
        raise ValueError(f"a session looks like {SESSION_EXAMPLE}, not {text!r}")
    day, start, end, place = found.groups()
    return ev.NewSession(local(day, start), local(day, end) if end else None, (place or "").strip())


def parse_titles(items: list[str]) -> dict[str, str]:
    titles = {}
    for item in items:
        lang, sep, text = item.partition("=")
        if not sep or lang.strip() not in LANGUAGES:
            raise ValueError(f"a title is LANG=TEXT with LANG one of {', '.join(LANGUAGES)}, not {item!r}")
        titles[lang.strip()] = text.strip()
    return titles


def when(moment: datetime) -> str:
    return moment.astimezone(TIMEZONE).strftime("%Y-%m-%d %H:%M")


# ---- the checks the staff chat makes as it asks (flows/staff/) -----------------------------
def check_titles(titles: dict[str, str]) -> None:
    if not titles.get("he", "").strip():
        raise ValueError('an event needs a title in Hebrew: --title he="..." (other languages are optional)')


def check_capacity(capacity: int | None) -> None:
    if capacity is not None and capacity < 1:
        raise ValueError(f"capacity {capacity} leaves no seat: give at least 1, or leave it out for no limit")


def check_sessions(sessions: Iterable[ev.NewSession], now: datetime) -> None:
    for s in sessions:
        if s.ends_at is not None and s.ends_at <= s.starts_at:
            ends = s.ends_at.astimezone(TIMEZONE).strftime("%H:%M")
            raise ValueError(f"the session on {when(s.starts_at)} ends at {ends}, before it starts")
        if s.starts_at <= now:
            raise ValueError(f"the session on {when(s.starts_at)} is in the past")
        if not s.place.strip():
            raise ValueError(
                f"the session on {when(s.starts_at)} has no place: add it after @, e.g. {SESSION_EXAMPLE}"
            )


def check_event(
    titles: dict[str, str], sessions: list[ev.NewSession], capacity: int | None, now: datetime
) -> None:
    check_titles(titles)
    check_capacity(capacity)
    check_sessions(sessions, now)


def check_meeting(promoter: str, place: str) -> None:
    if not promoter.strip():
        raise ValueError("--promoter is the name participants will see: it cannot be empty")
    if not place.strip():
        raise ValueError('a meeting needs a place, so the participant knows where to come: --place "room 4"')


def quiet_warnings(moments: Iterable[datetime], quiet: QuietHours) -> list[str]:
    """A time in quiet hours (night, Shabbat, a holiday) is allowed but rarely meant: say so."""
    return [
        f"warning: {moment.astimezone(TIMEZONE):%A %Y-%m-%d %H:%M} is in quiet hours "
        "(night, Shabbat or a holiday); saved as given, check that the time is right"
        for moment in moments
        if quiet.quiet(moment)
    ]


def known_center(session: Session, slug: str | None) -> str | None:
    """The slug as given, if a center has it (None stays None: every center)."""
    if slug is None:
        return None
    slugs = list(repo.center_slugs(session).values())
    if slug not in slugs:
        raise UnknownCenter(f"unknown center {slug!r}; the centers are: {', '.join(slugs)}")
    return slug


def counted(n: int, one: str, many: str) -> str:
    """ "1 person", "2 people": staff output reads as English is written."""
    return f"{n} {one if n == 1 else many}"


def one_line_errors(command: Callable[[], int]) -> int:
    """Run a staff command; what it refuses is one line and an exit code (2: an unknown center)."""
    try:
        return command()
    except UnknownCenter as error:
        print(f"error: {error}")
        return 2
    except (ValueError, LookupError) as error:
        print(f"error: {error}")
        return 1
