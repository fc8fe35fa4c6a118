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
_unit(DAY, 2, "יומיים", "يومين", "يومان")
_unit(
    WEEK,
    1,
    "week",
    "weeks",
    "שבוע",
    "שבועות",
    "неделя",
    "недели",
    "недель",
    "неделю",
    "أسبوع",
    "اسبوع",
    "أسابيع",
    "اسابيع",
)
_unit(WEEK, 2, "שבועיים", "أسبوعين", "اسبوعين", "أسبوعان")
_unit(
    MONTH, 1, "month", "months", "חודש", "חודשים", "месяц", "месяца", "месяцев", "شهر", "أشهر", "اشهر", "شهور"
)
_unit(MONTH, 2, "חודשיים", "شهرين", "شهران")
_unit(
    YEAR,
    1,
    "year",
    "years",
    "yr",
    "yrs",
    "שנה",
    "שנים",
    "год",
    "года",
    "лет",
    "سنة",
    "سنوات",
    "سنين",
    "عام",
    "أعوام",
)
_unit(YEAR, 2, "שנתיים", "سنتين", "سنتان", "عامين", "عامان")  # Arabic duals: -ين and -ان
_unit(MONTH, 6, "полгода", "חצי שנה", "half a year", "half year", "نصف سنة", "نص سنة")

_HALF = {normalize(w) for w in ("half", "חצי", "пол", "половина", "половиной", "نصف", "نص")}
_ONE_AND_A_HALF = {"полтора", "полторы"}  # "полтора года": one and a half, in one word
_CONJUNCTIONS = ("ו", "و")  # "and" prefixes: שנה וחצי, سنة ونصف
_AND = ("and", "и", "с")  # "two and a half years", "два с половиной года"


def parse_duration_days(text: str) -> int | None:
    """The duration in days, or None when the text names no unit of time."""
    norm = normalize(text)
    for phrase, (phrase_days, phrase_count) in _UNITS.items():  # multi-word phrases first ("חצי שנה")
        if " " in phrase and f" {phrase} " in f" {norm} ":  # whole words: not "half year" in "a half years"
            return int(phrase_days * phrase_count)
    unit: tuple[int, float] | None = None
    tokens = norm.split()
    at = 0  # where the unit word stands
    for i, word in enumerate(tokens):
        if word in _UNITS:
            unit, at = _UNITS[word], i
            break
        if len(word) > 1 and word[0] in "וב" and word[1:] in _UNITS:  # "בשנה", "ושנה"
            unit, at = _UNITS[word[1:]], i
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
        count = 1.5 if any(w in _ONE_AND_A_HALF for w in tokens[:at]) else implied
    for i, word in enumerate(tokens):
        if word in _HALF and i < at and not any(w in _AND for w in tokens[max(0, i - 2) : i]):
            if count == implied:  # "half a year": half of the unit
                count = implied / 2
            break
        if word in _HALF or (word[0] in _CONJUNCTIONS and word[1:] in _HALF):
            count += 0.5  # "a year and a half", "שנה וחצי", "שנתיים וחצי", "two and a half years"
            break
    return int(round(days * count))
