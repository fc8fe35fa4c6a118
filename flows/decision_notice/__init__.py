"""The decision notice feature: what a participant reads when the center manager has decided their
borderline pre-screen (job kind "decision"; approved: the `conference` flow opened).

    proactive       the message, its job kind, and the trigger of the conference flow
"""

from flows.decision_notice.proactive import (
    FEATURE,
    PROACTIVE,
    decision_sprint,
)

__all__ = [
    "FEATURE",
    "PROACTIVE",
    "decision_sprint",
]
