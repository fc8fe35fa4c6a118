"""WhatsApp through Twilio: `adapter` (webhooks → `Inbound`, replies by REST, the web channel and
`WhatsAppSender`, the 24-hour window), `twilio_rest` (the REST client, paced and retried),
`templates` (approved Content templates per message kind and language).

Enabled by TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN; the parts are imported when they are built.
"""

from __future__ import annotations

from bot.app import App
from bot.channels.base import Channel, WebChannel
from bot.outbound import ChannelSender
from bot.settings import Settings

NAME = "whatsapp"


def enabled(settings: Settings) -> bool:
    return settings.whatsapp_enabled


def sender(app: App) -> ChannelSender:
    from bot.channels.whatsapp.adapter import WhatsAppSender, build_whatsapp

    return WhatsAppSender(build_whatsapp(app))


def webhook(app: App) -> WebChannel:
    from bot.channels.whatsapp.adapter import whatsapp_channel

    return whatsapp_channel(app)


CHANNEL = Channel(NAME, enabled, sender, webhook)
