"""The conversation state of one person: plain data that survives a JSON round-trip.

`VERSION` goes up whenever the shape changes; `State.from_json` upgrades older shapes so that a
deploy never strands a conversation.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

VERSION = 1


@dataclass
class Frame:
    """One flow in progress: where it stands and what it has collected."""

    flow: str
    node: str | None = None
    answers: dict[str, Any] = field(default_factory=dict)
    history: list[str] = field(default_factory=list)


@dataclass
class State:
    lang: str = "he"
    # Counts the questions asked; buttons carry it so a stale or forged press is recognised.
    seq: int = 0
    frames: list[Frame] = field(default_factory=list)
    last_active: datetime | None = None
    version: int = VERSION

    @property
    def top(self) -> Frame | None:
        return self.frames[-1] if self.frames else None

    def to_json(self) -> str:
        data = asdict(self)
        data["last_active"] = self.last_active.isoformat() if self.last_active else None
        return json.dumps(data, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, raw: str | None) -> State:
        if not raw:
            return cls()
        data = json.loads(raw)
        data = _upgrade(data)
        frames = [Frame(**f) for f in data.get("frames", [])]
        last = data.get("last_active")
        return cls(
            lang=data.get("lang", "he"),
            seq=int(data.get("seq", 0)),
            frames=frames,
            last_active=datetime.fromisoformat(last) if last else None,
            version=VERSION,
        )


def _upgrade(data: dict[str, Any]) -> dict[str, Any]:
    """Bring an older stored state up to `VERSION` (no older shapes exist yet)."""
    if int(data.get("version", VERSION)) > VERSION:
        # A newer deploy wrote this state and we were rolled back: start clean rather than guess.
        return {"lang": data.get("lang", "he")}
    return data
