"""Employment history as values both layers share: what a status survey said about work, and the
employment periods the program's reports are computed from (`../shared/domain.md`, "Exact
definitions for the reports").

    survey answers ──▶ JobReport ──▶ (storage) the person's Periods, corrected by each new report
                                      ──▶ placed, time to first placement, persistence at N months

Salary is sensitive: it is kept only when the person gave it (a number, or a range), and shown
only to staff whose role allows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

FoundVia = Literal["self", "program"]


@dataclass(frozen=True)
class Salary:
    """A monthly gross salary in shekels, as given: one number (low == high) or a range."""

    low: int
    high: int

    @property
    def middle(self) -> float:
        return (self.low + self.high) / 2


@dataclass(frozen=True)
class JobReport:
    """What one survey said about work, on the day it was answered (`reported_on`).

    `working` False: the rest of the job fields are None (`looking`/`wants_help` say the rest).
    `same_job` is None when it was not asked (no job on record before)."""

    reported_on: date
    working: bool
    since: date | None = None  # the first day of the month and year given
    occupation_code: str | None = None  # ISCO-08 unit group; None with a text: "none of these"
    occupation_text: str | None = None  # what the person typed, kept for staff to classify
    percent: int | None = None  # job percentage (part of a full-time job)
    salary: Salary | None = None
    found_via: FoundVia | None = None
    same_job: bool | None = None
    looking: bool | None = None
    wants_help: bool | None = None
    survey_id: int | None = None  # the survey it came from


@dataclass(frozen=True)
class Period:
    """One job held from `start` to `end` (None: still held on the last report)."""

    start: date
    end: date | None = None
    occupation_code: str | None = None
    occupation_text: str | None = None
    percent: int | None = None
    salary: Salary | None = None
    found_via: FoundVia | None = None
    survey_id: int | None = None  # the survey that reported it first

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)
