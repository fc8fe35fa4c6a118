"""Quiet hours and the moment a proactive message really goes out, at the minute where each rule
starts or ends (pure: no database, no scheduler). All moments are Israel time, in late November 2026:
Friday the 27th, Shabbat the 28th, Sunday the 29th."""

from __future__ import annotations

from datetime import timedelta

import pytest

from flows.scheduling import QuietHours, Reminders, parse_offset, scheduling_from_dict
from tests.events_kit import at

QUIET = QuietHours()


@pytest.mark.parametrize(
    ("moment", "quiet"),
    [
        (at(2026, 11, 27, 13, 59), False),  # Friday, just before Shabbat's quiet hours
        (at(2026, 11, 27, 14, 0), True),  # Friday 14:00 exactly
        (at(2026, 11, 28, 19, 59), True),  # Saturday, still Shabbat
        (at(2026, 11, 28, 20, 0), False),  # Saturday 20:00: allowed until the night's quiet
        (at(2026, 11, 24, 20, 59), False),
        (at(2026, 11, 24, 21, 0), True),  # every night from 21:00 ...
        (at(2026, 11, 25, 7, 59), True),
        (at(2026, 11, 25, 8, 0), False),  # ... to 08:00
        (at(2026, 11, 26, 13, 0), False),  # an ordinary Thursday
    ],
)
def test_the_edges_of_the_quiet_hours(moment, quiet: bool) -> None:  # type: ignore[no-untyped-def]
    assert QUIET.quiet(moment) is quiet


def test_a_night_that_does_not_cross_midnight() -> None:
    early = QuietHours(night_start="00:00", night_end="06:00")
    assert early.quiet(at(2026, 11, 24, 5, 59)) and early.quiet(at(2026, 11, 24, 0, 0))
    assert not early.quiet(at(2026, 11, 24, 6, 0)) and not early.quiet(at(2026, 11, 24, 23, 0))


def test_the_eve_of_a_holiday_is_quiet_from_14_00_exactly() -> None:
    assert QUIET.quiet(at(2026, 9, 20, 14, 0)) and not QUIET.quiet(at(2026, 9, 20, 13, 59))  # Yom Kippur eve


def test_an_allowed_moment_is_kept_as_it_is() -> None:
    assert QUIET.next_allowed(at(2026, 11, 26, 12, 7)) == at(2026, 11, 26, 12, 7)
    assert QUIET.allowed_moment(at(2026, 11, 26, 12, 7), None, at(2026, 11, 26, 9)) == at(2026, 11, 26, 12, 7)


def test_a_quiet_moment_moves_to_the_end_of_the_quiet_hours() -> None:
    assert QUIET.next_allowed(at(2026, 11, 27, 15, 7)) == at(2026, 11, 28, 20, 0)  # Shabbat: Saturday 20:00
    assert QUIET.next_allowed(at(2026, 11, 24, 23, 40)) == at(2026, 11, 25, 8, 0)


def test_a_moment_wanted_before_now_goes_now() -> None:
    now = at(2026, 11, 26, 12, 7)
    assert QUIET.allowed_moment(at(2026, 11, 26, 9), at(2026, 11, 26, 18), now) == now


def test_the_last_allowed_moment_is_a_minute_before_the_event_not_at_it() -> None:
    start = at(2026, 11, 24, 11)  # Tuesday 11:00, allowed all morning
    assert QUIET.last_allowed_before(start, at(2026, 11, 24, 9)) == start - timedelta(minutes=1)
    # a wish after the event itself: the last moment before it
    assert QUIET.allowed_moment(at(2026, 11, 24, 12), start, at(2026, 11, 24, 9)) == at(2026, 11, 24, 10, 59)


def test_when_the_quiet_hours_end_just_as_the_event_starts_the_message_goes_the_evening_before() -> None:
    start = at(2026, 11, 29, 8)  # Sunday 08:00, the minute the night's quiet ends
    wanted = at(2026, 11, 29, 6)  # two hours before: quiet
    assert QUIET.allowed_moment(wanted, start, at(2026, 11, 28, 12)) == at(2026, 11, 28, 20, 59)


def test_the_earliest_moment_bounds_the_search_back() -> None:
    start = at(2026, 11, 29, 8)
    assert QUIET.last_allowed_before(start, at(2026, 11, 28, 20, 45)) == at(2026, 11, 28, 20, 59)
    assert QUIET.last_allowed_before(start, at(2026, 11, 28, 21, 0)) is None  # only quiet hours left
    assert QUIET.allowed_moment(at(2026, 11, 29, 6), start, at(2026, 11, 28, 21, 30)) is None


def test_switched_off_nothing_is_quiet() -> None:
    off = QuietHours(enabled=False)
    assert off.next_allowed(at(2026, 11, 28, 3)) == at(2026, 11, 28, 3)


# ---- the configuration -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "delta"),
    [
        ("3d", timedelta(days=3)),
        (" 2h ", timedelta(hours=2)),
        ("30m", timedelta(minutes=30)),
        ("0m", timedelta(0)),
        ("12 h", timedelta(hours=12)),
    ],
)
def test_reminder_offsets(text: str, delta: timedelta) -> None:
    assert parse_offset(text) == delta


@pytest.mark.parametrize("text", ["3w", "d", "", "1.5h", "-2h", "2h30m"])
def test_reminder_offsets_that_are_not_offsets(text: str) -> None:
    with pytest.raises(ValueError, match="3d, 2h or 30m"):
        parse_offset(text)


def test_a_kind_without_its_own_offsets_uses_the_default() -> None:
    reminders = Reminders()
    assert reminders.for_kind("opening_workshop") == (timedelta(days=1), timedelta(hours=2))
    assert reminders.for_kind("exposure_conference") == (timedelta(days=3),)
    assert reminders.for_kind("job_club") == ()


def test_settings_from_the_program_file() -> None:
    settings = scheduling_from_dict(
        {
            "quiet_hours": {"night_start": "22:00", "holiday_categories": ["public", "optional"]},
            "reminders": {"job_club": ["1d"], "confirm_attendance": ["job_club"]},
            "scheduler": {"waitlist_confirm_hours": 12},
        }
    )
    assert settings.quiet_hours.night_start == "22:00" and settings.quiet_hours.friday_from == "14:00"
    assert settings.quiet_hours.holiday_categories == ("public", "optional")
    assert settings.reminders.for_kind("job_club") == (timedelta(days=1),)
    assert settings.reminders.for_kind("meeting") == (timedelta(days=1), timedelta(hours=2))  # kept
    assert settings.reminders.confirm_attendance == ("job_club",)
    assert settings.scheduler.waitlist_confirm_hours == 12 and settings.scheduler.batch_size == 50


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"quiet_hours": {"night_begins": "22:00"}}, r"unknown \[quiet_hours\] settings: \['night_begins'\]"),
        ({"scheduler": {"tick": 1}}, r"unknown \[scheduler\]"),
        ({"quiet_hours": {"night_start": "late"}}, "invalid literal"),
        ({"reminders": {"job_club": ["1 week"]}}, "3d, 2h or 30m"),
    ],
)
def test_settings_that_cannot_work_are_refused(data: dict, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ValueError, match=message):
        scheduling_from_dict(data)
