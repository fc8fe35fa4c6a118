"""The eligibility decision at the edges of each threshold, with the program's default rules: one
answer moved at a time from a case that passes everything, so each test says which edge decides."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from flows.eligibility import ELIGIBLE, MANAGER, NOT_ELIGIBLE, bucket_for_days, evaluate
from flows.program import Eligibility

RULES = Eligibility()  # 45–75 years old, 14 days to 20 years out of work, a quarter job, 5 years
PASSES: dict[str, Any] = {
    "age": {"age": 57},
    "center": "kfar-saba",
    "willing": "yes",
    "out_of_work": "2m1y",
    "job_share": 0.5,
    "experience": 25,
    "able": "yes",
    "groups": [],
}


def decide(rules: Eligibility = RULES, **changes: Any) -> tuple[str, tuple[str, ...]]:
    verdict = evaluate({**PASSES, **changes}, rules)
    return verdict.outcome, verdict.reasons


def test_the_base_case_passes_everything() -> None:
    assert decide() == (ELIGIBLE, ())


@pytest.mark.parametrize(
    ("age", "decision"),
    [
        (43, (NOT_ELIGIBLE, ("age_below",))),
        (44, (MANAGER, ("age_below",))),  # a year under: the manager decides
        (45, (ELIGIBLE, ())),
        (75, (ELIGIBLE, ())),  # the oldest age the program takes
        (76, (MANAGER, ("age_above",))),
        (77, (NOT_ELIGIBLE, ("age_above",))),
    ],
)
def test_age_at_the_edges_of_45_to_75(age: int, decision: tuple[str, tuple[str, ...]]) -> None:
    assert decide(age={"age": age}) == decision


@pytest.mark.parametrize(
    ("bucket", "decision"),
    [
        ("lt2w", (NOT_ELIGIBLE, ("out_of_work_short",))),  # under two weeks: too soon
        ("2w1m", (ELIGIBLE, ())),  # two weeks to a month: already counts
        ("3y10y", (ELIGIBLE, ())),
        ("10y20y", (ELIGIBLE, ())),  # under twenty years still counts
        ("gt20y", (NOT_ELIGIBLE, ("out_of_work_long",))),
    ],
)
def test_time_out_of_work_at_the_edges_of_two_weeks_and_twenty_years(
    bucket: str, decision: tuple[str, tuple[str, ...]]
) -> None:
    assert decide(out_of_work=bucket) == decision


def test_a_span_that_straddles_a_threshold_goes_to_the_manager() -> None:
    rules = replace(RULES, min_out_of_work_days=20, max_out_of_work_years=15)
    assert decide(rules, out_of_work="2w1m") == (MANAGER, ("out_of_work_short",))  # 14–30 days around 20
    assert decide(rules, out_of_work="10y20y") == (MANAGER, ("out_of_work_long",))  # 10–20 years around 15
    assert decide(rules, out_of_work="gt20y") == (NOT_ELIGIBLE, ("out_of_work_long",))


@pytest.mark.parametrize(
    ("share", "experience", "decision"),
    [
        (0.25, 5, (ELIGIBLE, ())),
        (0.15, 5, (MANAGER, ("job_share_low",))),  # 0.1 under a quarter: inside the margin
        (0.1, 5, (NOT_ELIGIBLE, ("job_share_low",))),
        (0.25, 3, (MANAGER, ("experience_low",))),  # two years short: inside the margin
        (0.25, 2, (NOT_ELIGIBLE, ("experience_low",))),
    ],
)
def test_job_share_and_experience_at_their_margins(
    share: float, experience: int, decision: tuple[str, tuple[str, ...]]
) -> None:
    assert decide(job_share=share, experience=experience) == decision


def test_living_outside_the_area_or_not_willing_to_come_refuses_unless_the_rule_is_off() -> None:
    assert decide(center="other") == (NOT_ELIGIBLE, ("not_in_area",))
    assert decide(center=None) == (NOT_ELIGIBLE, ("not_in_area",))
    assert decide(willing="no") == (NOT_ELIGIBLE, ("not_willing",))
    anywhere = replace(RULES, require_in_area=False)
    assert decide(anywhere, center="other") == (ELIGIBLE, ())
    assert decide(anywhere, willing="no") == (ELIGIBLE, ())


def test_not_able_to_work_refuses_unless_the_rule_is_off() -> None:
    assert decide(able="no") == (NOT_ELIGIBLE, ("not_able",))
    assert decide(replace(RULES, require_able_to_work=False), able="no") == (ELIGIBLE, ())


def test_a_failure_outweighs_an_almost_and_both_are_kept() -> None:
    verdict = evaluate({**PASSES, "age": {"age": 44}, "able": "no"}, RULES)
    assert (verdict.outcome, verdict.failed, verdict.almost) == (NOT_ELIGIBLE, ("not_able",), ("age_below",))


def test_unanswered_questions_decide_nothing() -> None:
    assert evaluate({"center": "kfar-saba"}, RULES).outcome == ELIGIBLE


@pytest.mark.parametrize(
    ("groups", "referral"),
    [
        ([], False),
        (["disability"], False),
        (["disability", "none"], False),
        (["disability", "single_parent"], True),
        (["haredi", "released_prisoner", "single_parent"], True),
    ],
)
def test_two_special_groups_or_more_suggest_a_referral(groups: list[str], referral: bool) -> None:
    assert evaluate({**PASSES, "groups": groups}, RULES).referral_suggested is referral


@pytest.mark.parametrize(
    ("days", "bucket"),
    [
        (0, "lt2w"),
        (13, "lt2w"),
        (14, "2w1m"),
        (29, "2w1m"),
        (30, "1m2m"),
        (364, "2m1y"),
        (365, "1y3y"),
        (7299, "10y20y"),
        (7300, "gt20y"),
        (20000, "gt20y"),
    ],
)
def test_a_typed_number_of_days_falls_in_the_span_that_holds_it(days: int, bucket: str) -> None:
    assert bucket_for_days(days).value == bucket
