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
from flows.engine import Sprint, open_flow
from flows.events import moved_replies, notice_replies, reminder_replies
from flows.registry import FLOWS
from flows.state import State

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
        return open_flow(state, "attendance", _carry(data), now, ctx, flows)
    if kind in ASKING:
        return open_flow(state, ASKING[kind], _carry(data), now, ctx, flows)
    if kind == "reminder":
        return Sprint(state, reminder_replies(data), ())
    if kind == "notice":
        return Sprint(state, notice_replies(str(data["key"]), dict(data.get("params", {}))), ())
    if kind == "event_moved":
        return Sprint(state, moved_replies(data, state.lang), ())
    if kind == "decision":  # the center manager decided a borderline pre-screen
        return decision_sprint(state, data, now, ctx, flows)
    raise ValueError(f"no proactive message for job kind {kind!r}")


def _carry(data: Mapping[str, Any]) -> dict[str, Any]:
    carry = {k: v for k, v in data.items() if k != "confirm"}
    carry["subject"] = data.get("event") or data.get("meeting")
    return carry
