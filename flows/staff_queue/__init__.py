"""The staff queue feature: what waits for a center in the staff menu — "talk to a person" requests
and borderline pre-screens for the manager to decide.

    conversations   the flows (staff_handoffs, staff_decisions), their counts for the staff menu,
                    and how a `QueueResult` is told
    effects         CloseHandoff, DecideCase

Its effects are applied by `storage/staff_queue.py`, which also loads its fact (`staff_queue`).
"""

from flows.staff_queue.conversations import (
    DECISIONS,
    FEATURE,
    FLOWS,
    HANDOFFS,
    JUST_DONE,
    QueueResult,
    case_count,
    center_name,
    handoff_count,
    queue_result_replies,
    reason_answer,
    reasons_with_answers,
)

__all__ = [
    "DECISIONS",
    "FEATURE",
    "FLOWS",
    "HANDOFFS",
    "JUST_DONE",
    "QueueResult",
    "case_count",
    "center_name",
    "handoff_count",
    "queue_result_replies",
    "reason_answer",
    "reasons_with_answers",
]
