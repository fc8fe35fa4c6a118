"""The cases feature: a participant's case — open, closed or graduated, as of a day — and the
graduation message. It has no conversation of its own: promoters close and reopen a case from the
CLI (`midway participants close/reopen`), and the survey asks whom the case still allows.

    status      case_status, survey_eligible, and the values they read and give (CaseChange,
                CaseStatus, CLOSE_REASONS, MAX_TIME), pure
    proactive   the job kind `graduation` (its message kind `case.graduation`)

Its storage is `storage/cases.py` (the case events, close and reopen, the graduation message's
data); the employment periods it reads are `flows/employment.py`, the report definitions
(`job_kept`, `months_later`) `flows/measures.py`.
"""

from flows.cases.proactive import PROACTIVE
from flows.cases.status import (
    CLOSE_REASONS,
    FOLLOW_UP_MONTHS,
    GRADUATION,
    GRADUATION_MESSAGE,
    MAX_TIME,
    CaseChange,
    CaseState,
    CaseStatus,
    case_status,
    survey_eligible,
)
from flows.feature import Feature

FEATURE = Feature("cases", proactive=PROACTIVE, storage="cases")

__all__ = [
    "CLOSE_REASONS",
    "FEATURE",
    "FOLLOW_UP_MONTHS",
    "GRADUATION",
    "GRADUATION_MESSAGE",
    "MAX_TIME",
    "PROACTIVE",
    "CaseChange",
    "CaseState",
    "CaseStatus",
    "case_status",
    "survey_eligible",
]
