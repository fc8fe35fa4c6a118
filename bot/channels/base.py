"""What every channel gives the shell, and nothing a channel would need to import back.

A channel is a package (`bot.channels.telegram`, `bot.channels.whatsapp`, `bot.channels.console`)
with its adapter (platform updates → `bot.dispatcher.Inbound`, a `Delivery` → the platform's
messages), its webhook (a `WebChannel` for the web server) and its sender (a
`bot.outbound.ChannelSender` for the scheduler). Its `CHANNEL` says which of these the settings
enable; `bot.bootstrap` lists the channels and builds their parts.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from starlette.routing import BaseRoute

from bot.outbound import ChannelSender
from bot.settings import Settings


class WebhookNotConfigured(RuntimeError):
    """The server cannot safely accept webhooks with the settings it was given."""


async def _nothing() -> None:
    return None


@dataclass(frozen=True)
class WebChannel:
    """One platform's part of the web server."""

    name: str
    routes: Sequence[BaseRoute]
    startup: Callable[[], Awaitable[None]] = _nothing
    shutdown: Callable[[], Awaitable[None]] = _nothing
    state: dict[str, object] = field(default_factory=dict)  # exposed on `web_app.state` (tests, admin)


@dataclass(frozen=True)
class Channel:
    """One channel as the shell sees it. The builders take the app (`bot.app.App`); they are typed
    `Any` here because the app holds the channels, and this module must not import it back."""

    name: str
    enabled: Callable[[Settings], bool]  # configured in these settings
    sender: Callable[[Any], ChannelSender]  # proactive messages, for the scheduler
    webhook: Callable[[Any], WebChannel] | None = None  # its part of `midway serve`, when it has one
