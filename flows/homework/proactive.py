"""Homework's proactive messages: the task told when given, the check-in on the due date, and the
check-in's one reminder (`data`: homework ref, kind, count, text, due, progress; storage/homework.py
reads it fresh when the job is due)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flows.context import Context
from flows.declare import Flows
from flows.engine import Sprint
from flows.homework.conversations import CHECKIN, due_of, task_of
from flows.messages import Msg, Reply
from flows.proactive import TIMEOUT, Data, ProactiveKind
from flows.state import State
from flows.triggers import Trigger


# ---- the proactive messages (`data`: homework ref, kind, count, text, due, progress) ------------
def _assigned(state: State, data: Data, now: datetime, ctx: Context, flows: Flows) -> Sprint:
    told = Msg("homework.assigned", {"task": task_of(data), "due": due_of(data)})
    return Sprint(state, (Reply(parts=(told, Msg("homework.assigned_hint"))),), ())


def _checkin(state: State, data: Data, now: datetime, ctx: Context, flows: Flows) -> Sprint:
    from flows.engine import trigger

    return trigger(state, Trigger("homework_checkin", dict(data), key=str(data["homework"])), now, ctx, flows)


def template_values(data: Data) -> dict[str, Any]:
    """What a WhatsApp template may name (outside the 24-hour window): the task in the person's
    words, and its due date."""
    return {"task": task_of(data), "due": due_of(data)}


PROACTIVE = (
    ProactiveKind(
        "homework_assigned",
        _assigned,
        lambda data: "homework.assigned",
        frozenset({"homework.assigned"}),
        template_values,
    ),
    ProactiveKind(
        "homework_checkin",
        _checkin,
        lambda data: "homework.checkin",
        frozenset({"homework.checkin"}),
        template_values,
    ),
    # the check-in's one reminder: its question's timeout (flows/proactive.py, TIMEOUT), named so
    # that it may have a template of its own — unanswered a day, it is most likely outside the window
    ProactiveKind(
        f"{TIMEOUT.kind}.{CHECKIN.name}",
        TIMEOUT.sprint,
        lambda data: "homework.checkin_reminder",
        frozenset({"homework.checkin_reminder"}),
        template_values,
    ),
)
