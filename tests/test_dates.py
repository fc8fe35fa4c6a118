"""Dates and times as staff type them when they add or move an event: day first, as in Israel; a date
without a year is the next such day; "6 בערב" is 18:00. The words come from the catalogs."""

from __future__ import annotations

from datetime import date, time

import pytest

from flows.parsing.dates import parse_clock, parse_day
from tests.kit import CATALOGS

TODAY = date(2026, 11, 22)  # a Sunday


def words(key: str) -> tuple[str, ...]:
    return tuple(part for text in CATALOGS.texts(key) for part in text.split(","))


EVENING, MORNING = words("synonyms.evening"), words("synonyms.morning")
TODAY_WORDS, TOMORROW = words("synonyms.today"), words("synonyms.tomorrow")


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("3.12", date(2026, 12, 3)),
        ("03/12/2026", date(2026, 12, 3)),
        ("3-12-26", date(2026, 12, 3)),
        ("2026-12-03", date(2026, 12, 3)),
        ("ב-3.12", date(2026, 12, 3)),
        ("יום חמישי 3.12", date(2026, 12, 3)),
        ("٣/١٢", date(2026, 12, 3)),  # Arabic-Indic digits
        ("22.11", date(2026, 11, 22)),  # today
        ("1.1", date(2027, 1, 1)),  # already past this year: next year
        ("15.3", date(2027, 3, 15)),
        ("29.2", date(2028, 2, 29)),  # the next 29 February
        ("מחר", date(2026, 11, 23)),
        ("tomorrow", date(2026, 11, 23)),
        ("завтра", date(2026, 11, 23)),
        ("غدا", date(2026, 11, 23)),
        ("היום", TODAY),
    ],
)
def test_dates_are_read_day_first_and_in_the_coming_year(reply: str, expected: date) -> None:
    assert parse_day(reply, TODAY, TODAY_WORDS, TOMORROW) == expected


@pytest.mark.parametrize("reply", ["31.2.2027", "0.5", "12.13", "hello", "", "3", "18:00"])
def test_what_is_not_a_date_is_none(reply: str) -> None:
    assert parse_day(reply, TODAY, TODAY_WORDS, TOMORROW) is None


def test_a_date_in_the_past_is_read_as_written_when_the_year_is_given() -> None:
    assert parse_day("3.12.2025", TODAY) == date(2025, 12, 3)  # the caller refuses it kindly


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("18:00", time(18, 0)),
        ("18.30", time(18, 30)),
        ("9:30", time(9, 30)),
        ("09:05", time(9, 5)),
        ("1800", time(18, 0)),
        ("930", time(9, 30)),
        ("18", time(18, 0)),
        ("6 בערב", time(18, 0)),
        ("בשעה 6 בערב", time(18, 0)),
        ("שש בערב", time(18, 0)),
        ("6:30 בערב", time(18, 30)),
        ("4 אחר הצהריים", time(16, 0)),
        ("9 בבוקר", time(9, 0)),
        ("6 בבוקר", time(6, 0)),
        ("6", time(18, 0)),  # nobody holds a workshop at six in the morning
        ("10", time(10, 0)),
        ("6pm", time(18, 0)),
        ("6 p.m.", time(18, 0)),
        ("7 in the evening", time(19, 0)),
        ("11am", time(11, 0)),
        ("8pm", time(20, 0)),  # "pm" written against the number still counts
        ("6am", time(6, 0)),
        ("1", time(13, 0)),  # a bare one o'clock is in the afternoon
        ("12pm", time(12, 0)),  # noon, not midnight
        ("12am", time(0, 0)),  # and twelve in the morning is midnight
        ("23:30", time(23, 30)),
        ("18:59", time(18, 59)),
        ("6 вечера", time(18, 0)),
        ("10 утра", time(10, 0)),
        ("6 مساء", time(18, 0)),
        ("١٨:٠٠", time(18, 0)),
        ("12:00", time(12, 0)),
        ("0:30", time(0, 30)),
    ],
)
def test_times_are_read_forgivingly_in_every_language(reply: str, expected: time) -> None:
    assert parse_clock(reply, EVENING, MORNING) == expected


@pytest.mark.parametrize("reply", ["25:00", "24:00", "18:60", "18:75", "soon", "", "בערב"])
def test_what_is_not_a_time_is_none(reply: str) -> None:
    assert parse_clock(reply, EVENING, MORNING) is None
