"""When proactive messages may go out: reminder offsets per kind, quiet hours, the scheduler's knobs
and the program's meeting rules — configuration, plus the pure time arithmetic on it.

    quiet(moment)                       is this moment inside quiet hours?
    allowed_moment(wanted, not_after, earliest)
                                        the moment a message wanted at `wanted` really goes out:
                                        moved forward out of quiet hours while still before
                                        `not_after` (the event's start); else moved back to the
                                        last allowed moment after `earliest`; else None (dropped)

Quiet hours (defaults): every night 21:00–08:00; from Friday 14:00 to Saturday 20:00 (Shabbat,
which then runs into the night's quiet until Sunday 08:00); Jewish holidays from the `holidays`
library (Israel, "public" category: Rosh Hashana, Yom Kippur, Sukkot, Simchat Torah, Pesach,
Shavuot, Independence Day), the whole day and from 14:00 on the eve. All in Israel's time zone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import holidays

TIMEZONE = ZoneInfo("Asia/Jerusalem")
STEP = timedelta(minutes=15)  # resolution of the search for an allowed moment
HORIZON = timedelta(days=14)  # no quiet period is longer than this (Sukkot + Shabbat included)
_OFFSET = re.compile(r"^\s*(\d+)\s*([dhm])\s*$")


def parse_offset(text: str) -> timedelta:
    """ "3d", "2h", "30m" → a timedelta; ValueError otherwise."""
    found = _OFFSET.match(str(text))
    if not found:
        raise ValueError(f"a reminder offset looks like 3d, 2h or 30m, not {text!r}")
    number, unit = int(found.group(1)), found.group(2)
    return {"d": timedelta(days=number), "h": timedelta(hours=number), "m": timedelta(minutes=number)}[unit]


def _clock(text: str) -> time:
    hour, _, minute = str(text).partition(":")
    return time(int(hour), int(minute or 0))


@dataclass(frozen=True)
class QuietHours:
    enabled: bool = True
    night_start: str = "21:00"
    night_end: str = "08:00"
    friday_from: str = "14:00"
    saturday_until: str = "20:00"
    holidays: bool = True
    holiday_categories: tuple[str, ...] = ("public",)
    holiday_eve_from: str = "14:00"

    def quiet(self, moment: datetime) -> bool:
        if not self.enabled:
            return False
        local = moment.astimezone(TIMEZONE)
        clock = local.time()
        start, end = _clock(self.night_start), _clock(self.night_end)
        if (clock >= start or clock < end) if start > end else (start <= clock < end):
            return True
        weekday = local.weekday()  # Friday 4, Saturday 5
        if weekday == 4 and clock >= _clock(self.friday_from):
            return True
        if weekday == 5 and clock < _clock(self.saturday_until):
            return True
        if self.holidays:
            day = local.date()
            if _is_holiday(day, self.holiday_categories):
                return True
            if _is_holiday(day + timedelta(days=1), self.holiday_categories) and clock >= _clock(
                self.holiday_eve_from
            ):
                return True
        return False

    def next_allowed(self, moment: datetime) -> datetime:
        """The first moment at or after `moment` outside quiet hours (on a 15-minute grid)."""
        candidate = moment
        limit = moment + HORIZON
        while self.quiet(candidate) and candidate < limit:
            candidate = _ceil(candidate + timedelta(seconds=1))
        return candidate

    def last_allowed_before(self, moment: datetime, earliest: datetime) -> datetime | None:
        """The latest moment before `moment` (and not before `earliest`) outside quiet hours."""
        candidate = _floor(moment - timedelta(seconds=1))
        while candidate >= earliest:
            if not self.quiet(candidate):
                # the end of that allowed stretch, still before `moment`
                edge = candidate
                while edge + timedelta(minutes=1) < moment and not self.quiet(edge + timedelta(minutes=1)):
                    edge += timedelta(minutes=1)
                return edge
            candidate -= STEP
        return None

    def allowed_moment(
        self, wanted: datetime, not_after: datetime | None, earliest: datetime
    ) -> datetime | None:
        """Where a message wanted at `wanted` goes: see the module docstring. None: drop it."""
        wanted = max(wanted, earliest)
        moved = self.next_allowed(wanted)
        if not_after is None or moved < not_after:
            return moved
        return self.last_allowed_before(not_after, earliest)


@lru_cache(maxsize=64)
def _holidays(year: int, categories: tuple[str, ...]) -> frozenset[date]:
    return frozenset(holidays.Israel(years=year, categories=categories).keys())


def _is_holiday(day: date, categories: tuple[str, ...]) -> bool:
    return day in _holidays(day.year, categories)


def _ceil(moment: datetime) -> datetime:
    local = moment.astimezone(TIMEZONE)
    base = local.replace(minute=0, second=0, microsecond=0)
    while base < local:
        base += STEP
    return base


def _floor(moment: datetime) -> datetime:
    local = moment.astimezone(TIMEZONE)
    base = local.replace(minute=0, second=0, microsecond=0)
    while base + STEP <= local:
        base += STEP
    return base


@dataclass(frozen=True)
class Reminders:
    """Offsets before each session, per event kind ("meeting" for personal meetings)."""

    offsets: dict[str, tuple[str, ...]] = field(
        default_factory=lambda: {
            "default": ("1d", "2h"),
            "exposure_conference": ("3d",),
            "meeting": ("1d", "2h"),
            "job_club": (),
            "business_space": (),
            "community_evening": ("1d",),
        }
    )
    confirm_attendance: tuple[str, ...] = ("exposure_conference",)  # kinds whose reminder asks "coming?"

    def for_kind(self, kind: str) -> tuple[timedelta, ...]:
        raw = self.offsets.get(kind, self.offsets.get("default", ()))
        return tuple(parse_offset(o) for o in raw)


@dataclass(frozen=True)
class SchedulerSettings:
    tick_seconds: float = 1.0
    batch_size: int = 50
    lease_seconds: int = 120  # a claim not confirmed within this is taken again (a crashed process)
    max_attempts: int = 5  # transient failures before giving up on a channel
    retry_seconds: int = 30  # first back-off after a transient failure (doubles each time)
    undelivered_after_minutes: int = 60  # a platform that reports delivery: no "delivered" by then
    waitlist_confirm_hours: int = 24  # a promoted person has this long to take the seat
    exposure_buttons: int = 3  # how many exposure conferences an eligible pre-screen offers


@dataclass(frozen=True)
class MeetingRules:
    """The program's rules for personal meetings (on/off). See README for which act today."""

    late_arrival_blocks_entry: bool = True
    open_tasks_block_booking: bool = False
    intake_requires_forms: bool = True


@dataclass(frozen=True)
class HomeworkTimes:
    """When the assistant asks how a task between meetings went (Israel time), and how long it waits."""

    checkin_at: str = "10:00"  # on the due date (moved out of quiet hours)
    reminder_after_hours: int = 24  # no answer to the check-in: one reminder
    overdue_after_hours: int = 24  # no answer to the reminder either: overdue, a "call them" task

    def checkin_moment(self, day: date) -> datetime:
        """The moment wanted for the check-in on `day` (before quiet hours move it)."""
        return datetime.combine(day, _clock(self.checkin_at), TIMEZONE)


@dataclass(frozen=True)
class SurveyTimes:
    """The employment-status survey's cadence (flows/survey): who is asked, when, and how long it waits.

    Each period (`every_months` long, from January) every participant in scope gets one survey on a
    day spread over the period by their id; at most `daily_cap` invitations a day per center (the rest
    move to the next day), at `send_at` Israel time, moved out of quiet hours."""

    enabled: bool = True
    every_months: int = 3  # a quarter; 1, 2, 3, 4, 6 or 12 (whole periods in a year)
    send_at: str = "10:00"  # Israel time, on the person's day
    plan_at: str = "09:00"  # when the day's invitations are planned
    daily_cap: int = 20  # invitations a day per center
    reminder_after_days: int = 3  # no answer to the invitation: one reminder (N)
    escalate_after_days: int = 4  # no answer to the reminder: a "call them" task for the promoter
    expire_after_days: int = 21  # the survey closes, the answers so far kept (M)
    placed_months: int = 24  # placed people are asked until this long after their first placement

    def moment(self, day: date, clock: str | None = None) -> datetime:
        """`send_at` (or `clock`) on `day`, in Israel time: the same local hour across daylight saving."""
        return datetime.combine(day, _clock(clock or self.send_at), TIMEZONE)


@dataclass(frozen=True)
class Scheduling:
    quiet_hours: QuietHours = field(default_factory=QuietHours)
    reminders: Reminders = field(default_factory=Reminders)
    scheduler: SchedulerSettings = field(default_factory=SchedulerSettings)
    meetings: MeetingRules = field(default_factory=MeetingRules)
    homework: HomeworkTimes = field(default_factory=HomeworkTimes)
    survey: SurveyTimes = field(default_factory=SurveyTimes)


def _section(cls: type, data: dict[str, Any], name: str) -> Any:
    known = {f.name for f in fields(cls)}
    unknown = set(data) - known
    if unknown:
        raise ValueError(f"unknown [{name}] settings: {sorted(unknown)}")
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
    return replace(cls(), **values)


def scheduling_from_dict(data: dict[str, Any]) -> Scheduling:
    quiet = _section(QuietHours, data.get("quiet_hours", {}), "quiet_hours")
    for name in ("night_start", "night_end", "friday_from", "saturday_until", "holiday_eve_from"):
        _clock(getattr(quiet, name))
    raw = dict(data.get("reminders", {}))
    confirm = tuple(raw.pop("confirm_attendance", Reminders().confirm_attendance))
    offsets = {**Reminders().offsets, **{k: tuple(v) for k, v in raw.items()}}
    for values in offsets.values():
        for value in values:
            parse_offset(value)
    reminders = Reminders(offsets=offsets, confirm_attendance=confirm)
    scheduler = _section(SchedulerSettings, data.get("scheduler", {}), "scheduler")
    meetings = _section(MeetingRules, data.get("meetings", {}), "meetings")
    homework = _section(HomeworkTimes, data.get("homework", {}), "homework")
    _clock(homework.checkin_at)
    survey = _section(SurveyTimes, data.get("survey", {}), "survey")
    _clock(survey.send_at)
    _clock(survey.plan_at)
    if survey.every_months not in (1, 2, 3, 4, 6, 12):
        raise ValueError("[survey] every_months must divide the year: 1, 2, 3, 4, 6 or 12")
    if survey.daily_cap < 1:
        raise ValueError("[survey] daily_cap must be 1 or more")
    if not 0 < survey.reminder_after_days < survey.expire_after_days:
        raise ValueError("[survey] reminder_after_days must be more than 0 and less than expire_after_days")
    return Scheduling(quiet, reminders, scheduler, meetings, homework, survey)
