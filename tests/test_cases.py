"""The employment history and the case on the database (SQLite and PostgreSQL): survey reports
stored as periods and corrected, salary kept only when given, a promoter closing and reopening a
case, the maximum time closing it, the graduation message through the scheduler (once, and not
after a correction takes the six months back), and what the survey may ask of a closed case."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from bot.bootstrap import App
from flows.employment import JobReport, Salary
from storage import cases, employment
from storage.models import CaseEvent, EmploymentPeriod
from tests.conftest import FakeClock
from tests.events_kit import FakeSender, at, event, job_rows, local_times, participant, scheduler, sign_up
from tests.kit.dispatcher import render

pytestmark = pytest.mark.app(db="both")


def report(app: App, person_id: int, on: date, **fields: object) -> None:
    given = JobReport(reported_on=on, **fields)  # type: ignore[arg-type]
    with app.db.transaction() as s:
        employment.record_report(s, person_id, given, at(on.year, on.month, on.day, 12))


def stored(app: App, person_id: int) -> list[tuple[object, ...]]:
    with app.db.transaction() as s:
        rows = s.scalars(
            select(EmploymentPeriod)
            .where(EmploymentPeriod.person_id == person_id)
            .order_by(EmploymentPeriod.id)
        )
        return [
            (r.starts_on, r.ends_on, r.occupation_code, r.percent, r.salary_low, r.salary_high) for r in rows
        ]


def status(app: App, person_id: int, today: date) -> tuple[str, str | None]:
    with app.db.transaction() as s:
        found = cases.case_status(s, person_id, today, app.program)
        assert found is not None
        return found.state, found.reason


def eligible(app: App, person_id: int, today: date) -> bool:
    with app.db.transaction() as s:
        return cases.survey_eligible(s, person_id, today, app.program)


def test_reports_become_periods_corrected_by_later_ones_and_salary_only_when_given(app: App) -> None:
    ruth = participant(app, "1")
    report(
        app, ruth, date(2027, 2, 10), working=True, since=date(2027, 1, 1), occupation_code="4311", percent=50
    )
    report(app, ruth, date(2027, 5, 10), working=True, same_job=True, salary=Salary(6000, 7000))
    assert stored(app, ruth) == [(date(2027, 1, 1), None, "4311", 50, 6000, 7000)]
    report(
        app,
        ruth,
        date(2027, 8, 10),
        working=True,
        same_job=False,
        since=date(2027, 7, 1),
        occupation_code="5223",
    )
    assert stored(app, ruth) == [
        (date(2027, 1, 1), date(2027, 6, 30), "4311", 50, 6000, 7000),
        (date(2027, 7, 1), None, "5223", None, None, None),  # no salary given: none stored
    ]
    report(app, ruth, date(2027, 11, 10), working=False, looking=True)
    assert stored(app, ruth)[-1][:2] == (date(2027, 7, 1), date(2027, 11, 9))


def test_a_promoter_closes_and_reopens_a_case_and_a_closed_case_gets_no_survey(app: App) -> None:
    ruth = participant(app, "1")
    today = date(2027, 1, 5)
    assert status(app, ruth, today) == ("open", None)
    assert eligible(app, ruth, today)
    with app.db.transaction() as s:
        cases.close_case(s, ruth, "moved_away", at(2027, 1, 5), app.program, by="Dana")
    assert status(app, ruth, today) == ("closed", "moved_away")
    assert not eligible(app, ruth, today)
    with app.db.transaction() as s, pytest.raises(ValueError, match="closed already"):
        cases.close_case(s, ruth, "other", at(2027, 1, 6), app.program)
    with app.db.transaction() as s, pytest.raises(ValueError, match="unknown reason"):
        cases.close_case(s, ruth, "bored", at(2027, 1, 6), app.program)
    with app.db.transaction() as s:
        cases.reopen_case(s, ruth, at(2027, 2, 1), app.program)
    assert status(app, ruth, date(2027, 2, 1)) == ("open", None)
    with app.db.transaction() as s, pytest.raises(ValueError, match="open already"):
        cases.reopen_case(s, ruth, at(2027, 2, 2), app.program)


def test_someone_who_never_joined_has_no_case(app: App) -> None:
    from storage import repo

    with app.db.transaction() as s:
        person, _, _ = repo.find_or_create_person(s, "telegram", "9", "he", at(2026, 11, 22))
        stranger = person.id
    with app.db.transaction() as s:
        assert cases.case_status(s, stranger, date(2027, 1, 1), app.program) is None
        assert not cases.survey_eligible(s, stranger, date(2027, 1, 1), app.program)
        with pytest.raises(ValueError, match="has not joined"):
            cases.close_case(s, stranger, "other", at(2027, 1, 1), app.program)


def test_the_maximum_time_closes_the_case_and_a_placed_person_is_still_followed_up(app: App) -> None:
    ruth, dan = participant(app, "1"), participant(app, "2")  # both joined 2026-11-22; maximum 24 months
    report(app, dan, date(2027, 2, 10), working=True, since=date(2027, 1, 1))
    report(app, dan, date(2027, 5, 10), working=False, looking=True)  # placed, job lost after four months
    assert status(app, ruth, date(2028, 11, 21)) == ("open", None)
    assert status(app, ruth, date(2028, 11, 22)) == ("closed", "max_time")
    assert not eligible(app, ruth, date(2028, 11, 22))
    assert status(app, dan, date(2028, 11, 22)) == ("closed", "max_time")
    assert eligible(app, dan, date(2028, 11, 22))  # persistence follow-up until 2029-01-01
    assert eligible(app, dan, date(2029, 1, 1))
    assert not eligible(app, dan, date(2029, 1, 2))
    with app.db.transaction() as s:  # a promoter may keep the case open after the maximum time
        cases.reopen_case(s, ruth, at(2028, 12, 1), app.program)
    assert status(app, ruth, date(2029, 3, 1)) == ("open", None)


def test_kept_work_six_months_graduates_with_one_message_in_allowed_hours(app: App, clock: FakeClock) -> None:
    ruth = participant(app, "1")
    report(app, ruth, date(2027, 2, 10), working=True, since=date(2027, 1, 1), occupation_code="4311")
    (job,) = job_rows(app, kind="graduation")
    assert local_times([job]) == [datetime(2027, 7, 1, 10)]
    report(app, ruth, date(2027, 5, 10), working=True, same_job=True)  # the same day: no second row
    assert len(job_rows(app, kind="graduation")) == 1
    sender = FakeSender()
    worker = scheduler(app, sender)
    clock.now = at(2027, 6, 30, 10)
    worker.run_until_idle()
    assert status(app, ruth, date(2027, 6, 30)) == ("open", None)
    assert not [m for _, m in sender.sent if m.kind == "case.graduation"]
    clock.now = at(2027, 7, 1, 10)
    worker.run_until_idle()
    (told,) = [m for _, m in sender.sent if m.kind == "case.graduation"]
    text = render(app, "he", told.replies)
    assert "שישה חודשים" in text and "מפגשי הקהילה" in text
    assert status(app, ruth, date(2027, 7, 1)) == ("graduated", None)
    assert eligible(app, ruth, date(2027, 7, 1))  # still asked how the job goes, as a placed person
    with app.db.transaction() as s:
        assert [e.action for e in s.scalars(select(CaseEvent).where(CaseEvent.person_id == ruth))] == [
            "graduated"
        ]
    with app.db.transaction() as s:  # told once, even if the row were due again
        assert cases.graduation_data(s, "graduation", {"person": ruth}, "he", at(2027, 7, 2)) is None


def test_a_correction_that_takes_the_six_months_back_sends_nothing(app: App, clock: FakeClock) -> None:
    ruth = participant(app, "1")
    report(app, ruth, date(2027, 2, 10), working=True, since=date(2027, 1, 1))
    report(app, ruth, date(2027, 5, 10), working=False, looking=True)
    sender = FakeSender()
    clock.now = at(2027, 7, 1, 10)
    scheduler(app, sender).run_until_idle()
    assert not [m for _, m in sender.sent if m.kind == "case.graduation"]
    assert [r.state for r in job_rows(app, kind="graduation")] == ["dropped"]
    assert status(app, ruth, date(2027, 7, 1)) == ("open", None)


def test_a_case_a_promoter_closed_before_the_six_months_gets_no_graduation(
    app: App, clock: FakeClock
) -> None:
    ruth = participant(app, "1")
    report(app, ruth, date(2027, 2, 10), working=True, since=date(2027, 1, 1))
    with app.db.transaction() as s:
        cases.close_case(s, ruth, "no_cooperation", at(2027, 3, 1), app.program)
    sender = FakeSender()
    clock.now = at(2027, 7, 1, 10)
    scheduler(app, sender).run_until_idle()
    assert not [m for _, m in sender.sent if m.kind == "case.graduation"]
    assert status(app, ruth, date(2027, 7, 1)) == ("closed", "no_cooperation")
    assert eligible(app, ruth, date(2027, 7, 1))  # placed: the persistence follow-up goes on


def test_a_graduate_and_a_closed_case_may_still_come_to_a_community_evening(
    app: App, clock: FakeClock
) -> None:
    ruth, dan = participant(app, "1"), participant(app, "2")
    report(app, ruth, date(2027, 2, 10), working=True, since=date(2027, 1, 1))
    with app.db.transaction() as s:
        cases.close_case(s, dan, "moved_away", at(2027, 3, 1), app.program)
    clock.now = at(2027, 7, 1, 10)
    scheduler(app, FakeSender()).run_until_idle()
    assert status(app, ruth, date(2027, 7, 1)) == ("graduated", None)
    evening = event(
        app, at(2027, 7, 15, 18), kind="community_evening", title="מפגש קהילה", en="Community evening"
    )
    assert sign_up(app, ruth, evening)[0] == "confirmed"
    assert sign_up(app, dan, evening)[0] == "confirmed"


def test_who_sees_salaries_is_the_programs_setting_per_center() -> None:
    from flows.program import program_from_dict

    base = {"centers": [{"slug": "a", "names": {"he": "א"}}, {"slug": "b", "names": {"he": "ב"}}]}
    program = program_from_dict(base)
    assert program.may_see_salary("manager") and not program.may_see_salary("promoter")
    base["centers"][1]["staff"] = {"salary_roles": ["manager", "promoter"]}  # type: ignore[index]
    program = program_from_dict(base)
    assert program.may_see_salary("promoter", "b") and not program.may_see_salary("promoter", "a")
    with pytest.raises(ValueError, match="salary_roles"):
        program_from_dict({**base, "staff": {"salary_roles": ["participant"]}})
    with pytest.raises(ValueError, match="max_months_in_program"):
        program_from_dict({**base, "program": {"max_months_in_program": -1}})
