"""The staff feature: a center's events managed from the chat (`/staff`): add, list, edit, cancel.

    conversations   the staff menu and its task sub-flows, the frame upgrade of v1 states, and how a
                    `StaffResult` is told
    effects         CreateEvent, EditEvent, CancelEvent (and NewSessionSpec, a session they give)

Its effects are applied by `storage/staff.py`; what waits for the center in the same menu is the
staff queue's (`flows/staff_queue`).
"""

from flows.staff.conversations import (
    ADD,
    CANCEL,
    EDIT,
    FEATURE,
    FLOWS,
    STAFF,
    StaffResult,
    allowed,
    staff_result_replies,
)

__all__ = [
    "ADD",
    "CANCEL",
    "EDIT",
    "FEATURE",
    "FLOWS",
    "STAFF",
    "StaffResult",
    "allowed",
    "staff_result_replies",
]
