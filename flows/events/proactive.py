"""The proactive messages of events (looked up by job kind: `flows/registry.py`): reminders (one
that asks "will you come?" opens `attendance`), a seat offered from the waiting list (`offer`), an
event that moved, and notices (an event or a meeting cancelled)."""

from __future__ import annotations

from datetime import datetime

from flows.context import Context
from flows.declare import Flows
from flows.engine import Sprint
from flows.events.replies import moved_replies, notice_replies, reminder_replies
from flows.meetings.proactive import NOTICE_KINDS as MEETING_NOTICE_KINDS
from flows.proactive import Data, ProactiveKind, asking
from flows.state import State


def _reminder(state: State, data: Data, now: datetime, ctx: Context, flows: Flows) -> Sprint:
    if data.get("confirm"):  # "will you come?"
        return asking("attendance")(state, data, now, ctx, flows)
    return Sprint(state, reminder_replies(data), ())


def _moved(state: State, data: Data, now: datetime, ctx: Context, flows: Flows) -> Sprint:
    return Sprint(state, moved_replies(data, state.lang), ())


def _notice(state: State, data: Data, now: datetime, ctx: Context, flows: Flows) -> Sprint:
    return Sprint(state, notice_replies(str(data["key"]), dict(data.get("params", {}))), ())


# the message kind of each notice (WhatsApp's template), by its message key
NOTICE_KINDS = {"events.cancelled_notice": "notice.event_cancelled", **MEETING_NOTICE_KINDS}

PROACTIVE = (
    ProactiveKind(
        "reminder",
        _reminder,
        lambda data: "reminder.confirm" if data.get("confirm") else "reminder.event",
        frozenset({"reminder.event", "reminder.confirm"}),
    ),
    ProactiveKind("offer", asking("offer"), lambda data: "waitlist.offer", frozenset({"waitlist.offer"})),
    ProactiveKind(
        "event_moved",
        _moved,
        lambda data: "notice.event_moved",
        frozenset({"notice.event_moved"}),
    ),
    ProactiveKind(
        "notice",
        _notice,
        lambda data: NOTICE_KINDS.get(str(data.get("key")), "notice"),
        frozenset(NOTICE_KINDS.values()),
    ),
)
