"""A fake Telegram Bot API server on 127.0.0.1, speaking the real wire protocol.

    with FakeTelegram() as fake:                 # a background thread, a random free port
        settings: telegram_api_base_url=fake.url  # PTB posts to {url}/bot<token>/<method>
        update = fake.push_text(1001, "שלום")     # what a person does...
        fake.wait_for(lambda f: f.sent_to(1001))  # ...and what the bot sent back
        fake.sent_to(1001)[-1].text

PTB's httpx client posts form-encoded fields (JSON-encoded where not strings), or multipart when a
file is uploaded; the fake parses both, answers `{"ok": true, "result": ...}` with objects PTB can
parse, and records every call. `getUpdates` long-polls a queue of updates with Telegram's offset
semantics. Switches make `sendMessage` fail as Telegram does: 403 for a chat that blocked the bot,
429 with `retry_after` under flood control.
"""

from __future__ import annotations

import email.parser
import email.policy
import itertools
import json
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from tests.kit.servers import JsonHandler, LocalServer

TOKEN = "123:TEST"
BOT = {
    "id": 123,
    "is_bot": True,
    "first_name": "Midway",
    "username": "midway_test_bot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
    "can_connect_to_business": False,
    "has_main_web_app": False,
}
JSON_FIELDS = {
    "reply_markup",
    "allowed_updates",
    "entities",
    "caption_entities",
    "link_preview_options",
    "reply_parameters",
    "commands",
    "scope",
}
MAX_LONG_POLL = 1.0  # seconds: a getUpdates never waits longer, so that stopping is quick
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)


DROPPED = -1  # an intercepted call: no answer


@dataclass
class Call:
    """One Bot API request: the method and its parameters (JSON fields decoded, files as dicts)."""

    method: str
    params: dict[str, Any]
    status: int = 200
    result: Any = None  # what the fake answered
    at: float = field(default_factory=time.perf_counter)  # when it arrived (benchmarks time replies)

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return int(value) if value is not None else None


@dataclass
class Sent:
    """A message the bot sent (sendMessage or sendDocument), as the person's phone would show it."""

    message_id: int
    chat_id: int
    text: str
    reply_markup: dict[str, Any] | None = None
    document: dict[str, Any] | None = None

    @property
    def inline(self) -> list[dict[str, Any]]:
        """The inline buttons, top to bottom ({"text", "callback_data"})."""
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [button for row in rows for button in row]

    @property
    def buttons(self) -> list[str]:
        return [b["text"] for b in self.inline]

    @property
    def keyboard(self) -> list[dict[str, Any]]:
        """The reply-keyboard buttons ({"text", "request_contact"?})."""
        rows = (self.reply_markup or {}).get("keyboard") or []
        return [button if isinstance(button, dict) else {"text": button} for row in rows for button in row]

    @property
    def removes_keyboard(self) -> bool:
        return bool((self.reply_markup or {}).get("remove_keyboard"))


@dataclass
class _Chat:
    first_name: str = "Ruth"
    last_name: str | None = None
    language_code: str | None = "he"


class _Server(ThreadingHTTPServer):
    # A bot sending to many people at once opens many connections at once; the default backlog
    # of 5 would refuse some of them, which Telegram's servers do not.
    request_queue_size = 256


@dataclass
class FakeTelegram(LocalServer):
    name = "fake-telegram"
    server_class = _Server

    token: str = TOKEN
    calls: list[Call] = field(default_factory=list)
    webhook_url: str = ""
    # called with every answered call (not getUpdates), in the server's thread, after it is recorded
    listeners: list[Callable[[Call], None]] = field(default_factory=list)
    # called with every call before it is answered; True: the call is not answered nor recorded
    # (the connection is dropped, as when the caller died before Telegram took it)
    interceptors: list[Callable[[Call], bool]] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__post_init__()
        self._pending: list[dict[str, Any]] = []
        self._update_ids = itertools.count(100_000)
        self._message_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._messages: dict[tuple[int, int], dict[str, Any]] = {}  # (chat, message id) → bot message
        self._people: dict[int, _Chat] = {}
        self._blocked: set[int] = set()
        self._flood: dict[int, list[int]] = {}  # chat → retry_after values still to answer
        self._errors: dict[int, list[int]] = {}  # chat → HTTP statuses still to answer (5xx)

    # ---- life --------------------------------------------------------------------------------
    def handler(self) -> type[BaseHTTPRequestHandler]:
        return self.bound(_Handler)

    # ---- what people do ----------------------------------------------------------------------
    def person(
        self,
        user_id: int,
        first_name: str = "Ruth",
        last_name: str | None = None,
        language_code: str | None = "he",
    ) -> None:
        """Who `user_id` is (name, app language); used by every update from them."""
        self._people[user_id] = _Chat(first_name, last_name, language_code)

    def push_text(
        self, user_id: int, text: str, language_code: str | None = None, first_name: str | None = None
    ) -> dict[str, Any]:
        if language_code is not None or first_name is not None:
            known = self._people.get(user_id, _Chat())
            self.person(
                user_id, first_name or known.first_name, known.last_name, language_code or known.language_code
            )
        message = self._message(user_id, text=text)
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return self.push({"message": message})

    def push_callback(self, user_id: int, data: str, message_id: int) -> dict[str, Any]:
        pressed = self._messages.get((user_id, message_id)) or {
            "message_id": message_id,
            "from": BOT,
            "chat": self._chat(user_id),
            "date": _now(),
            "text": "…",
        }
        return self.push(
            {
                "callback_query": {
                    "id": f"cb{next(self._callback_ids)}",
                    "from": self._user(user_id),
                    "message": pressed,
                    "chat_instance": f"ci{user_id}",
                    "data": data,
                }
            }
        )

    def push_contact(self, user_id: int, phone: str, own: bool = True) -> dict[str, Any]:
        contact = {"phone_number": phone, "first_name": self._people.get(user_id, _Chat()).first_name}
        if own:
            contact["user_id"] = user_id
        return self.push({"message": self._message(user_id, contact=contact)})

    def push_sticker(self, user_id: int) -> dict[str, Any]:
        sticker = {
            "file_id": "CAACAgIAAxkB",
            "file_unique_id": "AgADaQ",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": "👍",
        }
        return self.push({"message": self._message(user_id, sticker=sticker)})

    def push_edited(self, user_id: int, text: str) -> dict[str, Any]:
        edited = self._message(user_id, text=text, edit_date=_now())
        return self.push({"edited_message": edited})

    def push_group_text(self, group_id: int, user_id: int, text: str) -> dict[str, Any]:
        message = self._message(user_id, text=text)
        message["chat"] = {"id": group_id, "type": "group", "title": "Job seekers"}
        return self.push({"message": message})

    def push_blocked_by(self, user_id: int) -> dict[str, Any]:
        """The person blocked the bot: Telegram sends a my_chat_member update."""
        member = lambda status: {"status": status, "user": BOT}  # noqa: E731
        return self.push(
            {
                "my_chat_member": {
                    "chat": self._chat(user_id),
                    "from": self._user(user_id),
                    "date": _now(),
                    "old_chat_member": member("member"),
                    "new_chat_member": {**member("kicked"), "until_date": 0},
                }
            }
        )

    def push(self, body: dict[str, Any]) -> dict[str, Any]:
        """Queue an update (`body` without update_id); returns it as Telegram sends it."""
        update = {"update_id": next(self._update_ids), **body}
        with self._cond:
            self._pending.append(update)
            self._cond.notify_all()
        return update

    def redeliver(self, update: dict[str, Any]) -> None:
        """Telegram sends an update again (as after a lost confirmation), with the same update_id."""
        with self._cond:
            copy = json.loads(json.dumps(update))
            copy["_resent"] = True  # served once more even below the confirmed offset
            self._pending.append(copy)
            self._cond.notify_all()

    # ---- switches ----------------------------------------------------------------------------
    def block(self, chat_id: int) -> None:
        """From now on, sending to this chat fails as when the person blocked the bot."""
        self._blocked.add(chat_id)

    def flood(self, chat_id: int, retry_after: int = 1, times: int = 1) -> None:
        """The next `times` sends to this chat get 429 Too Many Requests."""
        self._flood[chat_id] = [retry_after] * times

    def fail(self, chat_id: int, status: int = 502, times: int = 1) -> None:
        """The next `times` sends to this chat get this HTTP error (Telegram's side was down)."""
        self._errors[chat_id] = [status] * times

    # ---- what the bot did --------------------------------------------------------------------
    def calls_of(self, method: str) -> list[Call]:
        with self._cond:
            return [c for c in self.calls if c.method == method]

    def sent_to(self, chat_id: int) -> list[Sent]:
        """Every message delivered to this chat, in order (failed sends are not messages)."""
        with self._cond:
            return [
                self._sent(c)
                for c in self.calls
                if c.chat_id == chat_id and c.status == 200 and c.method in ("sendMessage", "sendDocument")
            ]

    def shown(self, chat_id: int, message_id: int) -> Sent:
        """A message as the chat shows it now (after edits: a removed keyboard is gone)."""
        with self._cond:
            stored = self._messages[(chat_id, message_id)]
            return Sent(
                message_id,
                chat_id,
                stored.get("text") or stored.get("caption") or "",
                stored.get("reply_markup"),
                stored.get("document"),
            )

    def wait_for(self, condition: Callable[[FakeTelegram], object] | int, timeout: float = 10.0) -> None:
        """Wait until `condition(fake)` is true, or until `condition` messages were sent in all."""
        if isinstance(condition, int):
            count = condition

            def check(fake: FakeTelegram) -> object:
                return (
                    len(
                        [
                            c
                            for c in fake.calls
                            if c.method in ("sendMessage", "sendDocument") and c.status == 200
                        ]
                    )
                    >= count
                )
        else:
            check = condition
        self.wait_until(lambda: check(self), "condition met", timeout)

    # ---- the server side ---------------------------------------------------------------------
    def api(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Answer one Bot API call: (HTTP status, JSON body)."""
        call = Call(method, params)
        if method == "getUpdates":
            return 200, {"ok": True, "result": self._get_updates(params)}
        if any(intercept(call) for intercept in list(self.interceptors)):
            return DROPPED, {}
        with self._cond:
            status, body = self._answer(call)
            call.status, call.result = status, body.get("result")
            self.calls.append(call)
            self._cond.notify_all()
        for listener in self.listeners:
            listener(call)
        return status, body

    def _answer(self, call: Call) -> tuple[int, dict[str, Any]]:
        method, params, chat = call.method, call.params, call.chat_id
        if method in ("sendMessage", "sendDocument") and chat is not None:
            if chat in self._blocked:
                return 403, _error(403, "Forbidden: bot was blocked by the user")
            if self._errors.get(chat):
                failed = self._errors[chat].pop(0)
                return failed, _error(failed, "Bad Gateway")
            if self._flood.get(chat):
                retry = self._flood[chat].pop(0)
                return 429, {
                    **_error(429, f"Too Many Requests: retry after {retry}"),
                    "parameters": {"retry_after": retry},
                }
        if method == "getMe":
            return _ok(BOT)
        if method == "sendMessage":
            message = self._bot_message(chat, text=params["text"], markup=params.get("reply_markup"))
            return _ok(message)
        if method == "sendDocument":
            doc = params.get("document") or {}
            document = {
                "file_id": f"BQACAgIAAx{len(self.calls)}",
                "file_unique_id": f"AgAD{len(self.calls)}",
                "file_name": doc.get("filename", "file"),
                "mime_type": doc.get("mime_type"),
                "file_size": len(doc.get("content", b"")),
            }
            message = self._bot_message(chat, document=document, caption=params.get("caption"))
            return _ok(message)
        if method in ("editMessageReplyMarkup", "editMessageText"):
            stored = self._messages.get((chat or 0, int(params.get("message_id", 0))))
            if stored is None:
                return 400, _error(400, "Bad Request: message to edit not found")
            markup = params.get("reply_markup")
            changed = {"text": params.get("text", stored.get("text"))}
            if changed["text"] == stored.get("text") and markup == stored.get("reply_markup"):
                return 400, _error(400, NOT_MODIFIED)
            stored.update(changed)
            stored.pop("reply_markup", None)
            if markup:
                stored["reply_markup"] = markup
            return _ok(stored)
        if method in ("answerCallbackQuery", "setMyCommands", "deleteMyCommands", "setChatMenuButton"):
            return _ok(True)
        if method == "setWebhook":
            self.webhook_url = params.get("url", "")
            return _ok(True)
        if method == "deleteWebhook":
            self.webhook_url = ""
            return _ok(True)
        if method == "getWebhookInfo":
            return _ok({"url": self.webhook_url, "has_custom_certificate": False, "pending_update_count": 0})
        if method in ("close", "logOut"):
            return _ok(True)
        return 404, _error(404, "Not Found")

    def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        wait = min(float(params.get("timeout") or 0), MAX_LONG_POLL)
        deadline = time.monotonic() + wait
        with self._cond:
            while True:
                if offset:  # confirms every update before it
                    self._pending = [
                        u for u in self._pending if u["update_id"] >= offset or u.pop("_resent", False)
                    ]
                if self._pending or self._closed:
                    batch = self._pending[:limit]
                    for u in batch:
                        u.pop("_resent", None)
                    return [json.loads(json.dumps(u)) for u in batch]
                left = deadline - time.monotonic()
                if left <= 0:
                    return []
                self._cond.wait(left)

    # ---- building Telegram objects -----------------------------------------------------------
    def _user(self, user_id: int) -> dict[str, Any]:
        who = self._people.setdefault(user_id, _Chat())
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": who.first_name}
        if who.last_name:
            user["last_name"] = who.last_name
        if who.language_code:
            user["language_code"] = who.language_code
        return user

    def _chat(self, user_id: int) -> dict[str, Any]:
        who = self._people.setdefault(user_id, _Chat())
        return {"id": user_id, "type": "private", "first_name": who.first_name}

    def _message(self, user_id: int, **content: Any) -> dict[str, Any]:
        return {
            "message_id": next(self._message_ids),
            "from": self._user(user_id),
            "chat": self._chat(user_id),
            "date": _now(),
            **content,
        }

    def _bot_message(self, chat_id: int | None, markup: Any = None, **content: Any) -> dict[str, Any]:
        chat = chat_id or 0
        message = {
            "message_id": next(self._message_ids),
            "from": BOT,
            "chat": self._chat(chat),
            "date": _now(),
            **{k: v for k, v in content.items() if v is not None},
        }
        if isinstance(markup, dict) and "inline_keyboard" in markup:  # Telegram echoes inline keyboards only
            message["reply_markup"] = markup
        self._messages[(chat, message["message_id"])] = message
        return message

    def _sent(self, call: Call) -> Sent:
        return Sent(
            message_id=call.result["message_id"],
            chat_id=call.chat_id or 0,
            text=call.params.get("text") or call.params.get("caption") or "",
            reply_markup=call.params.get("reply_markup"),
            document=call.params.get("document"),
        )


class _Handler(JsonHandler):
    owner: FakeTelegram  # keep-alive (JsonHandler), as Telegram's: a bot reuses its connections

    def setup(self) -> None:
        super().setup()
        # headers and body go out in two writes; on a kept-alive connection Nagle's algorithm would
        # hold the body until the client's delayed ACK (tens of ms)
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_POST(self) -> None:  # noqa: N802 (the stdlib's name)
        self._serve()

    def do_GET(self) -> None:  # noqa: N802
        self._serve()

    def _serve(self) -> None:
        fake = self.owner
        prefix = f"/bot{fake.token}/"
        path = self.path.split("?", 1)[0]
        if not path.startswith(prefix):
            self.send_json(404, _error(404, "Not Found"))
            return
        params = _parse(self.headers.get("Content-Type", ""), self.body())
        if "?" in self.path:
            params.update({k: v[-1] for k, v in parse_qs(self.path.split("?", 1)[1]).items()})
        status, answer = fake.api(path[len(prefix) :], params)
        if status == DROPPED:
            self.close_connection = True
            return
        self.send_json(status, answer)


def _parse(content_type: str, body: bytes) -> dict[str, Any]:
    if not body:
        return {}
    if content_type.startswith("application/json"):
        return dict(json.loads(body))
    fields: dict[str, Any] = {}
    if content_type.startswith("multipart/form-data"):
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
        )
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            content = part.get_payload(decode=True) or b""
            filename = part.get_filename()
            if filename is not None:
                fields[name] = {
                    "filename": filename,
                    "content": content,
                    "mime_type": part.get_content_type(),
                }
            else:
                fields[name] = content.decode()
    else:
        fields = {k: v[-1] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
    for name in JSON_FIELDS & fields.keys():
        if isinstance(fields[name], str):
            fields[name] = json.loads(fields[name])
    return fields


def _ok(result: Any) -> tuple[int, dict[str, Any]]:
    return 200, {"ok": True, "result": result}


def _error(code: int, description: str) -> dict[str, Any]:
    return {"ok": False, "error_code": code, "description": description}


def _now() -> int:
    return int(time.time())
