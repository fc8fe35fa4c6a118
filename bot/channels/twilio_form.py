"""What a signed Twilio webhook may carry, checked after its signature.

Twilio signs the URL followed by every name and value, sorted by name and run together, so the
signature does not say where one field ends and the next begins: a captured webhook can be cut
differently and still carry its signature (a `MessageSid` of `SM…MessageTypetextNumMedia0`, with
`MessageType` and `NumMedia` left out, is a new message id with the old signature). So a form is
taken only when every field is one Twilio sends, once, and the ids have Twilio's shape: a longer id
would absorb a field, an unknown name would be one cut out of a value. Checking lengths and shapes
here also keeps a signed but odd value (300 characters, a status of 500) out of the database's
columns.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import Literal
from urllib.parse import parse_qsl

Kind = Literal["message", "status"]

MESSAGE_SID = re.compile(r"(SM|MM)[0-9a-f]{32}")  # what Twilio gives a message (SMS/WhatsApp, MMS)
STATUS = re.compile(r"[a-z_]{1,16}")  # queued, sent, delivered, read, undelivered, partially_delivered …
ERROR_CODE = re.compile(r"[0-9]{1,16}")
SIDS = ("MessageSid", "SmsSid", "SmsMessageSid")  # one message's id, under its three names

_COMMON = {
    "AccountSid",
    "ApiVersion",
    "From",
    "To",
    "MessagingServiceSid",
    "NumSegments",
    "NumMedia",
    "Body",
    "SmsStatus",
    *SIDS,
}
_NAMES: dict[Kind, frozenset[str]] = {
    # Twilio's incoming message webhook, WhatsApp's fields included
    "message": frozenset(
        _COMMON
        | {
            "ProfileName",
            "WaId",
            "MessageType",
            "Forwarded",
            "FrequentlyForwarded",
            "ButtonText",
            "ButtonPayload",
            "ButtonType",
            "ListId",
            "ListTitle",
            "Latitude",
            "Longitude",
            "Address",
            "Label",
            "ChannelMetadata",
            "OriginalRepliedMessageSender",
            "OriginalRepliedMessageSid",
            "FromCity",
            "FromState",
            "FromZip",
            "FromCountry",
            "ToCity",
            "ToState",
            "ToZip",
            "ToCountry",
        }
    ),
    # Twilio's status callback
    "status": frozenset(
        _COMMON
        | {
            "MessageStatus",
            "ErrorCode",
            "ErrorMessage",
            "ChannelInstallSid",
            "ChannelPrefix",
            "ChannelToAddress",
            "ChannelStatusMessage",
            "EventType",
            "StructuredMessage",
            "RawDlrDoneDate",
        }
    ),
}
# numbered or grouped fields: the media of a message, the ad someone came from
_PATTERNS = re.compile(r"(MediaUrl|MediaContentType)[0-9]{1,2}|Referral[A-Za-z]{1,40}")
_REQUIRED: dict[Kind, tuple[str, ...]] = {
    "message": ("MessageSid", "AccountSid", "From"),
    "status": ("MessageSid", "AccountSid"),
}


def parse(body: bytes) -> list[tuple[str, str]]:
    """The form's fields in the order they came, repeated names kept (so they can be refused)."""
    return parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)


def refusal(fields: Sequence[tuple[str, str]], kind: Kind, account_sid: str) -> str | None:
    """Why this signed form is not one Twilio sent us; None when it is. The reason names fields,
    never their values (they may be a person's words or number)."""
    counts = Counter(name for name, _ in fields)
    repeated = sorted(name for name, n in counts.items() if n > 1)
    if repeated:
        return f"repeated fields {', '.join(repeated)}"
    unknown = sorted(name for name in counts if name not in _NAMES[kind] and not _PATTERNS.fullmatch(name))
    if unknown:
        return f"{len(unknown)} fields Twilio does not send"
    form = dict(fields)
    missing = [name for name in _REQUIRED[kind] if not form.get(name)]
    if missing:
        return f"without {', '.join(missing)}"
    sids = {form[name] for name in SIDS if name in form}
    if len(sids) != 1 or not MESSAGE_SID.fullmatch(form["MessageSid"]):
        return "a message id not of Twilio's form"
    if form["AccountSid"] != account_sid:
        return "another account's AccountSid"
    status = form.get("MessageStatus") or form.get("SmsStatus")
    if kind == "status" and not (status and STATUS.fullmatch(status)):
        return "a status not of Twilio's form"
    if form.get("ErrorCode") and not ERROR_CODE.fullmatch(form["ErrorCode"]):
        return "an error code not of Twilio's form"
    return None
