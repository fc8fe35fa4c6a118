"""What a flow says: channel-neutral outgoing messages.

A flow never writes user-visible text. It names a message (`Msg("prescreen.ask_age")`) with
parameters; the shell's translator renders it in the person's language.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Union

# A parameter is plain data or another message (rendered in the same language).
Param = Union[str, int, float, date, datetime, "TimeSpan", "Msg", "MsgList"]


@dataclass(frozen=True)
class TimeSpan:
    """A session's time: its day with "10:00–13:00"; without an end (or ending on another day),
    written as its start alone."""

    starts_at: datetime
    ends_at: datetime | None = None


@dataclass(frozen=True)
class Msg:
    key: str
    params: Mapping[str, Any] = field(default_factory=dict)  # values: see `Param`

    def __hash__(self) -> int:  # params is a dict; identity by key is enough for sets
        return hash(self.key)


@dataclass(frozen=True)
class MsgList:
    """Several messages rendered one per line (e.g. a list of reasons or services)."""

    items: tuple[Msg, ...]
    bullet: str = "•"


@dataclass(frozen=True)
class Choice:
    """One button. `payload` goes back to the engine as a `Pressed` input when clicked."""

    payload: str
    label: Msg


@dataclass(frozen=True)
class Reply:
    """One outgoing chat message: text parts (joined by blank lines) and optional choices."""

    parts: tuple[Msg, ...]
    choices: tuple[Choice, ...] = ()
    request_contact: bool = False
    remove_keyboard: bool = False
    multi_select: bool = False
    # A typed number is the answer itself ("12" seats), never the number of a choice: channels that
    # number the choices (WhatsApp without templates, the console) list them without numbers.
    typed_numbers: bool = False


@dataclass(frozen=True)
class Document:
    """A file to send (e.g. a calendar invitation).

    `useful_until`: when the file is of no more use (a calendar file: when its event ends); a
    channel that serves files by URL (WhatsApp) lets the link expire then, at the latest.
    """

    filename: str
    content: bytes
    mime_type: str
    caption: Msg | None = None
    useful_until: datetime | None = None


Outgoing = Reply | Document
