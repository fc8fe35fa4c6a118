"""What a step asks the shell to store. The shell applies all effects of a step in one transaction.

Every effect is a frozen dataclass that subclasses `Effect`. The ones here are the engine's and the
shell's own (answers, profile, outcome, language, opting out, phone, timeouts, erasing); a feature's
effects live in its package (`flows/events/effects.py`, `flows/homework/effects.py`...), and each has
exactly one storage handler (`bot/registry.EFFECT_TYPES` are all the subclasses of `Effect`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any


class Effect:
    """What a step asks the shell to store (the base of every effect type)."""


@dataclass(frozen=True)
class SaveAnswer(Effect):
    flow: str
    question: str
    raw: str
    value: Any


@dataclass(frozen=True)
class UpdateProfile(Effect):
    """Participant profile fields that a finished flow established."""

    fields: dict[str, Any]


@dataclass(frozen=True)
class RecordOutcome(Effect):
    outcome: str  # "eligible" | "not_eligible" | "manager_decision"
    center: str | None
    reasons: tuple[str, ...] = ()
    referral_suggested: bool = False
    decision_due: date | None = None


@dataclass(frozen=True)
class RequestHandoff(Effect):
    """The person asked to talk to a person; staff see it in their queue."""

    flow: str | None
    question: str | None


@dataclass(frozen=True)
class SetOptOut(Effect):
    opted_out: bool


@dataclass(frozen=True)
class SetLanguage(Effect):
    lang: str


@dataclass(frozen=True)
class SetPhone(Effect):
    phone: str


@dataclass(frozen=True)
class ArmTimeout(Effect):
    """A question waits with a time limit: at `at`, deliver `inputs.Timeout(seq)` to the person's
    conversation (the shell's durable scheduler does, like any due job). A timeout whose question
    was answered meanwhile changes nothing."""

    at: datetime
    seq: int


@dataclass(frozen=True)
class DeleteMyData(Effect):
    """Erase the person: profile, answers, outcomes, identities, conversation."""
