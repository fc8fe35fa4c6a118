"""The employment-status survey's effects; `storage/survey.py` applies them (`HANDLERS`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flows.effects import Effect
from flows.employment import JobReport


# ---- the employment-status survey (flows/survey): the shell answers `AnswerSurvey` with a
# `flows.results.SurveyResult` ------------------------------------------------------------------
@dataclass(frozen=True)
class AnswerSurvey(Effect):
    """The survey's answers, complete. `survey` is its ref ("sv12"); None: "I found a job!" from the
    menu, which the shell stores as a survey of its own and tells the promoter about."""

    survey: str | None
    report: JobReport
    answers: dict[str, Any]  # the answers as given (stored with the survey, for staff)


@dataclass(frozen=True)
class SurveyReminded(Effect):
    """The invitation went unanswered: its one reminder is said now."""

    survey: str


@dataclass(frozen=True)
class SurveyUnanswered(Effect):
    """The reminder went unanswered too: a "call them" task for the promoter."""

    survey: str


@dataclass(frozen=True)
class ExpireSurvey(Effect):
    """Left unfinished until the survey closed: it expires, the answers given so far kept."""

    survey: str
    answers: dict[str, Any]
