"""The WhatsApp channel, through Twilio: webhooks in, REST calls out, with WhatsApp's rules.

    POST /twilio/whatsapp  signature checked → kept (one short transaction) → empty TwiML →
                           (background, worker thread, after the sender's previous message)
                           Dispatcher.handle → replies through `messages.create` → outbound_messages
    POST /twilio/status    signature checked → the message's delivery status in outbound_messages

- Who: the sender's number (`WaId`, else `From`) in E.164 is the identity and the person's phone,
  so someone who shared the same number on Telegram is the same person.
- What: `Body` is text; a quick-reply button (`ButtonPayload`) and a list choice (`ListId`) carry
  the engine's choice payload back; media and locations get the engine's kind "cannot read that".
- Once: `MessageSid` is the id the dispatcher deduplicates on (Twilio retries a webhook that
  timed out or failed).
- Kept, in order (`Incoming`): Twilio sends no webhook again after a 200, so the message is stored
  as pending (`storage/inbox.py`: what it says, who sent it) before Twilio gets its answer; the step
  takes that row and clears it in its own transaction. One person's messages are stepped and
  answered in the order they reached us, different people's at once (`ArrivalOrder`). Messages a
  stopped process left pending are stepped when the server starts, and any left longer than
  `LEASE` every `SWEEP_EVERY`.
- Choices: buttons or a list when a Content template for that shape is configured
  (`bot.channels.whatsapp.templates`), otherwise a numbered list (`bot.channels.numbered`); replies
  by number or by text are matched by the engine like any typed reply.
- Proactive messages (`WhatsAppSender`): free-form inside the 24-hour window, an approved template
  outside it, held for staff when there is none; never to a person who opted out.
- Files (a sign-up's calendar file): WhatsApp through Twilio takes no `text/calendar` media (its
  documents are PDF and Office files) and drops a document's caption, so the file is stored under
  PUBLIC_BASE_URL with a link that expires (`bot.file_links`) and goes as plain text: the caption,
  then "add to your calendar" and the link on a line of its own (the phone opens it and offers to add
  the event). Without PUBLIC_BASE_URL only the caption goes.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy.orm import Session
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from twilio.request_validator import (
    SIGNATURE_HEADER,
    SIGNATURE_SETTINGS_HEADER,
    RequestValidator,
    get_signature_algorithm,
)

from bot.app import App
from bot.channels import twilio_form
from bot.channels.arrival_order import ArrivalOrder
from bot.channels.base import WebChannel, WebhookNotConfigured
from bot.channels.clean_text import clean_text
from bot.channels.labels import fit_labels
from bot.channels.numbered import numbered_text
from bot.channels.telegram.render import split_text
from bot.channels.whatsapp.templates import (
    BUTTON_TITLE_MAX,
    INTERACTIVE_BODY_MAX,
    LIST_ITEM_MAX,
    TemplateConfigError,
    Templates,
    load_templates,
)
from bot.channels.whatsapp.twilio_rest import Created, TwilioMessages, build_messages
from bot.dispatcher import Delivery, Inbound
from bot.file_links import FileLinks
from bot.i18n import Translator
from bot.outbound import Proactive, Recipient, SendResult, SendStatus, Transmitted
from bot.request_body import limited_body
from flows import Command, Document, Input, Outgoing, Pressed, Reply, Text, Unsupported
from flows.parsing.phones import to_e164
from storage import inbox, outbox

log = logging.getLogger("bot.channels.whatsapp")  # the channel's logger (its package), as operators filter it

CHANNEL = "whatsapp"
WEBHOOK_PATH = "/twilio/whatsapp"
STATUS_PATH = "/twilio/status"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
MAX_BODY = 100_000  # bytes; a Twilio webhook is a few hundred
TEXT_LIMIT = 1600  # characters in one WhatsApp message body through Twilio
WINDOW = timedelta(hours=24)
WINDOW_MARGIN = timedelta(minutes=10)  # a free-form message started at 23:59 may arrive after 24:00
UNSUBSCRIBED = "21610"  # the person replied STOP to Twilio: no more messages from this sender
OUTSIDE_WINDOW = "63016"  # free-form outside the 24-hour window
LEASE = timedelta(seconds=30)  # a message pending longer, and not in this process's lines, was left
SWEEP_EVERY = 10.0  # seconds between looks for such messages
# What a message is rebuilt from (`to_inbound` reads these): kept with it until its step.
MESSAGE_FIELDS = (
    "WaId",
    "From",
    "ProfileName",
    "Body",
    "ButtonText",
    "ButtonPayload",
    "ListId",
    "NumMedia",
    "MediaContentType0",
    "Latitude",
    "Longitude",
)


# ---- webhooks in -----------------------------------------------------------------------------
def to_inbound(form: Mapping[str, str]) -> Inbound | None:
    """The dispatcher's view of a Twilio WhatsApp webhook; None when there is no sender or nothing
    a person said (a reaction, an empty message)."""
    phone = sender_phone(form)
    if phone is None:
        return None
    inp = _input(form)
    if inp is None:
        return None
    return Inbound(
        channel=CHANNEL,
        external_id=phone,
        input=inp,
        message_id=form.get("MessageSid") or form.get("SmsMessageSid") or None,
        profile_name=(form.get("ProfileName") or "").strip() or None,
        language_hint=None,  # WhatsApp says nothing of the app's language: Hebrew, until they choose
        phone=phone,
    )


def rebuilt_inbound(platform_id: str, fields: Mapping[str, str]) -> Inbound | None:
    """A kept message (its form fields) as it came, for the dispatcher (`Dispatcher.rebuilders`)."""
    return to_inbound({**fields, "MessageSid": platform_id})


def sender_phone(form: Mapping[str, str]) -> str | None:
    wa_id = (form.get("WaId") or "").strip()
    if wa_id:
        return to_e164("+" + wa_id.lstrip("+"))
    sender = (form.get("From") or "").strip()
    return to_e164(sender) if sender.startswith(("whatsapp:+", "+")) else None


_OURS = re.compile(r"^(\d+:|g:)")


def _input(form: Mapping[str, str]) -> Input | None:
    payload = form.get("ButtonPayload") or form.get("ListId")
    # our buttons carry "<seq>:<value>" (or a global action); an approved template's own quick-reply
    # button (the survey's "let's start") has a fixed id: its words are the answer, as if typed
    if payload and (_OURS.match(payload) or not form.get("ButtonText")):
        return Pressed(payload)
    if _int(form.get("NumMedia")) > 0:
        kind = (form.get("MediaContentType0") or "media").split("/")[0]
        return Unsupported({"image": "photo", "audio": "voice", "application": "document"}.get(kind, kind))
    if form.get("Latitude") or form.get("Longitude"):
        return Unsupported("location")
    body = form.get("Body") or form.get("ButtonText") or ""
    if not body.strip():
        return None
    if body.startswith("/") and len(body) > 1 and not body[1].isspace():
        name, _, args = body[1:].partition(" ")
        return Command(name.lower(), args.strip())
    return Text(body)


def _int(value: str | None) -> int:
    try:
        return int(value or 0)
    except ValueError:
        return 0


# ---- replies out -----------------------------------------------------------------------------
@dataclass(frozen=True)
class OutMessage:
    """One WhatsApp message to send: a body, or a Content template with its variables."""

    body: str | None = None
    content_sid: str | None = None
    variables: Mapping[str, str] | None = None


# A document's public URL (stored for the person's phone to open), or None when files cannot be linked.
Linker = Callable[[Document], str | None]
CALENDAR = "text/calendar"


def render(
    translator: Translator, items: Sequence[Outgoing], templates: Templates, link: Linker | None = None
) -> list[OutMessage]:
    messages: list[OutMessage] = []
    for item in items:
        if isinstance(item, Reply):
            messages += _render_reply(translator, item, templates)
        elif isinstance(item, Document):
            messages += _render_document(translator, item, link)
    return messages


def _render_document(translator: Translator, document: Document, link: Linker | None) -> list[OutMessage]:
    """A calendar file as text: its caption, a line saying what the link is for, and the link.

    Not as media: Twilio's WhatsApp documents are PDF and Office files (no `text/calendar`, so the
    whole message would fail) and their caption is dropped. The phone opens the link and offers to
    add the event. The link has a line of its own and no isolates (FSI/PDI would stick to it and
    break it): alone on its line it reads left to right inside right-to-left text and stays
    tappable. Without a link (no PUBLIC_BASE_URL, the file could not be stored, or it is not a
    calendar file) the caption goes alone."""
    caption = translator.render(document.caption) if document.caption else ""
    url = link(document) if link is not None and document.mime_type == CALENDAR else None
    if url is None:
        log.debug(
            "whatsapp: document %s (%s) sent as its caption only", document.filename, document.mime_type
        )
        lines = [caption]
    else:
        lines = [caption, translator.render_key("whatsapp.calendar_link"), url]
    text = "\n".join(line for line in lines if line.strip())
    return [OutMessage(body=part) for part in split_text(text, TEXT_LIMIT)] if text else []


def _render_reply(translator: Translator, reply: Reply, templates: Templates) -> list[OutMessage]:
    interactive = _interactive(translator, reply, templates)
    if interactive is not None:
        return [interactive]
    text = numbered_text(translator, reply) if reply.choices else translator.text(reply)
    if not text.strip():
        log.warning(
            "whatsapp: a reply rendered empty was not sent (%s)", ",".join(p.key for p in reply.parts)
        )
        return []
    return [OutMessage(body=part) for part in split_text(text, TEXT_LIMIT)]


def _interactive(translator: Translator, reply: Reply, templates: Templates) -> OutMessage | None:
    """Buttons (up to 3) or a list (up to 10), when a template of that shape is configured and
    the text fits WhatsApp's limits; labels are shortened to fit (`bot.channels.labels`)."""
    count = len(reply.choices)
    if not count or not templates.choices:
        return None
    text = translator.text(reply)
    if not text.strip() or len(text) > INTERACTIVE_BODY_MAX:
        return None
    buttons = templates.choices.get(f"buttons_{count}") if count <= 3 else None
    labels = [c.label for c in reply.choices]
    titles = fit_labels(translator, labels, BUTTON_TITLE_MAX) if buttons else []
    if buttons and all(len(t) <= BUTTON_TITLE_MAX for t in titles):
        variables = {"1": text}
        for i, (title, choice) in enumerate(zip(titles, reply.choices, strict=True), start=1):
            variables[str(2 * i)] = title
            variables[str(2 * i + 1)] = choice.payload
        return OutMessage(content_sid=buttons, variables=variables)
    listed = templates.choices.get(f"list_{count}") if count <= 10 else None
    titles = fit_labels(translator, labels, LIST_ITEM_MAX) if listed else []
    if listed and all(len(t) <= LIST_ITEM_MAX for t in titles):
        variables = {"1": text, "2": translator.render_key("whatsapp.list_button")}
        for i, (title, choice) in enumerate(zip(titles, reply.choices, strict=True), start=1):
            variables[str(2 * i + 1)] = title
            variables[str(2 * i + 2)] = choice.payload
        return OutMessage(content_sid=listed, variables=variables)
    return None


# ---- the channel -----------------------------------------------------------------------------
class WhatsApp:
    """Everything WhatsApp needs at run time: the REST sender (one pacer per sender number), the
    templates, the webhook validator. One per process, shared by the web channel and the
    proactive sender. Also the outbox's `Transport` (bot/delivery.py): `render` makes the rows'
    calls inside the step's transaction, `transmit` makes one call."""

    channel = CHANNEL

    def __init__(
        self,
        app: App,
        messages: TwilioMessages,
        templates: Templates,
        validator: RequestValidator,
        public_base_url: str,
    ) -> None:
        self.app = app
        self.messages = messages
        self.templates = templates
        self.validator = validator
        self.public_base_url = public_base_url.rstrip("/")
        self.files = FileLinks(app.db, app.clock, self.public_base_url) if self.public_base_url else None
        self.sender = WhatsAppSender(self)

    def link(self, document: Document) -> str | None:
        """The document's public URL, for the person to open; None (the caption goes alone) without
        PUBLIC_BASE_URL, or when the file could not be stored."""
        if self.files is None:
            return None
        try:
            return self.files.link(document)
        except Exception:
            log.exception(
                "whatsapp: document %s could not be stored for sending; caption only", document.filename
            )
            return None

    # ---- the outbox's transport ----------------------------------------------------------------
    def render(self, lang: str, replies: tuple[Outgoing, ...]) -> list[dict[str, Any]]:
        """The calls for these replies, in order. A document is kept as it is: its link is made
        when it is sent (storing the file needs a transaction of its own)."""
        translator = self.app.catalogs.translator(lang)
        calls: list[dict[str, Any]] = []
        for item in replies:
            if isinstance(item, Document):
                calls.append(
                    {
                        "document": {
                            "caption": translator.render(item.caption) if item.caption else "",
                            "link_label": translator.render_key("whatsapp.calendar_link"),
                            "name": item.filename,
                            "mime": item.mime_type,
                            "content": base64.b64encode(item.content).decode("ascii"),
                            "until": item.useful_until.isoformat() if item.useful_until else None,
                        }
                    }
                )
            elif isinstance(item, Reply):
                for message in _render_reply(translator, item, self.templates):
                    call: dict[str, Any] = {"body": message.body}
                    if message.content_sid:
                        call = {
                            "content_sid": message.content_sid,
                            "variables": dict(message.variables or {}),
                        }
                    calls.append(call)
        return calls

    def transmit(self, address: str, part: Mapping[str, Any], priority: int) -> Transmitted:
        document = part.get("document")
        if isinstance(document, Mapping):
            messages = self._document_messages(document)
        else:
            variables = part.get("variables")
            messages = [
                OutMessage(
                    body=part.get("body"),
                    content_sid=part.get("content_sid"),
                    variables=dict(variables) if isinstance(variables, Mapping) else None,
                )
            ]
        if not messages:
            return Transmitted(SendStatus.FAILED, code="nothing_to_send")
        created = Created(None, "error")
        for message in messages:
            created = self.messages.create(
                address,
                body=message.body,
                content_sid=message.content_sid,
                content_variables=message.variables,
                priority=priority,
            )
            if not created.ok:
                break
        instead = part.get("instead")
        if not created.ok and created.error_code == OUTSIDE_WINDOW and isinstance(instead, Mapping):
            return self.transmit(address, instead, priority)  # the window closed: the approved template
        if created.ok:
            return Transmitted(SendStatus.SENT, created.sid, platform_status=created.status[:16] or "queued")
        code = created.error_code or ""
        if code == UNSUBSCRIBED:
            return Transmitted(SendStatus.UNREACHABLE, code=code)
        if code == OUTSIDE_WINDOW:
            return Transmitted(SendStatus.HELD, code=code)
        if created.transient:
            return Transmitted(SendStatus.RETRY, code=code, retry_after=created.retry_after)
        return Transmitted(SendStatus.FAILED, code=code)

    def _document_messages(self, document: Mapping[str, Any]) -> list[OutMessage]:
        caption = str(document.get("caption") or "")
        mime = str(document.get("mime") or "")
        url = None
        if mime == CALENDAR:
            content = base64.b64decode(str(document.get("content", "")))
            until = document.get("until")
            useful_until = datetime.fromisoformat(until) if isinstance(until, str) else None
            url = self.link(Document(str(document.get("name") or "file"), content, mime, None, useful_until))
        lines = [caption] if url is None else [caption, str(document.get("link_label") or ""), url]
        text = "\n".join(line for line in lines if line.strip())
        return [OutMessage(body=part) for part in split_text(text, TEXT_LIMIT)] if text else []

    # ---- a person's message: step, reply, record ---------------------------------------------
    def handle(self, inbound: Inbound) -> Delivery | None:
        """Runs in a worker thread: the step (DB, the replies written to the outbox with it), then
        the replies sent from the outbox (REST) and their rows settled."""
        delivery = self.app.dispatcher.handle(inbound)
        if delivery is None:
            return None  # a redelivery, already answered
        earlier_ids = [i for each in delivery.before for i in each.outbox_ids]
        if delivery.outbox_ids or earlier_ids:
            # the replies to the sender's earlier messages first, when this step stepped them first
            claimed = (*(c for each in delivery.before for c in each.claimed), *delivery.claimed)
            outcomes = self.app.outbox.send((*earlier_ids, *delivery.outbox_ids), claimed)
            log.info(
                "whatsapp message %s: person %s, %d replies, %d sent",
                inbound.message_id,
                delivery.person_id,
                len(delivery.replies),
                sum(1 for o in outcomes if o.platform_id is not None),
            )
            return delivery
        # first the replies to the sender's earlier messages, when this step stepped them first
        for each in (*delivery.before, delivery):
            translator = self.app.catalogs.translator(each.lang)
            sent = self.send_all(
                inbound.external_id, render(translator, each.replies, self.templates, self.link)
            )
            self.record(each.person_id, sent, kind="reply")
        log.info(
            "whatsapp message %s: person %s, %d replies, %d sent",
            inbound.message_id,
            delivery.person_id,
            len(delivery.replies),
            sum(1 for _, c in sent if c.ok),
        )
        return delivery

    def handle_quietly(self, inbound: Inbound) -> None:
        """`handle` in a background task: an error is logged (without the message), never raised."""
        try:
            self.handle(inbound)
        except Exception:
            log.exception("whatsapp message %s: replying failed", inbound.message_id)

    def keep(self, inbound: Inbound, form: Mapping[str, str]) -> bool:
        """Store the message as pending, before Twilio gets its answer; False when this MessageSid
        came before (Twilio retrying the webhook): nothing to do."""
        assert inbound.message_id is not None
        fields = {name: form[name] for name in MESSAGE_FIELDS if form.get(name)}
        with self.app.db.transaction() as session:
            return inbox.keep(
                session,
                CHANNEL,
                inbound.message_id,
                type(inbound.input).__name__.lower(),
                fields,
                self.app.clock(),
                sender=inbound.external_id,
            )

    def kept(self, received_before: datetime | None = None) -> list[Inbound]:
        """The messages kept and not stepped yet, in the order they came, ready for `handle`."""
        with self.app.db.transaction() as session:
            waiting = inbox.waiting(session, CHANNEL, received_before)
            found = []
            for message in waiting:
                inbound = rebuilt_inbound(message.platform_id, message.fields)
                if inbound is None:  # cannot happen for what `keep` stored; not left pending forever
                    inbox.give_up(session, CHANNEL, message.platform_id)
                    log.warning("whatsapp message %s: kept, but not a message; dropped", message.platform_id)
                else:
                    found.append(replace(inbound, kept=True))
        return found

    def send_all(self, phone: str, messages: Sequence[OutMessage]) -> list[tuple[OutMessage, Created]]:
        """Send in order; stop at the first failure (the rest would fail alike, or arrive out of order)."""
        done: list[tuple[OutMessage, Created]] = []
        for message in messages:
            created = self.messages.create(
                phone, body=message.body, content_sid=message.content_sid, content_variables=message.variables
            )
            done.append((message, created))
            if not created.ok:
                log.warning(
                    "whatsapp: sending failed with %s%s",
                    created.error_code,
                    " (will not be retried)" if not created.transient else " after retries",
                )
                break
        return done

    def record(
        self,
        person_id: int | None,
        sent: Sequence[tuple[OutMessage, Created]],
        kind: str,
        reference: str | None = None,
        now: datetime | None = None,
    ) -> None:
        if not sent:
            return
        now = now or self.app.clock()
        with self.app.db.transaction() as session:
            for message, created in sent:
                outbox.record_outbound(
                    session,
                    person_id=person_id,
                    channel=CHANNEL,
                    kind=kind,
                    now=now,
                    status=created.status if created.ok else "error",
                    platform_message_id=created.sid,
                    template=message.content_sid,
                    reference=reference,
                    error_code=created.error_code,
                )
                if created.error_code == UNSUBSCRIBED and person_id is not None:
                    outbox.mark_unsubscribed(session, person_id, CHANNEL, now)
                    log.warning("whatsapp: person %s unsubscribed at Twilio (21610): opted out", person_id)

    # ---- status callbacks --------------------------------------------------------------------
    def status(self, form: Mapping[str, str]) -> None:
        sid = form.get("MessageSid") or form.get("SmsSid") or ""
        status = (form.get("MessageStatus") or form.get("SmsStatus") or "").lower()
        if not sid or not status:
            return
        code = form.get("ErrorCode") or None
        now = self.app.clock()
        with self.app.db.transaction() as session:
            row = outbox.record_status(session, sid, status, code, now)
            if row is not None and code == UNSUBSCRIBED and row.person_id is not None:
                outbox.mark_unsubscribed(session, row.person_id, CHANNEL, now)
            person_id = row.person_id if row is not None else None
        if code:
            log.warning("whatsapp: message %s to person %s is %s with error %s", sid, person_id, status, code)
        else:
            log.debug("whatsapp: message %s is %s", sid, status)

    # ---- webhooks ----------------------------------------------------------------------------
    async def accepted_form(self, request: Request, kind: twilio_form.Kind) -> dict[str, str] | Response:
        """The webhook's form, its text cleaned (`clean_text`); else the refusal to answer with: 413
        for a body over `MAX_BODY` (not read further), 403 unsigned, 400 signed but not a form Twilio
        sends us (`twilio_form`)."""
        body = await limited_body(request, MAX_BODY)
        if body is None:
            return Response(status_code=413)
        form = self.verified_form(request, body)
        if form is None:
            log.warning("web: twilio %s webhook with a wrong or missing signature refused", kind)
            return Response(status_code=403)
        refused = twilio_form.refusal(
            twilio_form.parse(body), kind, self.app.settings.twilio_account_sid or ""
        )
        if refused:
            log.warning("web: twilio %s webhook refused: %s", kind, refused)
            return Response(status_code=400)
        return {name: clean_text(value) for name, value in form.items()}

    def verified_form(self, request: Request, body: bytes) -> dict[str, str] | None:
        """The form, when `X-Twilio-Signature` signs it for the URL Twilio called; else None."""
        signature = request.headers.get(SIGNATURE_HEADER)
        if not signature:
            return None
        form = dict(twilio_form.parse(body))
        url = self.public_base_url + request.url.path + (f"?{request.url.query}" if request.url.query else "")
        algorithm = get_signature_algorithm(request.headers.get(SIGNATURE_SETTINGS_HEADER))
        return form if self.validator.validate(url, form, signature, algorithm=algorithm) else None


class WhatsAppSender:
    """`bot.outbound.ChannelSender` for WhatsApp: the 24-hour window, templates, opt-out, holding."""

    channel = CHANNEL

    def __init__(self, whatsapp: WhatsApp) -> None:
        self.whatsapp = whatsapp

    @property
    def transport(self) -> WhatsApp:
        return self.whatsapp

    def render_proactive(
        self, session: Session, recipient: Recipient, message: Proactive, now: datetime
    ) -> list[dict[str, Any]] | SendResult:
        """Inside the scheduler's transaction: the calls to write to the outbox, or why nothing
        goes (opted out, unreachable, held: outside the window with no template). Inside the window
        the free-form message goes, with the template kept beside it in case WhatsApp says the
        window closed (63016)."""
        wa = self.whatsapp
        gate = outbox.proactive_gate(session, recipient.person_id, CHANNEL, recipient.external_id)
        if gate is None:
            return SendResult(SendStatus.UNREACHABLE, "no_identity")
        if gate.opted_out:
            return SendResult(SendStatus.OPTED_OUT)
        if gate.unreachable:
            return SendResult(SendStatus.UNREACHABLE, UNSUBSCRIBED)
        found = wa.templates.for_kind(message.kind, message.lang)
        template: dict[str, Any] | None = None
        if found is not None:
            content_sid, chosen = found
            template = {"content_sid": content_sid, "variables": chosen.content_variables(message.variables)}
        if in_window(gate.last_inbound_at or recipient.last_inbound_at, now):
            calls = wa.render(message.lang, message.replies)
            if calls and template is not None:
                calls[0] = {**calls[0], "instead": template}
            return calls
        if template is None:
            return _hold(session, recipient, message, now)
        return [template]

    def send(self, recipient: Recipient, message: Proactive, now: datetime) -> SendResult:
        wa = self.whatsapp
        with wa.app.db.transaction() as session:
            gate = outbox.proactive_gate(session, recipient.person_id, CHANNEL, recipient.external_id)
        if gate is None:
            return SendResult(SendStatus.UNREACHABLE, "no_identity")
        if gate.opted_out:
            return SendResult(SendStatus.OPTED_OUT)
        if gate.unreachable:
            return SendResult(SendStatus.UNREACHABLE, UNSUBSCRIBED)
        last = gate.last_inbound_at or recipient.last_inbound_at
        if in_window(last, now):
            translator = wa.app.catalogs.translator(message.lang)
            sent = wa.send_all(
                recipient.external_id, render(translator, message.replies, wa.templates, wa.link)
            )
            if not (sent and sent[0][1].error_code == OUTSIDE_WINDOW):
                wa.record(recipient.person_id, sent, message.kind, message.reference, now)
                return _result(sent)
            wa.record(recipient.person_id, sent, message.kind, message.reference, now)
        return self._template(recipient, message, now)

    def _template(self, recipient: Recipient, message: Proactive, now: datetime) -> SendResult:
        wa = self.whatsapp
        found = wa.templates.for_kind(message.kind, message.lang)
        if found is None:
            with wa.app.db.transaction() as session:
                return _hold(session, recipient, message, now)
        content_sid, template = found
        out = OutMessage(content_sid=content_sid, variables=template.content_variables(message.variables))
        sent = wa.send_all(recipient.external_id, [out])
        wa.record(recipient.person_id, sent, message.kind, message.reference, now)
        return _result(sent)


def _hold(session: Session, recipient: Recipient, message: Proactive, now: datetime) -> SendResult:
    """Outside the 24-hour window with no template for the message's kind and language: recorded
    `held` (staff see it), nothing sent."""
    outbox.record_outbound(
        session,
        person_id=recipient.person_id,
        channel=CHANNEL,
        kind=message.kind,
        status="held",
        now=now,
        reference=message.reference,
    )
    log.warning(
        "whatsapp: %s for person %s held: outside the 24-hour window and no template for language %s",
        message.kind,
        recipient.person_id,
        message.lang,
    )
    return SendResult(SendStatus.HELD, "no_template")


def in_window(last_inbound_at: datetime | None, now: datetime) -> bool:
    return last_inbound_at is not None and now - last_inbound_at < WINDOW - WINDOW_MARGIN


def _result(sent: Sequence[tuple[OutMessage, Created]]) -> SendResult:
    if not sent:
        return SendResult(SendStatus.FAILED, "nothing_to_send")
    last = sent[-1][1]
    if last.ok:
        return SendResult(SendStatus.SENT, last.sid or "")
    code = last.error_code or ""
    if code == UNSUBSCRIBED:
        return SendResult(SendStatus.UNREACHABLE, code)
    if code == OUTSIDE_WINDOW:
        return SendResult(SendStatus.HELD, code)
    if last.transient:
        return SendResult(SendStatus.RETRY, code, last.retry_after)
    return SendResult(SendStatus.FAILED, code)


# ---- wiring ----------------------------------------------------------------------------------
def build_whatsapp(
    app: App, *, monotonic: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep
) -> WhatsApp:
    s = app.settings
    if not (s.twilio_account_sid and s.twilio_auth_token):
        raise WebhookNotConfigured("TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are needed for WhatsApp")
    if not (s.twilio_whatsapp_from or s.twilio_messaging_service_sid):
        raise WebhookNotConfigured(
            "set TWILIO_WHATSAPP_FROM (whatsapp:+972…) or TWILIO_MESSAGING_SERVICE_SID"
        )
    if not s.public_base_url:
        raise WebhookNotConfigured(
            "PUBLIC_BASE_URL is not set. Twilio signs each webhook for the address it called, so the "
            "assistant needs that address to check the signature (for example https://bot.example.org)"
        )
    messages = build_messages(
        s.twilio_account_sid,
        s.twilio_auth_token,
        from_=s.twilio_whatsapp_from,
        messaging_service_sid=s.twilio_messaging_service_sid,
        status_callback=s.public_base_url + STATUS_PATH,
        base_url=s.twilio_api_base_url,
        per_second=s.twilio_messages_per_second,
        monotonic=monotonic,
        sleep=sleep,
    )
    try:
        templates = load_templates(s.whatsapp_templates)
    except TemplateConfigError as error:
        raise WebhookNotConfigured(f"MIDWAY_WHATSAPP_TEMPLATES: {error}") from None
    return WhatsApp(app, messages, templates, RequestValidator(s.twilio_auth_token), s.public_base_url)


Step = Callable[[], Awaitable[object]]  # awaited by the webhook's response: the end of the message's step


class Incoming:
    """The webhook's side of a message: kept before Twilio's answer, then stepped in the sender's
    line (`ArrivalOrder`); and, at start-up and every `SWEEP_EVERY`, the messages left pending."""

    def __init__(self, wa: WhatsApp) -> None:
        self.wa = wa
        self.order = ArrivalOrder()
        self._keeper: ThreadPoolExecutor | None = None
        self._sweeper: asyncio.Task[None] | None = None

    @property
    def keeper(self) -> ThreadPoolExecutor:
        """Keeping runs in threads of its own: Twilio's answer never waits for a free worker thread
        behind the steps (it still waits its turn at SQLite's one writer: a step, a few ms)."""
        if self._keeper is None:
            self._keeper = ThreadPoolExecutor(max_workers=2, thread_name_prefix="whatsapp-keep")
        return self._keeper

    async def receive(self, inbound: Inbound, form: Mapping[str, str]) -> Step | None:
        """Keep the message and line its step up; what the response's background task awaits (the
        step's end), or None when there is nothing to step. Raises when it could not be kept."""
        if inbound.message_id is None:  # Twilio always sends one; without it, step at once, unkept
            return partial(asyncio.to_thread, self.wa.handle_quietly, inbound)
        place = self.order.line_up(inbound.external_id, inbound.message_id)  # before any await: the order
        try:
            fresh = await asyncio.get_running_loop().run_in_executor(self.keeper, self.wa.keep, inbound, form)
        except BaseException:
            self.order.leave(place)
            raise
        if not fresh:
            self.order.leave(place)
            log.info("whatsapp message %s came again; stepped once", inbound.message_id)
            return None
        task = self.order.start(place, partial(self.wa.handle_quietly, replace(inbound, kept=True)))
        return partial(asyncio.wait, [task])  # never cancels the step, even if the request is

    async def recover(self, older_than: timedelta | None = None) -> int:
        """Line up the kept messages that no line here holds (all of them at start-up: the process
        that kept them stopped; else those kept more than `older_than` ago). A message stepped
        meanwhile, here or by another process, is not stepped again (`inbox.take`)."""
        before = self.wa.app.clock() - older_than if older_than is not None else None
        loop = asyncio.get_running_loop()
        found = await loop.run_in_executor(self.keeper, self.wa.kept, before)
        lined = 0
        for inbound in found:
            assert inbound.message_id is not None
            if inbound.message_id in self.order.lined_up:
                continue
            place = self.order.line_up(inbound.external_id, inbound.message_id)
            self.order.start(place, partial(self.wa.handle_quietly, inbound))
            lined += 1
        if lined:
            log.warning("whatsapp: %d messages kept but not stepped are being stepped now", lined)
        return lined

    async def sweep(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_EVERY)
            try:
                await self.recover(LEASE)
            except Exception:
                log.exception("whatsapp: looking for messages left pending failed; trying again later")

    async def startup(self) -> None:
        if self.order.closing:  # started again (tests)
            self.order = ArrivalOrder()
        await self.recover()  # before the first webhook: a new message of someone waits for these
        self._sweeper = asyncio.create_task(self.sweep())

    async def shutdown(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
        await self.order.close()  # lined-up messages not started stay pending for the next start
        if self._keeper is not None:
            self._keeper.shutdown(wait=True)
            self._keeper = None


def whatsapp_channel(app: App, whatsapp: WhatsApp | None = None) -> WebChannel:
    """The web server's part: the two webhooks. A message is stored before Twilio gets its (empty)
    answer; its step and replies follow in a background task, in the sender's order."""
    wa = whatsapp or build_whatsapp(app)
    app.outbox.register(wa)  # replies through the outbox
    messages = Incoming(wa)
    app.dispatcher.rebuilders[CHANNEL] = rebuilt_inbound  # a kept message another process stepped

    async def incoming(request: Request) -> Response:
        form = await wa.accepted_form(request, "message")
        if isinstance(form, Response):
            return form
        inbound = to_inbound(form)
        if inbound is None:
            return Response(EMPTY_TWIML, media_type="text/xml")
        try:
            step = await messages.receive(inbound, form)
        except Exception:  # not stored: Twilio must not think it was delivered
            log.exception("whatsapp message %s could not be stored; Twilio gets 500", inbound.message_id)
            return Response(status_code=500)
        return Response(EMPTY_TWIML, media_type="text/xml", background=BackgroundTask(step) if step else None)

    async def status(request: Request) -> Response:
        form = await wa.accepted_form(request, "status")
        if isinstance(form, Response):
            return form
        await asyncio.to_thread(wa.status, form)
        return Response(status_code=204)

    routes = [Route(WEBHOOK_PATH, incoming, methods=["POST"]), Route(STATUS_PATH, status, methods=["POST"])]
    return WebChannel(
        "whatsapp",
        routes,
        messages.startup,
        messages.shutdown,
        state={"whatsapp": wa, "whatsapp_incoming": messages},
    )
