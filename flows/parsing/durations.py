"""Durations as people write them: "3 חודשים", "שנתיים", "half a year", "полгода", "سنتين"."""

from __future__ import annotations

from flows.parsing.normalize import normalize
from flows.parsing.numbers import find_numbers, words_number

DAY, WEEK, MONTH, YEAR = 1, 7, 30, 365

# Unit words (normalised) → (days per unit, implied count when no number is given).
# A keyword list for parsing, not user-visible text.
_UNITS: dict[str, tuple[int, float]] = {}


def _unit(days: int, count: float, *spellings: str) -> None:
    for s in spellings:
        _UNITS[normalize(s)] = (days, count)


_unit(DAY, 1, "day", "days", "יום", "ימים", "день", "дня", "дней", "يوم", "أيام", "ايام")
_unit(DAY, 2, "יומיים", "يومين")
_unit(WEEK, 1, "week", "weeks", "שבוע", "שבועות", "неделя", "недели", "недель", "неделю", "أسبوع", "اسبوع",
      "أسابيع", "اسابيع")
_unit(WEEK, 2, "שבועיים", "أسبوعين", "اسبوعين")
_unit(MONTH, 1, "month", "months", "חודש", "חודשים", "месяц", "месяца", "месяцев", "شهر", "أشهر", "اشهر",
      "شهور")
_unit(MONTH, 2, "חודשיים", "شهرين")
_unit(YEAR, 1, "year", "years", "yr", "yrs", "שנה", "שנים", "год", "года", "лет", "سنة", "سنوات", "سنين",
      "عام", "أعوام")
_unit(YEAR, 2, "שנתיים", "سنتين", "عامين")
_unit(MONTH, 6, "полгода", "חצי שנה", "half a year", "half year", "نصف سنة", "نص سنة")

_HALF = {normalize(w) for w in ("half", "חצי", "пол", "пол", "نصف", "نص")}


def parse_duration_days(text: str) -> int | None:
    """The duration in days, or None when the text names no unit of time."""
    norm = normalize(text)
    for phrase, (phrase_days, phrase_count) in _UNITS.items():  # multi-word phrases first ("חצי שנה")
        if " " in phrase and phrase in norm:
            return int(phrase_days * phrase_count)
    unit: tuple[int, float] | None = None
    for word in norm.split():
        if word in _UNITS:
            unit = _UNITS[word]
            break
        if len(word) > 1 and word[0] in "וב" and word[1:] in _UNITS:  # "בשנה", "ושנה"
            unit = _UNITS[word[1:]]
            break
    if unit is None:
        return None
    days, implied = unit
    numbers = find_numbers(text)
    count: float | None = numbers[0] if numbers else None
    if count is None:
        spelled = words_number(text)
        count = float(spelled) if spelled is not None else None
    if count is None:
        count = implied
    if any(w in _HALF for w in norm.split()) and count == implied:
        count = implied / 2
    return int(round(days * count))
