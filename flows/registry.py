"""Every feature, and what the engine and the shell look up in them: flows by name (with the roles
they play), proactive kinds by job kind, and how each result of the shell is told.

Adding a feature is one line here (see docs/architecture.md, "Adding a feature").
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flows import (
    cases,
    decision_notice,
    events,
    handoff,
    homework,
    meetings,
    menus,
    prescreen,
    staff,
    staff_queue,
    survey,
)
from flows.context import Context
from flows.declare import Flows, Roles
from flows.engine import Sprint
from flows.feature import Feature, MenuEntry, ResultReplies
from flows.messages import Outgoing
from flows.proactive import TIMEOUT, Data, ProactiveKind
from flows.state import State

FEATURES: tuple[Feature, ...] = (
    prescreen.FEATURE,
    menus.FEATURE,
    handoff.FEATURE,
    events.FEATURE,
    meetings.FEATURE,
    staff.FEATURE,
    staff_queue.FEATURE,
    decision_notice.FEATURE,
    homework.FEATURE,
    cases.FEATURE,
    homework.NEXT_TASK_FEATURE,
    survey.FEATURE,
)


def _roles(features: tuple[Feature, ...]) -> Roles:
    found: dict[str, str] = {}
    for feature in features:
        for role, flow in feature.roles.items():
            if role in found:
                raise ValueError(f"two features play the role {role!r}")
            found[role] = flow
    intents = {
        role.removeprefix("intent:"): flow for role, flow in found.items() if role.startswith("intent:")
    }
    return Roles(newcomer=found["newcomer"], menu=found["menu"], resume=found["resume"], intents=intents)


def _one_each(pairs: list[tuple[Any, Any]], what: str) -> dict[Any, Any]:
    table: dict[Any, Any] = {}
    for key, value in pairs:
        if key in table:
            raise ValueError(f"two features declare the {what} {key!r}")
        table[key] = value
    return table


# The main menu: every feature's entries, by their fixed order (two at one place are refused).
MENU_ENTRIES: tuple[MenuEntry, ...] = tuple(
    sorted(
        _one_each([(e.order, e) for f in FEATURES for e in f.menu], "menu place").values(),
        key=lambda e: e.order,
    )
)
FLOWS = Flows(
    (*(flow for f in FEATURES for flow in f.flows), menus.main_menu(MENU_ENTRIES)), _roles(FEATURES)
)
PROACTIVE: Mapping[str, ProactiveKind] = _one_each(
    [(p.kind, p) for f in FEATURES for p in f.proactive] + [(TIMEOUT.kind, TIMEOUT)], "proactive kind"
)
# Every `Proactive.kind` the scheduler can give; a WhatsApp templates file may name only these.
MESSAGE_KINDS = frozenset(kind for p in PROACTIVE.values() for kind in p.message_kinds)
# What the shell decided for an effect (a `storage` handler's result), in the person's words.
RESULT_REPLIES: Mapping[type, ResultReplies] = _one_each(
    [(kind, told) for f in FEATURES for kind, told in f.results.items()], "result"
)


def _kind_of(job_kind: str, data: Mapping[str, Any]) -> ProactiveKind | None:
    """The job's kind; a question's timeout: its flow's own `timeout.<flow>` kind, if it has one."""
    if job_kind == TIMEOUT.kind and f"{TIMEOUT.kind}.{data.get('flow')}" in PROACTIVE:
        return PROACTIVE[f"{TIMEOUT.kind}.{data.get('flow')}"]
    return PROACTIVE.get(job_kind)


def message_kind(job_kind: str, data: Mapping[str, Any]) -> str:
    """The `Proactive.kind` of a due job's message (WhatsApp picks its approved template by it)."""
    found = _kind_of(job_kind, data)
    return found.message_kind(data) if found else job_kind


def message_variables(job_kind: str, data: Mapping[str, Any]) -> Mapping[str, Any]:
    """The values its kind offers a template (`ProactiveKind.variables`): Msgs and dates to write out."""
    found = _kind_of(job_kind, data)
    return found.variables(data) if found is not None and found.variables is not None else {}


def proactive_sprint(
    state: State,
    kind: str,
    data: Data,
    now: datetime,
    ctx: Context,
    flows: Flows | None = None,
) -> Sprint:
    """The replies of one proactive message (a job of `kind`), and the person's state after it."""
    found = PROACTIVE.get(kind)
    if found is None:
        raise ValueError(f"no proactive message for job kind {kind!r}")
    return found.sprint(state, data, now, ctx, FLOWS if flows is None else flows)


def told(results: tuple[object, ...], lang: str) -> tuple[Outgoing, ...]:
    return tuple(reply for result in results for reply in RESULT_REPLIES[type(result)](result, lang))
