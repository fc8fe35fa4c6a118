"""The WhatsApp backend of the test kit: signed Twilio webhooks in, the real twilio client out to
the fake Twilio REST API (tests/fake_twilio.py).

    wa = WhatsAppHarness(app, fake)          # the web app with the WhatsApp channel, a fake clock
    ronit = wa.person("+972501234567", "רונית כהן")
    ronit.send("שלום")                        # a signed POST /twilio/whatsapp
    ronit.text()                              # what came back through the fake REST API
    ronit.click("כן")                         # by its number, or its button when templates are set
    ronit.press(payload) / ronit.pick(list_id) / ronit.send_location()

Replies go out in a background task after the webhook's answer; Starlette's TestClient returns
once that task is done, so every `send` is answered before it returns. Messages stepped outside a
request (kept by a process that stopped: stepped at start-up, or by a sweep) are waited for with
`wa.settle()`.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from starlette.testclient import TestClient
from twilio.request_validator import RequestValidator

from bot.bootstrap import App
from bot.channels.whatsapp.adapter import (
    STATUS_PATH,
    WEBHOOK_PATH,
    Incoming,
    WhatsApp,
    build_whatsapp,
    whatsapp_channel,
)
from bot.server import create_web_app
from flows.effects import RecordOutcome, UpdateProfile
from storage import repo
from storage.models import ChannelIdentity, Person
from tests.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FROM, Call, FakeTwilio
from tests.kit.chat import DeliveryLog, plain

PUBLIC = "https://bot.example.org"
# Content templates (the `templates` fixture set to True): buttons and lists, and one reminder
HX = {
    name: "HX" + f"{i:032x}"
    for i, name in enumerate(
        ["buttons_2", "buttons_3", "list_4", "list_10", "reminder_he", "reminder_en", "reminder_default"], 1
    )
}
TEMPLATES = f"""
[choices]
buttons_2 = "{HX["buttons_2"]}"
buttons_3 = "{HX["buttons_3"]}"
list_4 = "{HX["list_4"]}"
list_10 = "{HX["list_10"]}"

[kinds."reminder.event"]
variables = ["title", "when"]
he = "{HX["reminder_he"]}"
en = "{HX["reminder_en"]}"
"""


@dataclass
class FakeMonotonic:
    """A monotonic clock that only sleeping moves; `slept` records every wait."""

    now: float = 1000.0
    slept: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.now += seconds


def whatsapp_settings(fake: FakeTwilio, **extra: Any) -> dict[str, Any]:
    return {
        "twilio_account_sid": ACCOUNT_SID,
        "twilio_auth_token": AUTH_TOKEN,
        "twilio_whatsapp_from": FROM,
        "twilio_api_base_url": fake.url,
        "public_base_url": PUBLIC,
        **extra,
    }


class WhatsAppHarness:
    def __init__(self, app: App, fake: FakeTwilio) -> None:
        self.app = app
        self.fake = fake
        self.monotonic = FakeMonotonic()
        self.deliveries = DeliveryLog(app)
        self.whatsapp: WhatsApp = build_whatsapp(app, monotonic=self.monotonic, sleep=self.monotonic.sleep)
        self.web = create_web_app(app, channels=[whatsapp_channel(app, self.whatsapp)])
        self.incoming: Incoming = self.web.state.whatsapp_incoming
        self.client = TestClient(self.web, base_url=PUBLIC)
        self.client.__enter__()  # the server starts: messages a stopped one kept are lined up
        self.validator = RequestValidator(AUTH_TOKEN)
        self._sids = itertools.count(1)

    def close(self) -> None:
        self.client.__exit__(None, None, None)

    def settle(self) -> None:
        """Wait until every message lined up outside a request (start-up, sweeps) is answered."""
        assert self.client.portal is not None
        self.client.portal.call(self.incoming.order.idle)

    def sweep(self, older_than: timedelta) -> int:
        """What the server does every minute: step the messages kept longer ago and not lined up."""
        assert self.client.portal is not None
        lined = self.client.portal.call(self.incoming.recover, older_than)
        self.settle()
        return lined

    def person(self, phone: str, profile_name: str | None = "Ruth") -> WaPerson:
        return WaPerson(self, phone, profile_name)

    def post(self, path: str, form: dict[str, str], signature: str | None = "sign") -> Any:
        headers = {}
        if signature == "sign":
            headers["X-Twilio-Signature"] = self.validator.compute_signature(PUBLIC + path, form)
        elif signature is not None:
            headers["X-Twilio-Signature"] = signature
        return self.client.post(path, data=form, headers=headers)

    def status(self, sid: str, status: str, error_code: str | None = None) -> Any:
        form = {"MessageSid": sid, "MessageStatus": status, "AccountSid": ACCOUNT_SID, "From": FROM}
        if error_code:
            form["ErrorCode"] = error_code
        return self.post(STATUS_PATH, form)

    def next_sid(self) -> str:
        return f"SMfe{next(self._sids):030x}"  # Twilio's form; apart from the fake's own SM…


class WaPerson:
    def __init__(self, harness: WhatsAppHarness, phone: str, profile_name: str | None) -> None:
        self.harness = harness
        self.phone = phone
        self.profile_name = profile_name
        self.last: list[Call] = []
        self.form: dict[str, str] = {}
        self.response: Any = None
        self._said_from = 0

    # ---- what the person does ----------------------------------------------------------------
    def send(self, body: str) -> WaPerson:
        return self.deliver({"Body": body, "NumMedia": "0", "MessageType": "text"})

    def press(self, payload: str, text: str = "") -> WaPerson:
        """A quick-reply button: Twilio sends its id as ButtonPayload and its title as Body."""
        return self.deliver(
            {
                "Body": text,
                "ButtonText": text,
                "ButtonPayload": payload,
                "NumMedia": "0",
                "MessageType": "button",
            }
        )

    def pick(self, list_id: str, title: str = "") -> WaPerson:
        return self.deliver(
            {
                "Body": title,
                "ListId": list_id,
                "ListTitle": title,
                "NumMedia": "0",
                "MessageType": "interactive",
            }
        )

    def click(self, label: str) -> WaPerson:
        """Choose the option labelled `label`: tap its button when the last replies came from a
        Content template, else type its number from the numbered list."""
        if any(c.content_sid for c in self.last):
            return self.tap(label)
        return self.choose(label)

    def tap(self, label: str, message: Call | None = None) -> WaPerson:
        """Tap the quick-reply button titled `label` on the last message with buttons (or on
        `message`): Twilio sends its id as ButtonPayload."""
        with_buttons = [message] if message else [c for c in self.last if c.content_sid]
        assert with_buttons, "no message with buttons"
        variables = with_buttons[-1].variables
        titles = {visible(variables[k]): variables[str(int(k) + 1)] for k in variables if int(k) % 2 == 0}
        assert label in titles, f"no button {label!r} among {list(titles)}"
        return self.press(titles[label], label)

    def choose(self, label: str) -> WaPerson:
        """Answer by the number of an option, as most people do."""
        return self.send(self.number_of(label))

    def number_of(self, label: str) -> str:
        """The number in front of `label` in the last numbered list the person got."""
        found = re.findall(rf"^(\d+)\. .*{re.escape(label)}", self.text(), flags=re.MULTILINE)
        assert found, f"no numbered option {label!r} in {self.text()!r}"
        return found[-1]

    def share_contact(self, phone: str, own: bool = True) -> WaPerson:
        """A contact card, as WhatsApp sends one: a vCard attached to the message."""
        return self.deliver(
            {
                "Body": "",
                "NumMedia": "1",
                "MediaContentType0": "text/vcard",
                "MediaUrl0": "https://api.twilio.com/media/MEvcard",
                "MessageType": "contacts",
            }
        )

    def send_sticker(self) -> WaPerson:
        return self.deliver(
            {
                "Body": "",
                "NumMedia": "1",
                "MediaContentType0": "image/webp",
                "MediaUrl0": "https://api.twilio.com/media/MEsticker",
                "MessageType": "sticker",
            }
        )

    def send_location(self) -> WaPerson:
        return self.deliver(
            {
                "Body": "",
                "Latitude": "32.18",
                "Longitude": "34.90",
                "NumMedia": "0",
                "MessageType": "location",
            }
        )

    def send_photo(self) -> WaPerson:
        return self.deliver(
            {
                "Body": "",
                "NumMedia": "1",
                "MediaContentType0": "image/jpeg",
                "MediaUrl0": "https://api.twilio.com/media/ME1",
                "MessageType": "image",
            }
        )

    def deliver(self, fields: dict[str, str], message_sid: str | None = None) -> WaPerson:
        return self.repeat(self.form_for(fields, message_sid))

    def text_form(self, body: str, message_sid: str | None = None) -> dict[str, str]:
        """The webhook's form for a typed message, not posted (to post it from another thread)."""
        return self.form_for({"Body": body, "NumMedia": "0", "MessageType": "text"}, message_sid)

    def form_for(self, fields: dict[str, str], message_sid: str | None = None) -> dict[str, str]:
        form = {
            "MessageSid": message_sid or self.harness.next_sid(),
            "AccountSid": ACCOUNT_SID,
            "From": f"whatsapp:{self.phone}",
            "To": FROM,
            "WaId": self.phone.lstrip("+"),
            "NumSegments": "1",
            "ApiVersion": "2010-04-01",
            **fields,
        }
        if self.profile_name:
            form["ProfileName"] = self.profile_name
        return form

    def repeat(self, form: dict[str, str]) -> WaPerson:
        """Post `form` (again: Twilio retrying a webhook sends the same MessageSid)."""
        before = len(self.harness.fake.sent_to(self.phone))
        self.form = form
        self._said_from = self.harness.deliveries.count("whatsapp", self.phone)
        self.response = self.harness.post(WEBHOOK_PATH, form)
        assert self.response.status_code == 200, self.response.status_code
        self.last = self.harness.fake.sent_to(self.phone)[before:]
        return self

    # ---- what they see -----------------------------------------------------------------------
    def text(self) -> str:
        """The last replies as the phone shows them (bidi isolation marks are invisible)."""
        return "\n".join(visible(c.text) for c in self.last)

    def last_text(self) -> str:
        return self.text()

    def buttons(self) -> list[str]:
        """The options of the last message that had some: template buttons, or the numbered lines."""
        for call in reversed(self.last):
            if call.content_sid:
                v = call.variables
                return [visible(v[k]) for k in sorted(v, key=int) if int(k) % 2 == 0 and int(k) > 0]
            numbered = re.findall(r"^\d+\. (.*)$", visible(call.text), flags=re.MULTILINE)
            if numbered:
                return numbered
        return []

    def said(self) -> list[str]:
        return self.harness.deliveries.keys_since("whatsapp", self.phone, self._said_from)

    def all_texts(self) -> list[str]:
        return [visible(c.text) for c in self.harness.fake.sent_to(self.phone)]


visible = plain


def whatsapp_participant(app: App, wa: WhatsAppHarness, phone: str, **profile: str) -> int:
    """Someone who wrote from `phone` (so inside the 24-hour window) and was found eligible at the
    Kfar Saba center, with `profile` (e.g. display_name) on their record; their person id."""
    wa.person(phone).send("שלום")
    with app.db.transaction() as s:
        identity = s.scalar(select(ChannelIdentity).where(ChannelIdentity.external_id == phone))
        assert identity is not None
        person = s.get(Person, identity.person_id)
        assert person is not None
        repo.apply_effects(
            s,
            person,
            [UpdateProfile({"center": "kfar-saba", **profile}), RecordOutcome("eligible", "kfar-saba")],
            app.clock(),
        )
        return person.id
