"""Employment history as values both layers share: what a status survey said about work, and the
employment periods the program's reports are computed from (`../shared/domain.md`, "Exact
definitions for the reports").

    survey answers ──▶ JobReport ──▶ (storage) the person's Periods, corrected by each new report
                                      ──▶ placed, time to first placement, persistence at N months

Salary is sensitive: it is kept only when the person gave it (a number, or a range), and shown
only to staff whose role allows it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any, Literal

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
    ref: int | None = None  # the stored row it was read from (storage's id); None: not stored yet

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


# ---- a report corrects the history ----------------------------------------------------------------
def apply_report(periods: Sequence[Period], report: JobReport) -> tuple[Period, ...]:
    """The person's periods once `report` is taken in (the later answer wins), earliest first.

    not working      the open period is closed: its last day is the day before the report (a period
                     that would start on or after that day is dropped: the report says otherwise)
    same job         the latest period goes on (open again if a report had closed it); a
                     percentage, salary or occupation given now replaces the one kept, one not
                     given leaves it; an earlier "since" moves its start back
    a new job        a period from `since` (the report's day when not given, or when later); what
                     was held then ends the day before, and a period starting on or after it is
                     dropped (the later answer corrects it)

    `same_job` not asked (None) with a job on record: the same job when `since` is not given or is
    that job's start, else a new one."""
    kept = sorted(periods, key=lambda p: p.start)
    day = report.reported_on
    if not report.working:
        return tuple(_closed_before(kept, day))
    start = min(report.since or day, day)
    latest = kept[-1] if kept else None
    same = report.same_job
    if same is None and latest is not None and latest.end is None:
        same = report.since is None or report.since == latest.start
    if same and latest is not None:
        return (*kept[:-1], _continued(latest, report))
    new = Period(
        start=start,
        occupation_code=report.occupation_code,
        occupation_text=report.occupation_text,
        percent=report.percent,
        salary=report.salary,
        found_via=report.found_via,
        survey_id=report.survey_id,
    )
    return (*_closed_before(kept, start), new)


def _closed_before(periods: Sequence[Period], day: date) -> list[Period]:
    """What is left of `periods` when nothing is held from `day` on."""
    last = day - timedelta(days=1)
    out = []
    for period in periods:
        if period.start >= day:
            continue
        if period.end is None or period.end > last:
            period = replace(period, end=last)
        out.append(period)
    return out


def _continued(period: Period, report: JobReport) -> Period:
    given: dict[str, Any] = {
        name: value
        for name, value in (
            ("occupation_code", report.occupation_code),
            ("occupation_text", report.occupation_text),
            ("percent", report.percent),
            ("salary", report.salary),
            ("found_via", report.found_via),
        )
        if value is not None
    }
    start = min(period.start, report.since) if report.since else period.start
    return replace(period, start=start, end=None, **given)


# ---- who may see what --------------------------------------------------------------------------------
def period_line(period: Period, with_salary: bool, title: str | None = None) -> str:
    """One period as staff read it ("2026-03-01 – now  4110 bookkeeper  50%  ₪7,000"). The salary
    only `with_salary` (the staff member's role allows it: `Program.may_see_salary`)."""
    until = period.end.isoformat() if period.end else "now"
    what = " ".join(x for x in (period.occupation_code, title or period.occupation_text) if x) or "?"
    parts = [f"{period.start.isoformat()} – {until}", what]
    if period.percent is not None:
        parts.append(f"{period.percent}%")
    if with_salary and period.salary is not None:
        low, high = period.salary.low, period.salary.high
        parts.append(f"₪{low:,}" if low == high else f"₪{low:,}–{high:,}")
    if period.found_via:
        parts.append(f"found via {period.found_via}")
    return "  ".join(parts)
