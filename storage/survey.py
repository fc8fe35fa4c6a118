"""The employment-status survey (flows/survey): who is asked when, the invitations it schedules, and
what the answers store. The settings are `[survey]` (`flows.scheduling.SurveyTimes`).

    plan_day          every day at `plan_at` (the internal job `survey_plan`, which schedules the next
                      day's): each person in scope whose day in this period has come and who has no
                      survey of it yet gets one — at most `daily_cap` a day per center, the earliest
                      days first (the rest the next day); the invitation at `send_at` Israel time,
                      moved out of quiet hours. Someone who wrote "stop" is not asked: their
                      promoter gets a "call them" task instead, once a period.
    send_now          `midway survey send --person ID`: one now (in allowed hours)
    due_day           the person's day: a stable hash of their id spread over the period (the days
                      that leave it time to close before the period ends)
    the chat's effects  AnswerSurvey (the JobReport stored with the survey), SurveyReminded,
                      SurveyUnanswered (a "call them" task), ExpireSurvey (the answers so far kept)
    list_surveys      `midway survey status`

In scope: every participant whose case is open (joined: eligible or approved by the manager), and
every placed one until `placed_months` after their first placement. Someone who joined after their
day of this period is first asked in the next one (not on the day they join).
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from importlib import resources
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from flows.context import PersonFacts, SurveyFacts
from flows.employment import JobReport, Salary
from flows.occupations import OccupationIndex, parse_occupations
from flows.program import Program
from flows.scheduling import TIMEZONE, SurveyTimes
from flows.survey import INVITE_KIND
from flows.survey.effects import AnswerSurvey, ExpireSurvey, SurveyReminded, SurveyUnanswered
from storage import cases, employment, handoffs, jobs
from storage.db import locked
from storage.effects import Applying, Handler
from storage.models import Center, ParticipantProfile, Person, ScheduledJob, Survey

log = logging.getLogger(__name__)

PLAN_KIND = "survey_plan"  # the internal job that plans each day's invitations
REFERENCE = "survey:"  # scheduled_jobs.subject and staff_tasks.reference
QUARTERLY, MANUAL, FOUND_JOB = "quarterly", "manual", "found_job"
INVITED, ANSWERED, EXPIRED, OPTED_OUT = "invited", "answered", "expired", "opted_out"
OCCUPATION_LIST = "occupations.toml"


def ref(survey: Survey) -> str:
    return f"sv{survey.id}"


def _id(reference: str | None) -> int | None:
    digits = (reference or "").removeprefix("sv")
    return int(digits) if digits.isdigit() else None


def local_today(now: datetime) -> date:
    return now.astimezone(TIMEZONE).date()


# ---- the cadence --------------------------------------------------------------------------------
def period_of(day: date, every_months: int) -> tuple[date, date]:
    """The period `day` is in: its first day, and the first day of the next (periods start in January)."""
    first = (day.month - 1) // every_months * every_months + 1
    start = date(day.year, first, 1)
    months = day.year * 12 + first - 1 + every_months
    return start, date(months // 12, months % 12 + 1, 1)


def label(start: date) -> str:
    return f"{start.year:04d}-{start.month:02d}"


def due_day(person_id: int, start: date, end: date, settings: SurveyTimes) -> date:
    """The person's day in the period [start, end): the same every period for the same person, and
    people spread evenly over the days that leave the survey time to close before the period ends."""
    window = max(1, (end - start).days - settings.expire_after_days)
    digest = hashlib.sha256(f"midway-survey:{person_id}".encode()).digest()
    place = int.from_bytes(digest[:8], "big") / 2**64  # where in the period, 0 ≤ place < 1
    return start + timedelta(days=int(place * window))  # the same place in a quarter a day longer


@dataclass(frozen=True)
class Candidate:
    person: Person
    center_id: int | None
    day: date


def _candidates(
    session: Session, today: date, program: Program, center_id: int | None, start: date, end: date
) -> list[Candidate]:
    settings = program.scheduling.survey
    asked = select(Survey.person_id).where(Survey.period == label(start), Survey.source == QUARTERLY)
    rows = session.execute(
        select(Person, ParticipantProfile)
        .join(ParticipantProfile, ParticipantProfile.person_id == Person.id)
        .where(
            Person.role == "participant",
            ParticipantProfile.joined_at.is_not(None),
            Person.id.not_in(asked),
        )
        .order_by(Person.id)
    ).all()
    found = []
    for person, profile in rows:
        where = person.center_id if person.center_id is not None else profile.center_id
        if center_id is not None and where != center_id:
            continue
        day = due_day(person.id, start, end, settings)
        if profile.joined_at is not None and local_today(profile.joined_at) >= day:
            continue  # joined after their day of this period: first asked the next one
        if day <= today:
            found.append(Candidate(person, where, day))
    # an open case, or a placed person's follow-up until 24 months after the first placement
    # (storage/cases.py reads it from the case events and the employment periods)
    asking = cases.eligible_for_survey(session, [c.person.id for c in found], today, program)
    return sorted((c for c in found if c.person.id in asking), key=lambda c: (c.day, c.person.id))


def _sent_today(session: Session, center_id: int | None, today: date) -> int:
    start = datetime.combine(today, datetime.min.time(), TIMEZONE)
    return int(
        session.scalar(
            select(func.count(Survey.id)).where(
                Survey.source == QUARTERLY,
                Survey.center_id.is_(None) if center_id is None else Survey.center_id == center_id,
                Survey.created_at >= start,
                Survey.created_at < start + timedelta(days=1),
            )
        )
        or 0
    )


def plan_day(
    session: Session, now: datetime, program: Program, center: str | None = None, at_once: bool = False
) -> list[Survey]:
    """Today's surveys (see the module docstring); `center`: only that center's (a slug);
    `at_once`: the invitations go now (in allowed hours) rather than at `send_at`."""
    settings = program.scheduling.survey
    today = local_today(now)
    center_id = None
    if center is not None:
        center_id = session.scalar(select(Center.id).where(Center.slug == center))
        if center_id is None:
            raise LookupError(f"no center {center!r}")
    expire_overdue(session, now)
    start, end = period_of(today, settings.every_months)
    made: list[Survey] = []
    left: dict[int | None, int] = {}
    for candidate in _candidates(session, today, program, center_id, start, end):
        where = candidate.center_id
        if where not in left:
            left[where] = settings.daily_cap - _sent_today(session, where, today)
        if left[where] <= 0:
            continue  # tomorrow: the earliest days come first then
        left[where] -= 1
        wanted = now if at_once else max(settings.moment(today), now)
        made.append(
            _open(
                session, candidate.person, where, label(start), QUARTERLY, candidate.day, now, wanted, program
            )
        )
    if made:
        log.info("survey: %s planned for %s", len(made), today.isoformat())
    return made


def send_now(session: Session, person_id: int, now: datetime, program: Program) -> Survey:
    """`midway survey send --person ID`: a survey now (in allowed hours), outside the cadence."""
    person = session.get(Person, person_id)
    if person is None:
        raise LookupError(f"no person {person_id}")
    if person.role != "participant":
        raise ValueError(f"person {person_id} is staff ({person.role}): the survey is for participants")
    today = local_today(now)
    if cases.case_status(session, person_id, today, program) is None:  # turned away, or undecided
        raise ValueError(
            f"person {person_id} is not a participant of the program: the survey is for participants"
        )
    if person.opted_out:
        raise ValueError(f'person {person_id} wrote "stop": they get no surveys; call them instead')
    open_one = session.scalar(
        select(Survey.id).where(
            Survey.person_id == person_id, Survey.status == INVITED, Survey.expires_at > now
        )
    )
    if open_one is not None:
        raise ValueError(f"person {person_id} has an open survey already (#{open_one})")
    profile = session.get(ParticipantProfile, person_id)
    where = person.center_id if person.center_id is not None else (profile.center_id if profile else None)
    start, _ = period_of(today, program.scheduling.survey.every_months)
    return _open(session, person, where, label(start), MANUAL, today, now, now, program)


def _open(
    session: Session,
    person: Person,
    center_id: int | None,
    period: str,
    source: str,
    day: date,
    now: datetime,
    wanted: datetime,
    program: Program,
) -> Survey:
    settings = program.scheduling.survey
    survey = Survey(
        person_id=person.id,
        center_id=center_id,
        period=period,
        source=source,
        status=OPTED_OUT if person.opted_out else INVITED,
        due_on=day,
        expires_at=None if person.opted_out else now + timedelta(days=settings.expire_after_days),
        answers={},
        created_at=now,
        updated_at=now,
    )
    session.add(survey)
    session.flush()
    if person.opted_out:  # they wrote "stop": no survey, their promoter calls (once a period)
        handoffs.add_call_task(session, person, "survey_opted_out", f"{REFERENCE}{survey.id}", now)
        return survey
    moment = program.scheduling.quiet_hours.allowed_moment(wanted, None, now) or wanted
    jobs.enqueue(
        session,
        kind=INVITE_KIND,
        person_id=person.id,
        due_at=moment,
        now=now,
        payload={"survey": survey.id},
        subject=f"{REFERENCE}{survey.id}",
        dedupe_key=f"survey:{survey.id}:invite",
    )
    return survey


def expire_overdue(session: Session, now: datetime) -> int:
    """Surveys still open when they close: expired (the answers so far stay as they are)."""
    result = session.execute(
        update(Survey)
        .where(Survey.status == INVITED, Survey.expires_at <= now)
        .values(status=EXPIRED, expired_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


# ---- the daily planning job ---------------------------------------------------------------------
def _plan_moment(day: date, program: Program) -> datetime:
    settings = program.scheduling.survey
    return settings.moment(day, settings.plan_at)


def ensure_planning(session: Session, now: datetime, program: Program) -> None:
    """The next planning job is in `scheduled_jobs` (at start-up, and from `midway survey`)."""
    if not program.scheduling.survey.enabled:
        return
    today = local_today(now)
    day = today if _plan_moment(today, program) > now else today + timedelta(days=1)
    pending = session.scalar(
        select(func.count())
        .select_from(ScheduledJob)
        .where(ScheduledJob.kind == PLAN_KIND, ScheduledJob.state.in_(jobs.OPEN_STATES))
    )
    if not pending:
        _enqueue_plan(session, day, now, program)


def _enqueue_plan(session: Session, day: date, now: datetime, program: Program) -> None:
    jobs.enqueue(
        session,
        kind=PLAN_KIND,
        person_id=None,
        due_at=_plan_moment(day, program),
        now=now,
        payload={"day": day.isoformat()},
        dedupe_key=f"survey:plan:{day.isoformat()}",
    )


def run_plan_job(session: Session, payload: dict[str, Any], now: datetime, program: Program) -> None:
    """The internal job: today's surveys, and tomorrow's planning job."""
    if program.scheduling.survey.enabled:
        plan_day(session, now, program)
    _enqueue_plan(session, local_today(now) + timedelta(days=1), now, program)


# ---- the answers --------------------------------------------------------------------------------
def report_json(report: JobReport) -> dict[str, Any]:
    data = dataclasses.asdict(report)
    for name in ("reported_on", "since"):
        if data[name] is not None:
            data[name] = data[name].isoformat()
    return data


def report_from_json(data: dict[str, Any]) -> JobReport:
    values = dict(data)
    for name in ("reported_on", "since"):
        if values.get(name):
            values[name] = date.fromisoformat(values[name])
    if values.get("salary"):
        values["salary"] = Salary(**values["salary"])
    return JobReport(**values)


def _mine(session: Session, person: Person, survey_ref: str | None) -> Survey | None:
    survey_id = _id(survey_ref)
    survey = locked(session, Survey, survey_id) if survey_id is not None else None
    return survey if survey is not None and survey.person_id == person.id else None


def answer(
    session: Session, person: Person, effect: AnswerSurvey, now: datetime, program: Program | None
) -> Survey:
    """A complete survey: its JobReport stored with it. A late answer to one that expired counts
    too. "I found a job!" from the menu (no survey) is stored as one of its own, and the promoter
    gets a task to call and congratulate them."""
    survey = _mine(session, person, effect.survey)
    if survey is None:
        today = local_today(now)
        start, _ = period_of(today, (program.scheduling.survey if program else SurveyTimes()).every_months)
        survey = Survey(
            person_id=person.id,
            center_id=handoffs.person_center(session, person),
            period=label(start),
            source=FOUND_JOB,
            status=INVITED,
            due_on=today,
            answers={},
            created_at=now,
            updated_at=now,
        )
        session.add(survey)
        session.flush()
        handoffs.add_call_task(session, person, "survey_found_job", f"{REFERENCE}{survey.id}", now)
    report = dataclasses.replace(effect.report, survey_id=survey.id)
    survey.status, survey.answered_at, survey.updated_at = ANSWERED, now, now
    survey.answers = dict(effect.answers)
    survey.report = report_json(report)
    jobs.drop_open(session, f"{REFERENCE}{survey.id}", now)
    # nobody needs to call them about an unanswered survey any more
    handoffs.close_open_tasks(session, f"{REFERENCE}{survey.id}", now, reason="survey_unanswered")
    employment.record_report(session, person.id, report, now)  # the employment periods it changes
    return survey


def _answer(a: Applying, effect: AnswerSurvey) -> None:
    answer(a.session, a.person, effect, a.now, a.program)


def _reminded(a: Applying, effect: SurveyReminded) -> None:
    survey = _mine(a.session, a.person, effect.survey)
    if survey is not None and survey.status == INVITED:
        survey.reminded_at = survey.updated_at = a.now


def _unanswered(a: Applying, effect: SurveyUnanswered) -> None:
    survey = _mine(a.session, a.person, effect.survey)
    if survey is not None and survey.status == INVITED and survey.escalated_at is None:
        survey.escalated_at = survey.updated_at = a.now
        handoffs.add_call_task(a.session, a.person, "survey_unanswered", f"{REFERENCE}{survey.id}", a.now)


def _expire(a: Applying, effect: ExpireSurvey) -> None:
    survey = _mine(a.session, a.person, effect.survey)
    if survey is not None and survey.status in (INVITED, EXPIRED):
        survey.answers = dict(effect.answers)
        if survey.status == INVITED:
            survey.status, survey.expired_at = EXPIRED, a.now
        survey.updated_at = a.now


# ---- what a step may consult, and what the invitation carries -----------------------------------
@cache
def occupation_index() -> OccupationIndex:
    """The occupation list that ships with the flows, read once (as bot/occupation_list.py does)."""
    text = resources.files("flows.occupations").joinpath(OCCUPATION_LIST).read_text(encoding="utf-8")
    return OccupationIndex(parse_occupations(text, OCCUPATION_LIST))


@dataclass(frozen=True)
class LastJob:
    """The job of their last survey that said they work."""

    title: str | None  # its name in the person's language (their own words when unclassified)
    code: str | None
    text: str | None  # their own words


def last_job(session: Session, person_id: int, lang: str) -> LastJob:
    """The job of their last survey that said they work (all None: none, or not working then)."""
    for report in session.scalars(
        select(Survey.report)
        .where(Survey.person_id == person_id, Survey.status == ANSWERED)
        .order_by(Survey.answered_at.desc(), Survey.id.desc())
    ):
        if not report:
            continue
        if not report.get("working"):
            break  # not working at the last survey: no job to be the same as
        code, text = report.get("occupation_code"), report.get("occupation_text")
        found = occupation_index().by_code(code) if code else None
        return LastJob(found.title(lang) if found else text, code, text)
    return LastJob(None, None, None)


def load_survey(
    session: Session, person_id: int, facts: PersonFacts, lang: str, now: datetime, program: Program
) -> dict[str, Any]:
    job = last_job(session, person_id, lang)
    return {
        "survey": SurveyFacts(
            occupations=occupation_index(), last_job=job.title, last_job_code=job.code, last_job_text=job.text
        )
    }


def proactive_data(
    session: Session, kind: str, payload: dict[str, Any], lang: str, now: datetime
) -> dict[str, Any] | None:
    """The invitation's data, fresh; None when it has lost its point (answered, closed)."""
    survey = session.get(Survey, int(payload["survey"]))
    if survey is None or survey.status != INVITED or (survey.expires_at and survey.expires_at <= now):
        return None
    job = last_job(session, survey.person_id, lang).title
    person = session.get(Person, survey.person_id)
    return {
        "name": (person.display_name if person else None) or "",  # a template's "name" variable
        "survey": ref(survey),
        "expires": survey.expires_at.isoformat() if survey.expires_at else None,
        "last_job": job,
    }


# ---- staff's view -------------------------------------------------------------------------------
@dataclass(frozen=True)
class SurveyRow:
    survey: Survey
    name: str | None
    center: str | None


def list_surveys(
    session: Session, now: datetime, center: str | None = None, period: str | None = None
) -> list[SurveyRow]:
    expire_overdue(session, now)
    query = (
        select(Survey, Person.display_name, Center.slug)
        .join(Person, Person.id == Survey.person_id)
        .outerjoin(Center, Center.id == Survey.center_id)
        .order_by(Survey.created_at, Survey.id)
    )
    if center:
        query = query.where(Center.slug == center)
    if period:
        query = query.where(Survey.period == period)
    return [SurveyRow(s, name, slug) for s, name, slug in session.execute(query).all()]


HANDLERS: dict[type, Handler] = {
    AnswerSurvey: _answer,
    SurveyReminded: _reminded,
    SurveyUnanswered: _unanswered,
    ExpireSurvey: _expire,
}
FACTS = {"survey": load_survey}
PROACTIVE_DATA = {INVITE_KIND: proactive_data}
# internal jobs of `scheduled_jobs` that say nothing (bot/scheduler.py runs them): the daily planning
INTERNAL_JOBS = {PLAN_KIND: run_plan_job}
# at the scheduler's start: the next planning job is queued
ON_START = (ensure_planning,)
