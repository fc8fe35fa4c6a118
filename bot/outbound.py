"""Proactive messages: what the assistant sends without being asked (reminders, notices, later
check-ins, surveys and broadcasts), and the contract every channel's sender fulfils.

A reply to a person's own message goes back through the channel that received it (the dispatcher's
`Delivery`). A proactive message starts from a row of due work; the scheduler renders nothing itself:
it hands a `Proactive` to the sender of one of the person's channels and records the `SendResult`.

    due row → Proactive → ChannelSender.send(identity, proactive) → SendResult → row sent / retried /
                                                                               other channel / task

Each channel has its own rules: Telegram may always write to a person who has not blocked the bot;
WhatsApp writes free-form only inside the 24-hour window and otherwise needs an approved template for
the message's `kind` and language.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from flows import Outgoing


class SendStatus(enum.Enum):
    SENT = "sent"  # accepted by the platform (delivery may still fail later: status callbacks)
    HELD = "held"  # not sent on purpose (WhatsApp: outside the window and no template); staff see it
    UNREACHABLE = "unreachable"  # this channel cannot reach the person (blocked the bot, 21610)
    OPTED_OUT = "opted_out"  # the person asked for no proactive messages
    RETRY = "retry"  # a transient failure (network, 429, 5xx): try again later
    FAILED = "failed"  # a permanent error for this message; retrying will not help


@dataclass(frozen=True)
class Proactive:
    """One message to one person, channel-neutral.

    `kind` names what it is ("reminder.event", "meeting.scheduled", ...): WhatsApp picks the approved
    template for a kind and language, filling it with `variables` (plain strings, already in the
    person's language). `replies` is the free-form form of the same message.
    """

    person_id: int
    kind: str
    lang: str
    replies: tuple[Outgoing, ...]
    variables: Mapping[str, str] = field(default_factory=dict)
    reference: str | None = None  # the due row it comes from ("job:42"), for logs and status callbacks


@dataclass(frozen=True)
class Recipient:
    """Where to send on one channel: the identity and what the channel needs to decide."""

    person_id: int
    channel: str
    external_id: str  # never logged at INFO: it is a phone number or a Telegram user id
    last_inbound_at: datetime | None


@dataclass(frozen=True)
class SendResult:
    status: SendStatus
    detail: str = ""  # an error code or a short reason, for staff reports and logs (no message text)
    retry_after: float | None = None  # seconds, when the platform said so


class ChannelSender(Protocol):
    """Implemented by each channel (`bot.channels.telegram`, `bot.channels.whatsapp`).

    Called from the scheduler's thread; must not raise for platform errors (return a SendResult).
    """

    channel: str

    def send(self, recipient: Recipient, message: Proactive, now: datetime) -> SendResult: ...


@dataclass(frozen=True)
class Transmitted:
    """What became of one platform call from the outbox (`bot/delivery.py`)."""

    status: SendStatus  # SENT, HELD, UNREACHABLE, RETRY or FAILED
    platform_id: str | None = None  # the platform's message id, when sent
    code: str | None = None  # the platform's error code ("telegram_403", "21610")
    retry_after: float | None = None  # seconds, when the platform said so (429)
    platform_status: str = "sent"  # what to store when sent (Twilio's first status: "queued")


class Transport(Protocol):
    """A channel's side of the outbox: render replies into platform calls (inside the step's
    transaction, so the rows hold exactly what goes out), and make one call, paced."""

    channel: str

    def render(self, lang: str, replies: tuple[Outgoing, ...]) -> list[dict[str, Any]]: ...

    def transmit(self, address: str, part: Mapping[str, Any], priority: int) -> Transmitted: ...
