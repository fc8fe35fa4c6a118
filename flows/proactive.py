"""What a proactive message says, and the conversation frame it opens when it asks something.

The scheduler (in `bot/`) calls `proactive_sprint` inside the transaction that prepares a due row:
a question (a reminder asking "will you come?", a seat offered from the waitlist, a meeting to
confirm) is pushed as a flow frame onto the person's state, which the scheduler saves before
sending; the buttons carry the state's sequence number, so the person's press is an ordinary
answer to the engine. Time comes in as `now`; all data comes in as `data` (JSON values).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flows.context import Context
from flows.decision_notice import decision_sprint
from flows.declare import Flow
from flows.engine import Sprint, trigger
from flows.events import moved_replies, notice_replies, reminder_replies
from flows.registry import FLOWS
from flows.state import State
from flows.triggers import Trigger

ASKING = {"offer": "offer", "meeting": "meeting"}  # job kind → flow; reminders ask only if `confirm`


def proactive_sprint(
    state: State,
    kind: str,
    data: Mapping[str, Any],
    now: datetime,
    ctx: Context,
    flows: Mapping[str, Flow] = FLOWS,
) -> Sprint:
    """The replies of one proactive message, and the person's state after it."""
    if kind == "reminder" and data.get("confirm"):
        return trigger(state, _trigger("attendance", data), now, ctx, flows)
    if kind in ASKING:
        return trigger(state, _trigger(ASKING[kind], data), now, ctx, flows)
    if kind == "reminder":
        replies = reminder_replies(
            str(data.get("title", "")), datetime.fromisoformat(data["when"]), str(data.get("place", ""))
        )
        return Sprint(state, replies, ())
    if kind == "notice":
        return Sprint(state, notice_replies(str(data["key"]), dict(data.get("params", {}))), ())
    if kind == "event_moved":
        return Sprint(state, moved_replies(data, state.lang), ())
    if kind == "decision":  # the center manager decided a borderline pre-screen
        return decision_sprint(state, data, now, ctx, flows)
    raise ValueError(f"no proactive message for job kind {kind!r}")


def _trigger(flow: str, data: Mapping[str, Any]) -> Trigger:
    about = data.get("event") or data.get("meeting")
    values = {k: v for k, v in data.items() if k != "confirm"}
    return Trigger(flow, values, key=None if about is None else str(about))
