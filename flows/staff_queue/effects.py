"""The staff queue's effects: the shell checks the role and the center again (`storage/staff_queue.py`)
and answers with a `flows.results.QueueResult`."""

from __future__ import annotations

from dataclasses import dataclass

from flows.effects import Effect


@dataclass(frozen=True)
class CloseHandoff(Effect):
    """A "talk to a person" request was handled (its "call them" task is closed with it)."""

    handoff: str  # a `HandoffFacts.ref`
    note: str | None = None


@dataclass(frozen=True)
class DecideCase(Effect):
    """The center manager decides a borderline pre-screen; the participant is told by the scheduler."""

    decision: str  # a `DecisionFacts.ref`
    approve: bool
