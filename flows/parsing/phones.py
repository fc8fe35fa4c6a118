"""Phone numbers to E.164, Israeli local formats included ("050-1234567" → "+972501234567")."""

from __future__ import annotations

import phonenumbers

from flows.parsing.numbers import to_ascii_digits


def to_e164(text: str, region: str = "IL") -> str | None:
    raw = to_ascii_digits(text).strip()
    if raw.startswith("whatsapp:"):
        raw = raw.removeprefix("whatsapp:")
    if raw and raw[0].isdigit() and not raw.startswith("0") and len(raw) > 10:
        raw = "+" + raw  # Telegram shares contacts as "972501234567"
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    # "possible" (right length for the region) rather than "valid": sample numbers such as
    # 050-1234567 sit in ranges not yet allocated, and we would rather keep than refuse a real one.
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
