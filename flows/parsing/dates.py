"""Dates and clock times as staff type them: "3.12", "03/12/2026", "2026-12-03", "tomorrow";
"18:00", "18.30", "1800", "6 pm", "6 in the evening" (in any of the four languages).

Days come first, as in Israel ("3.12" is the 3rd of December). A date without a year is the next
such day from today on. The words for "today", "tomorrow", "evening" and "morning" come from the
caller (the catalogs), so this module holds no language's words itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, time, timedelta

from flows.parsing.normalize import normalize
from flows.parsing.numbers import to_ascii_digits, words_number

_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
_DAY_MONTH = re.compile(r"(?<!\d)(\d{1,2})\s*[./\-]\s*(\d{1,2})(?:\s*[./\-]\s*(\d{4}|\d{2}))?(?![\d:])")
_CLOCK = re.compile(r"(?<!\d)(\d{1,2})(?:\s*[:.]\s*(\d{2}))?(?!\d)")
_HHMM = re.compile(r"^\s*(\d{1,2})(\d{2})\s*$")
LATEST_SMALL_PM = 6  # "6" alone is 18:00: nobody holds a workshop at six in the morning


def _says(text: str, phrases: Iterable[str]) -> bool:
    padded = f" {normalize(text)} "
    return any(f" {word} " in padded for word in (normalize(p) for p in phrases) if word)


def parse_day(
    text: str, today: date, today_words: Iterable[str] = (), tomorrow_words: Iterable[str] = ()
) -> date | None:
    """The day a reply names, or None. Does not judge whether it is in the past."""
    plain = to_ascii_digits(text)
    found = _ISO.search(plain)
    if found:
        year, month, day = (int(g) for g in found.groups())
        return _day(year, month, day)
    found = _DAY_MONTH.search(plain)
    if found:
        day, month = int(found.group(1)), int(found.group(2))
        if found.group(3):
            year = int(found.group(3))
            return _day(year + 2000 if year < 100 else year, month, day)
        for year in range(today.year, today.year + 5):  # 29.2 waits for a leap year
            found_day = _day(year, month, day)
            if found_day is not None and found_day >= today:
                return found_day
        return None
    tomorrow_words, today_words = tuple(tomorrow_words), tuple(today_words)
    if _says(text, tomorrow_words):
        return today + timedelta(days=1)
    if _says(text, today_words):
        return today
    return None


def _day(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:  # 31.2, 0.5, 12.13
        return None


def parse_clock(
    text: str, evening_words: Iterable[str] = (), morning_words: Iterable[str] = ()
) -> time | None:
    """The time of day a reply names, or None. "6 in the evening" and "6 pm" are 18:00; a bare hour
    from 1 to 6 is taken as afternoon or evening unless the reply says morning."""
    plain = to_ascii_digits(text)
    hour: int | None = None
    minute = 0
    packed = _HHMM.match(plain)
    found = _CLOCK.search(plain)
    if packed:
        hour, minute = int(packed.group(1)), int(packed.group(2))
    elif found:
        hour, minute = int(found.group(1)), int(found.group(2) or 0)
    else:
        hour = words_number(text)
    if hour is None:
        return None
    spaced = re.sub(r"(\d)(?=[^\d\s:.])", r"\1 ", plain)  # "6pm" says "pm"
    evening, morning = _says(spaced, evening_words), _says(spaced, morning_words)
    if hour < 12 and (evening or (1 <= hour <= LATEST_SMALL_PM and not morning)):
        hour += 12
    if morning and hour == 12:
        hour = 0
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return time(hour, minute)
