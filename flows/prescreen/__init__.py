"""The pre-screen feature: the eligibility conversation (שיחת ניתוב) a newcomer starts with, and
the appeal to the center's manager after a not-eligible outcome.

    conversations   the flows (prescreen, appeal), the readers of its answers, its outcomes

Its effects (`RecordOutcome`, `UpdateProfile`) are the shell's own (`storage/repo.py`); the rules it
decides by are `flows/eligibility.py`, shared with the staff queue and the decision notice.
"""

from flows.prescreen.conversations import (
    APPEAL,
    FEATURE,
    JOB_SHARES,
    NO_PHONE,
    PRESCREEN,
    SOURCES,
    ask_phone,
    center_services,
    parse_age,
    parse_city,
    parse_job_share,
    parse_name,
    parse_out_of_work,
    parse_phone,
    parse_years,
    plain_reason,
    reason_msg,
)

__all__ = [
    "APPEAL",
    "FEATURE",
    "JOB_SHARES",
    "PRESCREEN",
    "SOURCES",
    "center_services",
    "parse_age",
    "parse_city",
    "parse_job_share",
    "parse_name",
    "parse_out_of_work",
    "NO_PHONE",
    "ask_phone",
    "parse_phone",
    "parse_years",
    "plain_reason",
    "reason_msg",
]
