"""Configuration from the environment. Nothing else in the code reads `os.environ`."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_TELEGRAM_API = "https://api.telegram.org"


@dataclass(frozen=True)
class Settings:
    database_url: str | None = None
    data_dir: str = "data"
    program_config: str | None = None
    telegram_token: str | None = None
    telegram_api_base_url: str = DEFAULT_TELEGRAM_API
    telegram_webhook_secret: str | None = None
    public_base_url: str | None = None
    log_level: str = "INFO"
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_whatsapp_from: str | None = None  # "whatsapp:+14155238886" (a bare number is accepted)
    twilio_messaging_service_sid: str | None = None  # "MG…": sends from the service's senders
    twilio_api_base_url: str | None = None  # None: Twilio's own hosts
    twilio_messages_per_second: float = 20.0  # pacing per sender
    whatsapp_templates: str | None = None  # TOML: Content templates per message kind and language
    # pacing (bot/pacing.py): Telegram about 30 a second per bot, about 1 a second per chat sustained
    telegram_messages_per_second: float = 30.0
    telegram_chat_messages_per_second: float = 1.0
    telegram_chat_burst: float = 3.0  # a reply of a few messages goes at once; then 1 a second
    # the outbox (bot/delivery.py)
    outbox_lease_seconds: float = 60.0  # a row being sent by a process that died is sent again after
    outbox_max_attempts: int = 6  # transient errors (429, 5xx, network), then failed
    outbox_retry_seconds: float = 2.0  # the first back-off, doubled on each attempt
    outbox_drain_seconds: float = 1.0  # how often rows left unsent are looked for
    sqlite_synchronous: str = "NORMAL"  # FULL: every commit synced (power cuts), slower
    # several processes (bot/presence.py)
    heartbeat_seconds: float = 2.0  # how often a process says it is alive and counts the others
    process_gone_seconds: float = 15.0  # not heard of this long: dead, its claims released

    @property
    def whatsapp_enabled(self) -> bool:
        return bool(self.twilio_account_sid and self.twilio_auth_token)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        return cls(
            database_url=env.get("DATABASE_URL") or None,
            data_dir=env.get("MIDWAY_DATA_DIR", "data"),
            program_config=env.get("MIDWAY_CONFIG") or None,
            telegram_token=env.get("TELEGRAM_BOT_TOKEN") or None,
            telegram_api_base_url=(env.get("TELEGRAM_API_BASE_URL") or DEFAULT_TELEGRAM_API).rstrip("/"),
            telegram_webhook_secret=env.get("TELEGRAM_WEBHOOK_SECRET") or None,
            public_base_url=(env.get("PUBLIC_BASE_URL") or "").rstrip("/") or None,
            log_level=env.get("MIDWAY_LOG_LEVEL", "INFO"),
            twilio_account_sid=env.get("TWILIO_ACCOUNT_SID") or None,
            twilio_auth_token=env.get("TWILIO_AUTH_TOKEN") or None,
            twilio_whatsapp_from=env.get("TWILIO_WHATSAPP_FROM") or None,
            twilio_messaging_service_sid=env.get("TWILIO_MESSAGING_SERVICE_SID") or None,
            twilio_api_base_url=(env.get("TWILIO_API_BASE_URL") or "").rstrip("/") or None,
            twilio_messages_per_second=float(env.get("TWILIO_MESSAGES_PER_SECOND") or 20.0),
            whatsapp_templates=env.get("MIDWAY_WHATSAPP_TEMPLATES") or None,
            telegram_messages_per_second=float(env.get("TELEGRAM_MESSAGES_PER_SECOND") or 30.0),
            telegram_chat_messages_per_second=float(env.get("TELEGRAM_CHAT_MESSAGES_PER_SECOND") or 1.0),
            telegram_chat_burst=float(env.get("TELEGRAM_CHAT_BURST") or 3.0),
            outbox_lease_seconds=float(env.get("MIDWAY_OUTBOX_LEASE_SECONDS") or 60.0),
            outbox_max_attempts=int(env.get("MIDWAY_OUTBOX_MAX_ATTEMPTS") or 6),
            outbox_retry_seconds=float(env.get("MIDWAY_OUTBOX_RETRY_SECONDS") or 2.0),
            outbox_drain_seconds=float(env.get("MIDWAY_OUTBOX_DRAIN_SECONDS") or 1.0),
            sqlite_synchronous=(env.get("MIDWAY_SQLITE_SYNCHRONOUS") or "NORMAL").upper(),
            heartbeat_seconds=float(env.get("MIDWAY_HEARTBEAT_SECONDS") or 2.0),
            process_gone_seconds=float(env.get("MIDWAY_PROCESS_GONE_SECONDS") or 15.0),
        )
