"""The conversation state of one person: plain data that survives a JSON round-trip.

`VERSION` goes up whenever the shape changes; `State.from_json` upgrades older shapes so that a
deploy never strands a conversation.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, is_dataclass
from datetime import datetime
from typing import Any

VERSION = 2
# 1 → 2: a frame opened by a trigger carries the trigger's `key` (was `answers["subject"]`), and
# `asked`, the sequence number its current question was asked at (a timeout names it).


@dataclass
class Frame:
    """One flow in progress: where it stands and what it has collected."""

    flow: str
    node: str | None = None
    answers: dict[str, Any] = field(default_factory=dict)
    history: list[str] = field(default_factory=list)
    # What a trigger opened this frame about ("e12": an event, "m3": a meeting); a second trigger
    # with the same flow and key replaces it. None: the person opened it.
    key: str | None = None
    asked: int | None = None  # the state's `seq` when the current question was asked


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
        # The same text as json.dumps(asdict(self)), without asdict's deep copy of every answer
        # (a step writes the state twice: the engine's working copy, and the row saved).
        data = {
            "frames": [
                {
                    "answers": f.answers,
                    "asked": f.asked,
                    "flow": f.flow,
                    "history": f.history,
                    "key": f.key,
                    "node": f.node,
                }
                for f in self.frames
            ],
            "lang": self.lang,
            "last_active": self.last_active.isoformat() if self.last_active else None,
            "seq": self.seq,
            "version": self.version,
        }
        return json.dumps(data, ensure_ascii=False, sort_keys=True, default=_plain)

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


def _plain(value: object) -> Any:
    """An answer that is a dataclass is written as its fields (as `asdict` wrote it)."""
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


FrameUpgrade = Callable[[dict[str, Any]], list[dict[str, Any]]]
# version → how a flow whose shape changed in that version rewrites a frame saved before it (one
# frame may become several: a flow split into a menu and sub-flows). Flows register their own.
FRAME_UPGRADES: dict[int, list[FrameUpgrade]] = {}


def upgrades_frames(version: int) -> Callable[[FrameUpgrade], FrameUpgrade]:
    def register(upgrade: FrameUpgrade) -> FrameUpgrade:
        FRAME_UPGRADES.setdefault(version, []).append(upgrade)
        return upgrade

    return register


def _upgrade_frames(data: dict[str, Any], version: int) -> dict[str, Any]:
    frames = list(data.get("frames", []))
    for upgrade in FRAME_UPGRADES.get(version, []):
        frames = [new for frame in frames for new in upgrade(frame)]
    return {**data, "frames": frames}


def _upgrade(data: dict[str, Any]) -> dict[str, Any]:
    """Bring an older stored state up to `VERSION`, one version at a time."""
    version = int(data.get("version", 1))
    if version > VERSION:
        # A newer deploy wrote this state and we were rolled back: start clean rather than guess.
        return {"lang": data.get("lang", "he")}
    if version < 2:
        frames = []
        for frame in data.get("frames", []):
            answers = dict(frame.get("answers", {}))
            subject = answers.pop("subject", None)
            frames.append({**frame, "answers": answers, "key": None if subject is None else str(subject)})
        data = _upgrade_frames({**data, "frames": frames, "version": 2}, 2)
    return data
