"""Employment history: the periods the status surveys report, corrected by each new report.

    record_report(session, person_id, report, now)   a survey's `JobReport` taken in (the correction
                                                     is `flows.employment.apply_report`); arms the
                                                     graduation message when work has been kept six
                                                     months (or will be, if it goes on)
    periods_of(session, person_id)                   the person's periods, earliest first
    histories(session, person_ids)                   joined day and periods, for the reports
    unclassified(session)                            periods with an occupation text and no code
    assign_occupation(session, period_id, code, now) staff classify one (`midway occupations assign`)
    joined_on(joined_at)                             the Israel-time day someone joined

Salary is stored only when the report gives it (low == high for one number). Who may see it is the
program's `[staff] salary_roles` (`Program.may_see_salary`), applied where periods are shown.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from flows.cases import GRADUATION
from flows.employment import JobReport, Period, Salary, apply_report
from flows.measures import History, job_kept
from flows.scheduling import TIMEZONE
from storage import jobs
from storage.models import EmploymentPeriod, ParticipantProfile, Person

GRADUATION_AT = time(10, 0)  # Israel time, on the day the six months are up (the scheduler keeps quiet hours)


def joined_on(joined_at: datetime | None) -> date | None:
    return None if joined_at is None else joined_at.astimezone(TIMEZONE).date()


def period_of(row: EmploymentPeriod) -> Period:
    salary = None if row.salary_low is None else Salary(row.salary_low, row.salary_high or row.salary_low)
    return Period(
        start=row.starts_on,
        end=row.ends_on,
        occupation_code=row.occupation_code,
        occupation_text=row.occupation_text,
        percent=row.percent,
        salary=salary,
        found_via=row.found_via,  # type: ignore[arg-type]
        survey_id=row.survey_id,
        ref=row.id,
    )


def _rows(session: Session, person_id: int) -> list[EmploymentPeriod]:
    return list(
        session.scalars(
            select(EmploymentPeriod)
            .where(EmploymentPeriod.person_id == person_id)
            .order_by(EmploymentPeriod.starts_on, EmploymentPeriod.id)
        )
    )


def periods_of(session: Session, person_id: int) -> list[Period]:
    return [period_of(row) for row in _rows(session, person_id)]


def _write(row: EmploymentPeriod, period: Period) -> None:
    row.starts_on, row.ends_on = period.start, period.end
    row.occupation_code, row.occupation_text = period.occupation_code, period.occupation_text
    row.percent = period.percent
    row.salary_low = period.salary.low if period.salary else None
    row.salary_high = period.salary.high if period.salary else None
    row.found_via = period.found_via
    row.survey_id = period.survey_id


def record_report(session: Session, person_id: int, report: JobReport, now: datetime) -> list[Period]:
    """Take one survey's report into the person's history; the periods as they now stand."""
    person = session.get(Person, person_id, with_for_update=True)
    if person is None:
        raise LookupError(f"no person {person_id}")
    rows = {row.id: row for row in _rows(session, person_id)}
    after = apply_report([period_of(row) for row in rows.values()], report)
    kept = {p.ref for p in after if p.ref is not None}
    for row_id, row in rows.items():
        if row_id not in kept:
            session.delete(row)
    for period in after:
        found = rows.get(period.ref) if period.ref is not None else None
        row = found or EmploymentPeriod(person_id=person_id, created_at=now)
        if found is None:
            session.add(row)
        before = period_of(row) if row.id is not None else None
        _write(row, period)
        if before != period:
            row.updated_at = now
    session.flush()
    periods = periods_of(session, person_id)
    _arm_graduation(session, person_id, periods, now)
    return periods


def _arm_graduation(session: Session, person_id: int, periods: list[Period], now: datetime) -> None:
    """The graduation message, due the day work has been kept six months (at once if it has passed).
    One row per such day: a correction that moves the day arms another; the message goes once
    (`storage/cases.graduation_data`)."""
    profile = session.get(ParticipantProfile, person_id)
    joined = joined_on(profile.joined_at if profile else None)
    if joined is None:
        return
    day = job_kept(periods, joined)
    if day is None:
        return
    due = max(datetime.combine(day, GRADUATION_AT, TIMEZONE), now)
    jobs.enqueue(
        session,
        kind=GRADUATION,
        person_id=person_id,
        due_at=due,
        now=now,
        payload={"person": person_id, "day": day.isoformat()},
        subject=f"graduation:{person_id}",
        dedupe_key=f"graduation:{person_id}:{day.isoformat()}",
    )


def histories(session: Session, person_ids: Iterable[int]) -> dict[int, History]:
    """Participants (joined) among `person_ids`, with their periods: what the reports count."""
    ids = list(person_ids)
    joined = {
        pid: day
        for pid, at in session.execute(
            select(ParticipantProfile.person_id, ParticipantProfile.joined_at).where(
                ParticipantProfile.person_id.in_(ids), ParticipantProfile.joined_at.is_not(None)
            )
        )
        if (day := joined_on(at)) is not None
    }
    periods: dict[int, list[Period]] = {pid: [] for pid in joined}
    for row in session.scalars(
        select(EmploymentPeriod)
        .where(EmploymentPeriod.person_id.in_(list(joined)))
        .order_by(EmploymentPeriod.starts_on, EmploymentPeriod.id)
    ):
        periods[row.person_id].append(period_of(row))
    return {pid: History(day, periods[pid]) for pid, day in joined.items()}


# ---- occupations kept as free text ("none of these") -------------------------------------------
def unclassified(session: Session) -> list[EmploymentPeriod]:
    return list(
        session.scalars(
            select(EmploymentPeriod)
            .where(EmploymentPeriod.occupation_code.is_(None), EmploymentPeriod.occupation_text.is_not(None))
            .order_by(EmploymentPeriod.id)
        )
    )


def assign_occupation(session: Session, period_id: int, code: str, now: datetime) -> EmploymentPeriod:
    """Give a period its ISCO-08 code (the caller checks the code against the list); the person's
    words stay beside it."""
    row = session.get(EmploymentPeriod, period_id, with_for_update=True)
    if row is None:
        raise LookupError(f"no employment period {period_id}")
    row.occupation_code = code
    row.updated_at = now
    return row
