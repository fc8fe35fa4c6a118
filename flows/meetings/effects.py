"""The meetings feature's effect, applied by `storage/events/handlers.py` and answered with a
`flows.results.MeetingAnswerResult`."""

from __future__ import annotations

from dataclasses import dataclass

from flows.effects import Effect


@dataclass(frozen=True)
class AnswerMeeting(Effect):
    meeting: str  # a `MeetingFacts.ref`
    action: str  # confirm | reschedule | cancel
    reason: str | None = None
