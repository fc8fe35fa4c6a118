"""The employment history, pure: survey reports corrected into periods (a job that ended, a new one,
"same job as last time", not working), and the report definitions of `domain.md` over them
(months, placed, time to first placement, persistence at 6, 12, 15 and 24 months, kept six
months)."""

from __future__ import annotations

from datetime import date

import pytest

from flows.employment import JobReport, Period, Salary, apply_report, period_line
from flows.measures import (
    History,
    Share,
    first_placement,
    job_kept,
    months_between,
    months_later,
    persistence,
    placed,
    placement_band,
    time_to_first_placement,
)


def reports(*given: JobReport) -> tuple[Period, ...]:
    periods: tuple[Period, ...] = ()
    for report in given:
        periods = apply_report(periods, report)
    return periods


def working(on: date, since: date | None = None, same: bool | None = None, **fields: object) -> JobReport:
    return JobReport(reported_on=on, working=True, since=since, same_job=same, **fields)  # type: ignore[arg-type]


def not_working(on: date) -> JobReport:
    return JobReport(reported_on=on, working=False, looking=True)


# ---- months, exactly as domain.md counts them ------------------------------------------------------
@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        (date(2026, 1, 31), date(2026, 2, 28), 0),  # the 31st has not come again
        (date(2026, 1, 15), date(2026, 2, 15), 1),
        (date(2026, 1, 15), date(2026, 2, 14), 0),
        (date(2026, 1, 31), date(2026, 3, 1), 1),
        (date(2024, 1, 31), date(2024, 2, 29), 0),  # a leap year's February is still short
        (date(2026, 2, 28), date(2026, 3, 28), 1),
        (date(2025, 12, 20), date(2026, 1, 19), 0),  # across a year
        (date(2025, 12, 20), date(2026, 12, 20), 12),
        (date(2026, 5, 5), date(2026, 5, 5), 0),
    ],
)
def test_months_are_whole_calendar_months(start: date, end: date, months: int) -> None:
    assert months_between(start, end) == months


def test_months_back_in_time_are_refused() -> None:
    with pytest.raises(ValueError):
        months_between(date(2026, 3, 1), date(2026, 2, 1))


@pytest.mark.parametrize(
    ("day", "n", "later"),
    [
        (date(2026, 1, 15), 1, date(2026, 2, 15)),
        (date(2026, 1, 31), 1, date(2026, 3, 1)),  # Feb 28 is still 0 months
        (date(2025, 8, 31), 6, date(2026, 3, 1)),
        (date(2025, 11, 30), 3, date(2026, 3, 1)),  # Feb has no 30th → Mar 1
        (date(2025, 7, 10), 6, date(2026, 1, 10)),  # across a year
        (date(2026, 3, 1), 24, date(2028, 3, 1)),
    ],
)
def test_the_day_n_months_have_elapsed_agrees_with_months_between(day: date, n: int, later: date) -> None:
    assert months_later(day, n) == later
    assert months_between(day, later) == n
    assert months_between(day, date.fromordinal(later.toordinal() - 1)) == n - 1


# ---- reports become periods, corrected by later ones ---------------------------------------------
def test_a_first_report_of_work_opens_a_period_from_the_month_given() -> None:
    periods = reports(
        working(date(2026, 4, 10), since=date(2026, 3, 1), occupation_code="4311", percent=50, salary=None)
    )
    assert periods == (Period(start=date(2026, 3, 1), occupation_code="4311", percent=50),)


def test_same_job_as_last_time_extends_it_and_keeps_what_was_not_said_again() -> None:
    periods = reports(
        working(
            date(2026, 4, 10),
            since=date(2026, 3, 1),
            occupation_code="4311",
            percent=50,
            salary=Salary(6000, 6000),
        ),
        working(date(2026, 7, 12), same=True, percent=80),  # a raise in hours; no salary given this time
    )
    assert periods == (
        Period(start=date(2026, 3, 1), occupation_code="4311", percent=80, salary=Salary(6000, 6000)),
    )


def test_not_working_closes_the_open_job_the_day_before_the_report() -> None:
    periods = reports(
        working(date(2026, 4, 10), since=date(2026, 3, 1), occupation_code="4311"),
        not_working(date(2026, 7, 12)),
    )
    assert periods == (Period(start=date(2026, 3, 1), end=date(2026, 7, 11), occupation_code="4311"),)
    assert not any(p.covers(date(2026, 7, 12)) for p in periods)


def test_a_new_job_ends_the_one_before_the_day_before_it_started() -> None:
    periods = reports(
        working(date(2026, 4, 10), since=date(2026, 3, 1), occupation_code="4311"),
        working(
            date(2026, 10, 5), since=date(2026, 9, 1), same=False, occupation_code="5223", found_via="program"
        ),
    )
    assert periods == (
        Period(start=date(2026, 3, 1), end=date(2026, 8, 31), occupation_code="4311"),
        Period(start=date(2026, 9, 1), occupation_code="5223", found_via="program"),
    )


def test_a_gap_then_a_new_job_keeps_the_gap() -> None:
    periods = reports(
        working(date(2026, 4, 10), since=date(2026, 3, 1)),
        not_working(date(2026, 7, 1)),
        working(date(2026, 10, 5), since=date(2026, 9, 1), occupation_code="9112"),
    )
    assert [(p.start, p.end) for p in periods] == [
        (date(2026, 3, 1), date(2026, 6, 30)),
        (date(2026, 9, 1), None),
    ]


def test_same_job_after_a_report_of_no_work_corrects_that_report() -> None:
    periods = reports(
        working(date(2026, 4, 10), since=date(2026, 3, 1), occupation_code="4311"),
        not_working(date(2026, 7, 1)),
        working(date(2026, 10, 5), same=True),  # "the same job as last time": it never ended
    )
    assert periods == (Period(start=date(2026, 3, 1), occupation_code="4311"),)


def test_a_new_job_since_an_earlier_month_replaces_what_a_report_put_after_it() -> None:
    periods = reports(
        working(date(2026, 4, 10), since=date(2026, 1, 1), occupation_code="4311"),
        working(date(2026, 7, 1), since=date(2026, 5, 1), same=False, occupation_code="4110"),
        # the next survey: a different job, since March — the May job was a mistake
        working(date(2026, 10, 5), since=date(2026, 3, 1), same=False, occupation_code="5223"),
    )
    assert [(p.start, p.end, p.occupation_code) for p in periods] == [
        (date(2026, 1, 1), date(2026, 2, 28), "4311"),
        (date(2026, 3, 1), None, "5223"),
    ]


def test_a_since_after_the_report_is_taken_as_the_report_day() -> None:
    periods = reports(working(date(2026, 4, 10), since=date(2026, 5, 1)))
    assert periods[0].start == date(2026, 4, 10)


def test_same_job_not_asked_is_the_same_job_when_since_matches_or_is_missing() -> None:
    first = working(date(2026, 4, 10), since=date(2026, 3, 1), occupation_code="4311")
    assert len(reports(first, working(date(2026, 7, 1)))) == 1
    assert len(reports(first, working(date(2026, 7, 1), since=date(2026, 3, 1)))) == 1
    assert len(reports(first, working(date(2026, 7, 1), since=date(2026, 6, 1)))) == 2


def test_a_code_given_later_classifies_the_job_and_keeps_the_persons_words() -> None:
    periods = reports(
        working(date(2026, 4, 10), since=date(2026, 3, 1), occupation_text="מטפלת בכלבים"),
        working(date(2026, 7, 1), same=True, occupation_code="5164"),
    )
    assert (periods[0].occupation_code, periods[0].occupation_text) == ("5164", "מטפלת בכלבים")


def test_salary_is_shown_only_when_allowed() -> None:
    period = Period(start=date(2026, 3, 1), occupation_code="4311", percent=50, salary=Salary(6000, 7000))
    assert "₪6,000–7,000" in period_line(period, with_salary=True)
    hidden = period_line(period, with_salary=False)
    assert "₪" not in hidden and "6,000" not in hidden and "50%" in hidden


# ---- the report definitions ------------------------------------------------------------------------
JOINED = date(2025, 1, 20)
D = date(2027, 6, 1)


def test_placed_counts_only_periods_that_started_on_or_after_joining() -> None:
    before = Period(start=date(2024, 5, 1), end=date(2025, 3, 1))  # a job they had before the program
    assert not placed([before], JOINED, D)
    on_the_day = Period(start=JOINED)
    assert placed([before, on_the_day], JOINED, D)
    assert first_placement([before, on_the_day], JOINED, D) == on_the_day
    assert not placed([on_the_day], JOINED, date(2025, 1, 19))  # not yet, as of a day before


@pytest.mark.parametrize(
    ("start", "months", "band"),
    [
        (date(2025, 1, 20), 0, "0–3"),
        (date(2025, 5, 19), 3, "0–3"),
        (date(2025, 5, 20), 4, "4–6"),
        (date(2025, 10, 19), 8, "7–9"),
        (date(2026, 1, 20), 12, "10–12"),
        (date(2026, 7, 20), 18, "13–18"),
        (date(2027, 1, 20), 24, "19–24"),
        (date(2027, 2, 20), 25, "25+"),
    ],
)
def test_time_to_first_placement_and_its_band(start: date, months: int, band: str) -> None:
    taken = time_to_first_placement([Period(start=start)], JOINED, D)
    assert taken == months
    assert placement_band(months) == band


def test_time_to_first_placement_of_someone_not_placed_is_none() -> None:
    assert time_to_first_placement([], JOINED, D) is None


def test_persistence_still_employed_and_same_job_with_changes_and_gaps() -> None:
    first = date(2025, 3, 1)  # six months later: 2025-09-01; twelve: 2026-03-01
    kept = History(JOINED, [Period(start=first)])
    changed = History(  # a new job right after the first: still employed, not the same job
        JOINED, [Period(start=first, end=date(2025, 6, 30)), Period(start=date(2025, 7, 1))]
    )
    gap_at_six = History(  # out of work on the day six months are up, back at work by twelve
        JOINED, [Period(start=first, end=date(2025, 8, 15)), Period(start=date(2025, 10, 1))]
    )
    lost = History(JOINED, [Period(start=first, end=date(2025, 4, 30))])
    too_recent = History(JOINED, [Period(start=date(2027, 1, 15))])  # < 6 months before D
    never = History(JOINED, [])
    people = [kept, changed, gap_at_six, lost, too_recent, never]

    six = persistence(people, 6, D)
    assert six.still_employed == Share(2, 4)
    assert six.same_job == Share(1, 4)
    twelve = persistence(people, 12, D)
    assert twelve.still_employed == Share(3, 4)
    assert twelve.same_job == Share(1, 4)
    assert str(twelve.still_employed) == "75.0% (3/4)"


def test_persistence_counts_in_the_denominator_only_those_n_months_since_first_placement() -> None:
    person = History(JOINED, [Period(start=date(2026, 1, 31))])
    assert persistence([person], 6, date(2026, 7, 30)).still_employed == Share(0, 0)
    assert persistence([person], 6, date(2026, 7, 31)).still_employed == Share(1, 1)
    # 15 and 24 months, the same job all along
    assert persistence([person], 15, date(2027, 5, 1)).same_job == Share(1, 1)  # Jan 31 + 15 → May 1
    assert persistence([person], 24, date(2028, 1, 30)).same_job == Share(0, 0)
    assert persistence([person], 24, date(2028, 1, 31)).same_job == Share(1, 1)


def test_a_job_that_ended_on_the_day_n_months_are_up_still_counts() -> None:
    start = date(2026, 1, 31)
    ended = History(JOINED, [Period(start=start, end=date(2026, 7, 31))])
    assert persistence([ended], 6, D).same_job == Share(1, 1)
    ended_before = History(JOINED, [Period(start=start, end=date(2026, 7, 30))])
    assert persistence([ended_before], 6, D).same_job == Share(0, 1)


def test_an_empty_share_prints_no_percentage() -> None:
    assert str(Share(0, 0)) == "— (0/0)"
    assert str(Share(289, 499)) == "57.9% (289/499)"


# ---- kept work six months: the graduation day ------------------------------------------------------
def test_kept_six_months_in_one_job_or_in_jobs_one_after_another() -> None:
    assert job_kept([Period(start=date(2025, 3, 1))], JOINED) == date(2025, 9, 1)
    chained = [Period(start=date(2025, 3, 1), end=date(2025, 5, 31)), Period(start=date(2025, 6, 1))]
    assert job_kept(chained, JOINED) == date(2025, 9, 1)


def test_a_gap_starts_the_six_months_again_and_a_short_job_is_not_kept() -> None:
    short = [Period(start=date(2025, 3, 1), end=date(2025, 5, 31))]
    assert job_kept(short, JOINED) is None
    with_gap = [*short, Period(start=date(2025, 7, 1))]
    assert job_kept(with_gap, JOINED) == date(2026, 1, 1)


def test_work_from_before_joining_does_not_make_a_graduate() -> None:
    assert job_kept([Period(start=date(2024, 3, 1))], JOINED) is None
