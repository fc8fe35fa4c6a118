"""The eligibility decision of the pre-screen, from the answers and the center's thresholds.

Each criterion passes, fails, or is "almost" (inside the configured margin, or the answer cannot
tell); any failure → not eligible; otherwise any "almost" → the center manager decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flows.program import Eligibility

ELIGIBLE, NOT_ELIGIBLE, MANAGER = "eligible", "not_eligible", "manager_decision"
# The reasons `evaluate` reports, each said in plain words by a `reason.<code>` message. A case the
# manager decides may also carry "special_circumstances" (the person asked), which has no words.
REASONS = (
    "age_below",
    "age_above",
    "not_in_area",
    "not_willing",
    "out_of_work_short",
    "out_of_work_long",
    "job_share_low",
    "experience_low",
    "not_able",
)


@dataclass(frozen=True)
class Bucket:
    """A span of time out of work, in days: [low, high); high None = no upper end."""

    value: str
    label: str
    low: int
    high: int | None


# The answers to "how long have you been without work?". Boundaries include every threshold the
# program discusses (2 weeks, 1 and 2 months; 3, 10 and 20 years), so those always decide cleanly.
OUT_OF_WORK_BUCKETS = (
    Bucket("working", "prescreen.oow.working", 0, 1),
    Bucket("lt2w", "prescreen.oow.lt2w", 1, 14),
    Bucket("2w1m", "prescreen.oow.2w1m", 14, 30),
    Bucket("1m2m", "prescreen.oow.1m2m", 30, 60),
    Bucket("2m1y", "prescreen.oow.2m1y", 60, 365),
    Bucket("1y3y", "prescreen.oow.1y3y", 365, 1095),
    Bucket("3y10y", "prescreen.oow.3y10y", 1095, 3650),
    Bucket("10y20y", "prescreen.oow.10y20y", 3650, 7300),
    Bucket("gt20y", "prescreen.oow.gt20y", 7300, None),
)

SPECIAL_GROUPS = ("disability", "haredi", "released_prisoner", "single_parent")


def bucket_for_days(days: int) -> Bucket:
    for bucket in OUT_OF_WORK_BUCKETS[1:]:
        if days < (bucket.high if bucket.high is not None else days + 1):
            return bucket
    return OUT_OF_WORK_BUCKETS[-1]


def bucket(value: str) -> Bucket:
    return next(b for b in OUT_OF_WORK_BUCKETS if b.value == value)


@dataclass(frozen=True)
class Verdict:
    outcome: str
    failed: tuple[str, ...]
    almost: tuple[str, ...]
    referral_suggested: bool

    @property
    def reasons(self) -> tuple[str, ...]:
        return self.failed if self.outcome == NOT_ELIGIBLE else self.almost


def _below(
    value: float, minimum: float, margin: float, reason: str, failed: list[str], almost: list[str]
) -> None:
    if value >= minimum:
        return
    (almost if minimum - value <= margin else failed).append(reason)


def evaluate(answers: dict[str, Any], rules: Eligibility) -> Verdict:
    failed: list[str] = []
    almost: list[str] = []
    age = answers.get("age", {}).get("age")
    if age is not None:
        _below(age, rules.min_age, rules.margin_age_years, "age_below", failed, almost)
        if age > rules.max_age:
            (almost if age - rules.max_age <= rules.margin_age_years else failed).append("age_above")
    if rules.require_in_area:
        if answers.get("center") in (None, "other"):
            failed.append("not_in_area")
        elif answers.get("willing") == "no":
            failed.append("not_willing")
    oow = answers.get("out_of_work")
    if oow is not None:
        span = bucket(oow)
        minimum = rules.min_out_of_work_days
        if span.high is not None and span.high <= minimum:
            failed.append("out_of_work_short")
        elif span.low < minimum:
            almost.append("out_of_work_short")
        maximum = rules.max_out_of_work_years * 365
        if span.low >= maximum:
            failed.append("out_of_work_long")
        elif span.high is None or span.high > maximum:
            almost.append("out_of_work_long")
    share = answers.get("job_share")
    if share is not None:
        _below(share, rules.min_job_share, rules.margin_job_share, "job_share_low", failed, almost)
    experience = answers.get("experience")
    if experience is not None:
        _below(
            experience,
            rules.min_experience_years,
            rules.margin_experience_years,
            "experience_low",
            failed,
            almost,
        )
    if rules.require_able_to_work and answers.get("able") == "no":
        failed.append("not_able")
    groups = answers.get("groups") or []
    referral = len([g for g in groups if g in SPECIAL_GROUPS]) >= 2
    if failed:
        outcome = NOT_ELIGIBLE
    elif almost:
        outcome = MANAGER
    else:
        outcome = ELIGIBLE
    return Verdict(outcome, tuple(failed), tuple(almost), referral)
