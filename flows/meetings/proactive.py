"""The proactive messages of personal meetings (looked up by job kind: `flows/registry.py`)."""

from __future__ import annotations

from flows.proactive import ProactiveKind, asking

# a cancelled meeting is told by the events feature's `notice` kind, under this message kind
NOTICE_KINDS = {"meetings.cancelled_notice": "notice.meeting_cancelled"}

PROACTIVE = (
    ProactiveKind(
        "meeting",
        asking("meeting"),
        lambda data: f"meeting.{data.get('note', 'reminder')}",
        frozenset({"meeting.scheduled", "meeting.moved", "meeting.reminder"}),
    ),
)
