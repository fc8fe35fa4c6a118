"""A proactive start: the system, not the person, opens a flow (goflow's triggers).

A reminder's "will you come?", a seat offered from the waiting list, a meeting to confirm, the
manager's decision: each is a `Trigger` that `engine.trigger` starts on top of whatever the person
is in, through the same entry as a flow the person opens.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Trigger:
    flow: str
    values: dict[str, Any] = field(default_factory=dict)  # the flow's first answers
    # What it is about ("e12", "m3", "d7"): a frame of the same flow and key is replaced, not stacked,
    # and a typed reply to it after a long pause is still an answer to it.
    key: str | None = None
