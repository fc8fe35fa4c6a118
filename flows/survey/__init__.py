"""The employment-status survey: every quarter (configuration), is the person working, and where.

    survey            (proactive: the invitation, on the person's day) why we ask, "let's start" →
                      survey_questions (flows/survey/questions.py). No answer after N days: one
                      reminder (the question's timeout, `SurveyReminded`); still none after that:
                      the question stays and the promoter gets a "call them" task (`SurveyUnanswered`).
                      The survey closes after M days (each question's timeout, `ExpireSurvey`: the
                      answers so far kept). Complete: `AnswerSurvey` with its `JobReport`.
    found_job         (the menu: "I found a job! 🎉") the working branch at once (survey_job), a
                      congratulation, and the promoter is told (`AnswerSurvey` with no survey)

Who is asked and when (the cadence, the spreading, the daily cap) is `storage/survey.py`'s; the
settings are `[survey]` in the program configuration (`flows.scheduling.SurveyTimes`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flows.context import Context
from flows.declare import STAY, Ask, Call, Done, Flow, Flows, Option, Timeout, View
from flows.effects import RequestHandoff
from flows.engine import Sprint
from flows.feature import Feature, MenuEntry, for_participants
from flows.messages import Msg
from flows.proactive import Data, ProactiveKind
from flows.state import State
from flows.survey.effects import AnswerSurvey, SurveyReminded, SurveyUnanswered
from flows.survey.parsing import today
from flows.survey.questions import FLOWS as QUESTION_FLOWS
from flows.survey.questions import job_report, partial, survey_ref
from flows.triggers import Trigger

INVITE_KIND = "survey_invite"  # scheduled_jobs.kind
INVITE_MESSAGE = "survey.invite"  # the WhatsApp message kind (its template: "let's start")
REMINDER_MESSAGE = "timeout.survey"  # the reminder, said by the invitation's timeout


def _days(view: View, name: str) -> timedelta:
    return timedelta(days=getattr(view.ctx.program.scheduling.survey, name))


def survey_id(ref: str | None) -> int | None:
    digits = (ref or "").removeprefix("sv")
    return int(digits) if digits.isdigit() else None


START_OPTIONS = (Option("start", "survey.start", synonyms="synonyms.yes"),)


def invite_prompt(view: View) -> tuple[Msg, ...]:
    return (Msg("survey.invite"), Msg("survey.why"))


def _reminded(view: View) -> tuple[SurveyReminded, ...]:
    ref = survey_ref(view)
    return (SurveyReminded(ref),) if ref else ()


def _unanswered(view: View) -> tuple[SurveyUnanswered, ...]:
    ref = survey_ref(view)
    return (SurveyUnanswered(ref),) if ref else ()


def finish_effects(view: View, answers: dict[str, object], ref: str | None) -> tuple[object, ...]:
    report = job_report(dict(answers), today(view), survey_id(ref))
    effects: list[object] = [AnswerSurvey(ref, report, partial(answers))]
    if report.wants_help:  # in the staff queue, with a "call them" task for their promoter
        effects.append(RequestHandoff("survey", None))
    return tuple(effects)


def survey_finish(view: View) -> Done:
    answers = view.answers.get("answers")
    if not isinstance(answers, dict):
        return Done()
    effects = finish_effects(view, answers, survey_ref(view))
    if answers.get("working") == "yes":
        thanks = "survey.thanks_working"
    elif answers.get("help") == "yes":
        thanks = "survey.thanks_help"
    else:
        thanks = "survey.thanks_not_working"
    return Done(replies=(Msg(thanks),), effects=effects)  # type: ignore[arg-type]


SURVEY = Flow(
    "survey",
    steps=(
        Ask(
            "start",
            prompt=invite_prompt,
            options=START_OPTIONS,
            next="answers",
            timeout=Timeout(
                after=lambda v: _days(v, "reminder_after_days"), go="reminded", effects=_reminded
            ),
        ),
        # still no answer: the question stays (a late answer still counts), and the promoter calls
        Ask(
            "reminded",
            prompt="survey.reminder",
            options=START_OPTIONS,
            timeout=Timeout(after=lambda v: _days(v, "escalate_after_days"), go=STAY, effects=_unanswered),
        ),
        Call(
            "answers",
            "survey_questions",
            carry=lambda v: {k: v.answers.get(k) for k in ("survey", "expires", "last_job")},
        ),
    ),
    finish=survey_finish,
)


# ---- "I found a job! 🎉" from the menu ------------------------------------------------------------
def found_finish(view: View) -> Done:
    job = view.answers.get("job")
    if not isinstance(job, dict):
        return Done()
    answers = {**job, "working": "yes", "found_job": True}
    return Done(replies=(Msg("survey.found_job_thanks"),), effects=finish_effects(view, answers, None))  # type: ignore[arg-type]


FOUND_JOB = Flow(
    "found_job",
    steps=(
        Call(
            "job",
            "survey_job",
            carry=lambda v: {"found_job": True, "working": "yes", "last_job": v.ctx.survey_facts.last_job},
        ),
    ),
    finish=found_finish,
)

FLOWS = (SURVEY, FOUND_JOB, *QUESTION_FLOWS)


# ---- the invitation (`data`: survey ref, expires, last_job) -------------------------------------
QUESTION_FLOW_NAMES = frozenset(f.name for f in QUESTION_FLOWS)


def without_older_survey(state: State) -> State:
    """The state without an earlier survey still standing (last quarter's, never finished): it has
    closed, and ending this one must not ask its question again."""
    fresh = State.from_json(state.to_json())
    kept = []
    dropping = False
    for frame in fresh.frames:
        if frame.flow == "survey":
            dropping = True
            continue
        if dropping and frame.flow in QUESTION_FLOW_NAMES:
            continue
        dropping = False
        kept.append(frame)
    fresh.frames = kept
    return fresh


def _invite(state: State, data: Data, now: datetime, ctx: Context, flows: Flows) -> Sprint:
    from flows.engine import trigger

    start = Trigger("survey", dict(data), key=str(data["survey"]))
    return trigger(without_older_survey(state), start, now, ctx, flows)


PROACTIVE = (
    # the invitation; its reminder is said by the invitation's own timeout (message kind
    # "timeout.survey"), named here so that a WhatsApp template may be configured for it too
    ProactiveKind(
        INVITE_KIND, _invite, lambda data: INVITE_MESSAGE, frozenset({INVITE_MESSAGE, REMINDER_MESSAGE})
    ),
)


FEATURE = Feature(
    "survey",
    flows=FLOWS,
    proactive=PROACTIVE,
    facts=("survey",),
    storage="survey",
    menu=(MenuEntry("found_job", "menu.found_job", for_participants, order=44, then="push:found_job"),),
)
