"""The program's report definitions over employment periods, exactly as `../shared/domain.md`
("Exact definitions for the reports") gives them, as of a report date D. Pure: the periods and the
day a person joined come in as values (`storage/employment.py` reads them).

    months_between(a, b)          whole calendar months elapsed (Jan 31 → Feb 28 is 0)
    months_later(day, n)          the first day n whole months after `day` (Jan 31 + 1 → Mar 1)
    first_placement(...)          the first period that started on or after joining (by D)
    placed(...)                   has one
    time_to_first_placement(...)  months from joining to its start; `placement_band` of it
    persistence(people, n, D)     still employed / still in the same job at n months, each a Share
    Share                         numerator / denominator, printed "58.0% (289/499)"
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from flows.employment import Period

PERSISTENCE_MONTHS = (6, 12, 15, 24)
# time to first placement, in months: (label, lowest, highest)
PLACEMENT_BANDS = (
    ("0–3", 0, 3),
    ("4–6", 4, 6),
    ("7–9", 7, 9),
    ("10–12", 10, 12),
    ("13–18", 13, 18),
    ("19–24", 19, 24),
)


def months_between(start: date, end: date) -> int:
    """Whole calendar months elapsed from `start` to `end` (not before it): Jan 15 → Feb 15 is 1,
    Jan 31 → Feb 28 is 0 (the 31st has not come again), Jan 31 → Mar 1 is 1."""
    if end < start:
        raise ValueError(f"{end} is before {start}")
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - 1 if end.day < start.day else months


def months_later(day: date, n: int) -> date:
    """The first day on which `n` whole months have elapsed since `day` (`months_between` ≥ n):
    the same day of the month n months on, or — when that month is too short — the 1st of the
    month after (Jan 31 + 1 → Mar 1; Aug 31 + 6 → Mar 1)."""
    index = day.year * 12 + day.month - 1 + n
    year, month = divmod(index, 12)
    month += 1
    if day.day <= calendar.monthrange(year, month)[1]:
        return date(year, month, day.day)
    return date(year + (month == 12), month % 12 + 1, 1)


def first_placement(periods: Iterable[Period], joined: date, on: date) -> Period | None:
    """The first employment period that started on or after the day they joined, by `on`."""
    started = [p for p in periods if joined <= p.start <= on]
    return min(started, key=lambda p: p.start) if started else None


def placed(periods: Iterable[Period], joined: date, on: date) -> bool:
    return first_placement(periods, joined, on) is not None


def time_to_first_placement(periods: Iterable[Period], joined: date, on: date) -> int | None:
    """Months from joining to the start of the first employment period (None: not placed)."""
    first = first_placement(periods, joined, on)
    return None if first is None else months_between(joined, first.start)


def placement_band(months: int) -> str:
    """The report's band of a time to first placement ("0–3" ... "19–24"; beyond: "25+")."""
    for label, low, high in PLACEMENT_BANDS:
        if low <= months <= high:
            return label
    return "25+"


@dataclass(frozen=True)
class Share:
    numerator: int
    denominator: int

    @property
    def percent(self) -> float | None:
        return None if self.denominator == 0 else 100 * self.numerator / self.denominator

    def __str__(self) -> str:
        percent = self.percent
        shown = "—" if percent is None else f"{percent:.1f}%"
        return f"{shown} ({self.numerator}/{self.denominator})"


@dataclass(frozen=True)
class Persistence:
    months: int
    still_employed: Share
    same_job: Share


@dataclass(frozen=True)
class History:
    """One participant as the reports see them: the day they joined and their periods."""

    joined: date
    periods: Sequence[Period]


def persistence(people: Iterable[History], months: int, on: date) -> Persistence:
    """Among placed participants whose first placement started at least `months` months before
    `on`: still employed = some period covers (first start + months); same job = the first period
    itself covers that day."""
    employed = same = counted = 0
    for person in people:
        first = first_placement(person.periods, person.joined, on)
        if first is None or months_between(first.start, on) < months:
            continue
        counted += 1
        day = months_later(first.start, months)
        if any(p.covers(day) for p in person.periods):
            employed += 1
        if first.covers(day):
            same += 1
    return Persistence(months, Share(employed, counted), Share(same, counted))


def job_kept(periods: Iterable[Period], joined: date, months: int = 6) -> date | None:
    """The day a participant has kept work `months` months (graduation: "found work and kept it six
    months"): an unbroken stretch of employment (one period, or jobs one right after another) that
    began on or after joining and lasts that long; the first such day, or None. An open period is
    taken as held (until a later report says otherwise), so the day may lie ahead."""
    found: list[tuple[date, date | None]] = []  # unbroken stretches: start, last day (None: held)
    for period in sorted((p for p in periods if p.start >= joined), key=lambda p: p.start):
        if found:
            start, end = found[-1]
            if end is None or period.start <= end + timedelta(days=1):
                found[-1] = (start, None if end is None or period.end is None else max(end, period.end))
                continue
        found.append((period.start, period.end))
    for start, end in found:
        day = months_later(start, months)
        if end is None or end >= day:
            return day
    return None
