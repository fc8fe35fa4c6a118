"""Every feature's effect handlers in one table, checked against what the flows can yield.

The flows' side of each feature (its flows, proactive kinds, results) is collected in
`flows/registry.py`; this is the shell's side: the storage handlers of each effect type.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping

from flows import effects
from storage import events, repo, staff, staff_queue
from storage.effects import Handler

FEATURE_HANDLERS: tuple[Mapping[type, Handler], ...] = (
    repo.HANDLERS,  # the person: answers, profile, outcome, hand-off, opt-out, language, phone, deletion
    events.HANDLERS,  # sign-ups, the waiting list, attendance, meetings
    staff.HANDLERS,  # staff adding, editing and cancelling events in the chat
    staff_queue.HANDLERS,  # staff closing requests, managers deciding cases
)


def _joined() -> dict[type, Handler]:
    table: dict[type, Handler] = {}
    for handlers in FEATURE_HANDLERS:
        twice = set(table) & set(handlers)
        if twice:
            raise ValueError(f"two handlers for {sorted(t.__name__ for t in twice)}")
        table.update(handlers)
    return table


EFFECT_HANDLERS: Mapping[type, Handler] = _joined()
EFFECT_TYPES = frozenset(typing.get_args(effects.Effect))  # every effect a step may yield
