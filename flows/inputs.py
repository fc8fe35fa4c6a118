"""What a person can send, as the engine sees it, whatever the channel."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Pressed:
    """A button press or a quick-reply payload, exactly as the channel returned it."""

    payload: str


@dataclass(frozen=True)
class Contact:
    """A phone number the person shared with the channel's contact button."""

    phone: str
    own: bool = True


@dataclass(frozen=True)
class Command:
    """A slash command such as `/start` or `/menu` (name without the slash, lower case)."""

    name: str
    args: str = ""


@dataclass(frozen=True)
class Unsupported:
    """Stickers, photos, voice notes, locations, edited messages..."""

    kind: str


@dataclass(frozen=True)
class Timeout:
    """Nobody answered the question asked at sequence number `seq` in time (delivered by the
    host's scheduler, like a message; see `declare.Timeout`)."""

    seq: int


Input = Text | Pressed | Contact | Command | Unsupported | Timeout
