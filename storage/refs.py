"""The references the flows carry for rows ("e12" for event 12, "m3" a meeting, "h7" a hand-off
request, "d4" a manager's decision), read back into row ids."""

from __future__ import annotations


def ref_id(ref: str, prefix: str) -> int | None:
    """The row id in `ref` when it starts with `prefix` and a number follows; None otherwise."""
    rest = ref[len(prefix) :]
    return int(rest) if ref.startswith(prefix) and rest.isdigit() else None
