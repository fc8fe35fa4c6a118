"""The hand-off feature: "talk to a person" with no phone on file — the number staff will call.

conversations   the `handoff` flow (the intent "human")
"""

from flows.handoff.conversations import (
    FEATURE,
    HANDOFF,
)

__all__ = [
    "FEATURE",
    "HANDOFF",
]
