"""Telegram: `adapter` (updates → `Inbound`, a `Delivery` → messages; polling for `midway run`),
`webhook` (its part of `midway serve`), `sender` (proactive messages, by the Bot API's HTTPS).

Enabled by TELEGRAM_BOT_TOKEN. The parts are imported when they are built, so a command that does
not talk to Telegram does not load python-telegram-bot.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.app import App
from bot.channels.base import Channel, WebChannel
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.channels.telegram.sender import TelegramSender

NAME = "telegram"


def enabled(settings: Settings) -> bool:
    return bool(settings.telegram_token)


def sender(app: App) -> TelegramSender:
    """Proactive messages for the scheduler, and the outbox's transport (the channel's replies)."""
    from bot.channels.telegram.sender import TelegramSender

    return TelegramSender.for_app(app)


def webhook(app: App) -> WebChannel:
    from bot.channels.telegram.webhook import telegram_channel

    return telegram_channel(app)


CHANNEL = Channel(NAME, enabled, sender, webhook)
