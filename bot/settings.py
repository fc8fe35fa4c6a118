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
        )
