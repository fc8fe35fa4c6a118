"""The survey's questions, called by the quarterly invitation and by "I found a job! 🎉" alike.

    survey_questions   working? → yes: survey_job / no: looking for work now? → (yes) want help?
    survey_job         same job as last time? (first, only when there was one; not after "I found
                       a job!") → since when (month and year) → occupation (survey_occupation) →
                       job percentage → monthly salary (optional) → found it on your own or through
                       the program. "Same job": the percentage and the salary only (they change;
                       the rest is the job on record, its occupation carried into the report)
    survey_occupation  the job in their words → the search's top five + "none of these" (their words
                       kept for staff to classify)

Every question waits until the survey closes (`expires` in the answers): then the answers given so
far are kept (`ExpireSurvey`) and the question stays, so a late answer still counts.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from flows.declare import END, STAY, Ask, Call, Done, Flow, Invalid, Option, Timeout, View, yes_no
from flows.employment import JobReport
from flows.messages import Msg
from flows.survey.effects import ExpireSurvey
from flows.survey.parsing import month_start, parse_percent, parse_salary, parse_since, salary_of, today

MAX_OCCUPATION_TEXT = 120
CHOICES = 5  # occupations offered
NONE = "none"
SKIP = "skip"
PERCENTS = (100, 75, 50, 25)
# the answers of a frame that are not the person's (carried between the flows)
INTERNAL = ("survey", "expires", "last_job", "found_job", "name")


def survey_ref(view: View) -> str | None:
    ref = view.answers.get("survey")
    return str(ref) if ref else None


def partial(answers: dict[str, Any] | Any) -> dict[str, Any]:
    """The person's answers so far, as stored (without what the flows carry for themselves)."""
    return {k: v for k, v in answers.items() if not k.startswith("_") and k not in INTERNAL}


def until_closed(view: View) -> timedelta | None:
    expires = view.answers.get("expires")
    if not expires:
        return None  # "I found a job!" from the menu: no survey to close
    return datetime.fromisoformat(str(expires)) - view.now


def _expired(view: View) -> tuple[ExpireSurvey, ...]:
    ref = survey_ref(view)
    return (ExpireSurvey(ref, partial(view.answers)),) if ref else ()


# every question of the survey: closed in time, the answers so far kept, the question left standing
CLOSES = Timeout(after=until_closed, go=STAY, effects=_expired)


def carried(view: View) -> dict[str, Any]:
    return dict(view.answers)


# ---- the occupation -----------------------------------------------------------------------------
def parse_occupation_text(text: str, view: View) -> str:
    """The job in their words; a number alone ("5": the option of a list no longer shown) is no job."""
    if not any(ch.isalpha() for ch in text):
        raise Invalid("survey.occupation_in_words")
    return " ".join(text.split())[:MAX_OCCUPATION_TEXT]


def occupation_options(view: View) -> tuple[Option, ...]:
    typed = str(view.answers.get("typed") or "")
    index = view.ctx.survey_facts.occupations
    found = index.search(typed, limit=CHOICES) if index is not None and typed else []
    if not found:
        return ()
    offered = tuple(
        Option(m.code, "survey.occupation_option", {"title": m.occupation.title(view.lang)}) for m in found
    )
    return (*offered, Option(NONE, "survey.occupation_none"))


def occupation_finish(view: View) -> Done:
    pick = view.answers.get("pick")
    code = None if pick in (None, NONE) else str(pick)
    return Done(result={"code": code, "text": view.answers.get("typed")})


OCCUPATION = Flow(
    "survey_occupation",
    steps=(
        Ask(
            "typed",
            prompt="survey.ask_occupation",
            parse=parse_occupation_text,
            max_length=MAX_OCCUPATION_TEXT,
            timeout=CLOSES,
        ),
        Ask(
            "pick",
            prompt="survey.pick_occupation",
            options=occupation_options,
            invalid="survey.invalid_occupation",
            skip=lambda v: not occupation_options(v),
            timeout=CLOSES,
        ),
    ),
    finish=occupation_finish,
)


# ---- the job ------------------------------------------------------------------------------------
def since_prompt(view: View) -> tuple[Msg, ...]:
    ask = Msg("survey.ask_since")
    return (Msg("survey.found_job_hello"), ask) if view.answers.get("found_job") else (ask,)


def since_options(view: View) -> tuple[Option, ...]:
    return (Option("this_month", "survey.since_this_month"), Option("last_month", "survey.since_last_month"))


def since_of(view: View) -> date | None:
    value = view.answers.get("since")
    if value == "this_month":
        return month_start(today(view))
    if value == "last_month":
        return month_start(today(view), back=1)
    return date.fromisoformat(str(value)) if value else None


def same_job(view: View) -> bool:
    return view.answers.get("same_job") == "yes"


def asks_same_job(view: View) -> bool:
    """A job on record from the last survey, and not "I found a job!" (a new one, by its name)."""
    return bool(view.answers.get("last_job")) and not view.answers.get("found_job")


def job_finish(view: View) -> Done:
    result = {**partial(view.answers), "since": (s.isoformat() if (s := since_of(view)) else None)}
    if same_job(view):  # the job on record goes on: its occupation, as recorded
        facts = view.ctx.survey_facts
        result["occupation"] = {"code": facts.last_job_code, "text": facts.last_job_text or facts.last_job}
    return Done(result=result)


PERCENT_OPTIONS = tuple(Option(str(p), f"survey.percent.{p}") for p in PERCENTS)
JOB = Flow(
    "survey_job",
    steps=(
        # first, when there is a job on record: "yes" skips since when, the occupation and how it
        # was found (none of them changes); the percentage and the salary may have, so they are asked
        Ask(
            "same_job",
            prompt=lambda v: Msg("survey.ask_same_job", {"job": str(v.answers.get("last_job"))}),
            options=yes_no(),
            skip=lambda v: not asks_same_job(v),
            timeout=CLOSES,
        ),
        Ask(
            "since",
            prompt=since_prompt,
            options=since_options,
            parse=parse_since,
            invalid="survey.invalid_since",
            skip=same_job,
            timeout=CLOSES,
        ),
        Call("occupation", "survey_occupation", carry=carried, skip=same_job),
        Ask(
            "percent",
            prompt="survey.ask_percent",
            options=PERCENT_OPTIONS,
            parse=parse_percent,
            invalid="survey.invalid_percent",
            timeout=CLOSES,
        ),
        Ask(
            "salary",
            prompt=lambda v: (Msg("survey.ask_salary"), Msg("survey.salary_private")),
            options=(Option(SKIP, "survey.salary_skip", synonyms="synonyms.no"),),
            parse=parse_salary,
            invalid="survey.invalid_salary",
            timeout=CLOSES,
        ),
        Ask(
            "found_via",
            prompt="survey.ask_found_via",
            options=(Option("self", "survey.found_self"), Option("program", "survey.found_program")),
            skip=same_job,
            timeout=CLOSES,
        ),
    ),
    finish=job_finish,
)


# ---- working or not -----------------------------------------------------------------------------
def working(view: View) -> str | None:
    return view.answers.get("working")


QUESTIONS = Flow(
    "survey_questions",
    steps=(
        Ask(
            "working",
            prompt="survey.ask_working",
            options=(
                Option("yes", "survey.working_yes", synonyms="synonyms.yes"),
                Option("no", "survey.working_no", synonyms="synonyms.no"),
            ),
            next=lambda v: "job" if working(v) == "yes" else "looking",
            targets=("job", "looking"),
            timeout=CLOSES,
        ),
        Call("job", "survey_job", carry=carried, next=END),
        Ask("looking", prompt="survey.ask_looking", options=yes_no(), timeout=CLOSES),
        Ask(
            "help",
            prompt="survey.ask_help",
            options=yes_no("survey.help_yes", "survey.help_no"),
            skip=lambda v: v.answers.get("looking") != "yes",
            timeout=CLOSES,
        ),
    ),
    finish=lambda v: Done(result=partial(v.answers)),
)

FLOWS = (QUESTIONS, JOB, OCCUPATION)


# ---- the answers as the employment history reads them -------------------------------------------
def job_report(answers: dict[str, Any], reported_on: date, survey_id: int | None) -> JobReport:
    """A `JobReport` from the survey's answers (what `survey_questions` or `survey_job` returned)."""
    job = answers.get("job") if isinstance(answers.get("job"), dict) else None
    if answers.get("found_job"):
        job = answers
    if answers.get("working") != "yes" or job is None:
        looking = answers.get("looking")
        return JobReport(
            reported_on=reported_on,
            working=False,
            looking=None if looking is None else looking == "yes",
            wants_help=None if answers.get("help") is None else answers.get("help") == "yes",
            survey_id=survey_id,
        )
    occupation = job.get("occupation") if isinstance(job.get("occupation"), dict) else {}
    percent = job.get("percent")
    found_via = job.get("found_via")
    same = job.get("same_job")
    return JobReport(
        reported_on=reported_on,
        working=True,
        since=date.fromisoformat(job["since"]) if job.get("since") else None,
        occupation_code=occupation.get("code"),
        occupation_text=occupation.get("text"),
        percent=int(percent) if percent not in (None, "") else None,
        salary=salary_of(job.get("salary")),
        found_via=found_via if found_via in ("self", "program") else None,
        same_job=None if same is None else same == "yes",
        survey_id=survey_id,
    )
