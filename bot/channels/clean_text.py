"""Text from a platform made storable: NUL dropped, lone surrogates replaced.

JSON may carry `\\u0000` and a lone `\\ud800` (Telegram's updates pass on what a client sent), and a
form `%00`. PostgreSQL stores neither a NUL nor a lone surrogate, and UTF-8 cannot encode the
latter, so a step saving such an answer would fail and the person get the apology instead of the
next question. Cleaned where the text enters, so everything after sees ordinary text.
"""

from __future__ import annotations

import re
from typing import Any

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")  # a pair is one character once parsed: these are alone


def clean_text(text: str) -> str:
    return _LONE_SURROGATE.sub("\ufffd", text.replace("\x00", ""))


def clean_json(value: Any) -> Any:
    """Every string in parsed JSON (keys too) through `clean_text`."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_text(k): clean_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean_json(v) for v in value]
    return value
