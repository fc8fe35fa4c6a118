"""Telegram: `adapter` (updates → `Inbound`, a `Delivery` → messages; polling for `midway run`),
`webhook` (its part of `midway serve`), `sender` (proactive messages, by the Bot API's HTTPS).

Enabled by TELEGRAM_BOT_TOKEN. The parts are imported when they are built, so a command that does
not talk to Telegram does not load python-telegram-bot.
"""

from __future__ import annotations

from bot.app import App
from bot.channels.base import Channel, WebChannel
from bot.outbound import ChannelSender
from bot.settings import Settings

NAME = "telegram"


def enabled(settings: Settings) -> bool:
    return bool(settings.telegram_token)


def sender(app: App) -> ChannelSender:
    from bot.channels.telegram.sender import TelegramSender

    assert app.settings.telegram_token
    return TelegramSender(
        app.settings.telegram_token,
        app.catalogs,
        app.settings.telegram_api_base_url,
        per_second=app.program.scheduling.scheduler.telegram_per_second,
    )


def webhook(app: App) -> WebChannel:
    from bot.channels.telegram.webhook import telegram_channel

    return telegram_channel(app)


CHANNEL = Channel(NAME, enabled, sender, webhook)
