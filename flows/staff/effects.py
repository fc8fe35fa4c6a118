"""The staff feature's effects: the shell checks the role again, applies them with the same storage
functions as `midway events add|edit|cancel` (`storage/staff.py`), and answers with a
`flows.results.StaffResult`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flows.effects import Effect


@dataclass(frozen=True)
class NewSessionSpec:
    starts_at: datetime
    place: str = ""
    ends_at: datetime | None = None


@dataclass(frozen=True)
class CreateEvent(Effect):
    """An event of the staff member's own center (the shell takes the center from their record)."""

    kind: str
    titles: dict[str, str]
    sessions: tuple[NewSessionSpec, ...]
    capacity: int | None
    track: str
    signup_required: bool


@dataclass(frozen=True)
class EditEvent(Effect):
    event: str  # an `EventOffer.ref`
    sessions: tuple[NewSessionSpec, ...] | None = None  # every session, as it should be now
    capacity: int | None = None
    clear_capacity: bool = False


@dataclass(frozen=True)
class CancelEvent(Effect):
    event: str
