"""The Telegram channel: updates in, replies out, with python-telegram-bot used only for the wire.

    Telegram update → `to_inbound` → Dispatcher.handle (in a worker thread: DB work) → `send_delivery`

PTB receives (long polling, or the webhook in `bot.channels.telegram.webhook`) and sends; it keeps
no conversation state — the dispatcher does. Different people's updates are handled concurrently
(while one step waits for the database or for Telegram, another person's can run); one person's are
handled one at a time, in the order Telegram numbered them (`OnePersonAtATime`).

The update id is the message id the dispatcher deduplicates on: Telegram redelivers an update
(after a webhook timeout, or a restart before polling confirmed it) with the same id.

By webhook, Telegram sends nothing again after a 200, so the webhook keeps the update first (`keep`:
`storage/inbox.py`, the update's JSON as the row's fields) and marks it in `bot_data[KEPT]`; its step
then takes that row (`Inbound.kept`) and clears it. `kept_updates` rebuilds what a stopped process
left pending. Polling confirms an update only after it was handled, so it keeps nothing.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import warnings
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from telegram import (
    Bot,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    Update,
)
from telegram.constants import ChatType
from telegram.error import Forbidden, RetryAfter, TelegramError
from telegram.ext import Application, ApplicationBuilder, BaseUpdateProcessor, ContextTypes, TypeHandler
from telegram.warnings import PTBDeprecationWarning

from bot.app import App
from bot.channels.telegram.render import reply_markup, split_text
from bot.channels.telegram.request import AiohttpRequest, Counted, fields
from bot.channels.telegram.sender import TelegramSender
from bot.delivery import Outcome
from bot.dispatcher import Delivery, Inbound
from bot.i18n import Catalogs, Translator
from flows import Command, Contact, Document, Input, Pressed, Reply, Text, Unsupported
from storage import inbox

log = logging.getLogger("bot.channels.telegram")  # the channel's logger (its package), as operators filter it

CHANNEL = "telegram"
# What a person can send that we cannot read, in the order to test them (an animation is also a
# document, a venue also a location).
UNSUPPORTED_KINDS = (
    "sticker",
    "animation",
    "photo",
    "video",
    "video_note",
    "voice",
    "audio",
    "document",
    "venue",
    "location",
    "poll",
    "dice",
    "game",
    "story",
    "paid_media",
    "invoice",
    "checklist",
)

Action = Callable[[], Awaitable[object]]
OPEN_KEYBOARDS = "open_inline_keyboards"  # key in PTB's bot_data
KEPT = "kept_update_ids"  # key in PTB's bot_data: updates stored before Telegram got its 200, not stepped yet


# ---- updates in ------------------------------------------------------------------------------
def to_inbound(update: Update) -> Inbound | None:
    """The dispatcher's view of an update; None for what we do not serve (groups, channels,
    membership changes, service messages)."""
    chat = update.effective_chat
    user = update.effective_user
    if chat is None or user is None or chat.type != ChatType.PRIVATE:
        return None
    inp = _input(update)
    if inp is None:
        return None
    return Inbound(
        channel=CHANNEL,
        external_id=str(user.id),
        input=inp,
        message_id=str(update.update_id),
        profile_name=user.full_name or None,
        language_hint=user.language_code,
    )


def _input(update: Update) -> Input | None:
    if update.callback_query is not None:
        return Pressed(update.callback_query.data or "")
    if update.edited_message is not None:
        return Unsupported("edited")
    message = update.message
    if message is None:
        return None
    if message.text is not None:
        return _text_input(message.text)
    if message.contact is not None:
        sender = message.from_user.id if message.from_user else None
        return Contact(message.contact.phone_number, own=message.contact.user_id == sender)
    for kind in UNSUPPORTED_KINDS:
        if getattr(message, kind, None):
            return Unsupported(kind)
    if message.effective_attachment is not None:  # a kind newer than this list
        return Unsupported("attachment")
    return None  # a service message (pinned, "allowed to write" ...): nothing a person said


def _text_input(text: str) -> Input:
    if text.startswith("/") and len(text) > 1 and not text[1].isspace():
        word, _, args = text[1:].partition(" ")
        name = word.split("@", 1)[0].lower()  # "/start@MidwayBot" in a client that adds the name
        if name:
            return Command(name, args.strip())
    return Text(text)


# ---- updates kept (webhook) ----------------------------------------------------------------
def keep(app: App, inbound: Inbound, data: Mapping[str, Any]) -> bool:
    """Store an update (its JSON) as pending before Telegram gets its 200; False when its id is
    known already (a redelivery: stepped, or pending)."""
    assert inbound.message_id is not None
    kind = type(inbound.input).__name__.lower()
    with app.db.transaction() as session:
        return inbox.keep(
            session, CHANNEL, inbound.message_id, kind, dict(data), app.clock(), sender=inbound.external_id
        )


def rebuilt_inbound(platform_id: str, fields: Mapping[str, Any]) -> Inbound | None:
    """A kept update (its JSON) as the message it was, for the dispatcher (`Dispatcher.rebuilders`)."""
    try:
        update = Update.de_json(dict(fields), None) if fields else None
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    inbound = to_inbound(update) if update is not None else None
    return inbound if inbound is not None and inbound.message_id == platform_id else None


def kept_updates(app: App, bot: Bot, received_before: datetime | None = None) -> list[Update]:
    """The updates kept and not stepped yet, rebuilt, in the order they came (`inbox.waiting`)."""
    found: list[Update] = []
    with app.db.transaction() as session:
        for message in inbox.waiting(session, CHANNEL, received_before):
            try:
                update = Update.de_json(message.fields, bot) if message.fields else None
            except (ValueError, TypeError, KeyError, AttributeError):
                update = None
            if update is None or to_inbound(update) is None:  # not what `keep` stores; not pending forever
                inbox.give_up(session, CHANNEL, message.platform_id)
                log.warning("telegram update %s: kept, but not a message; dropped", message.platform_id)
            else:
                found.append(update)
    return found


# ---- replies out -----------------------------------------------------------------------------
async def send_delivery(bot: Bot, catalogs: Catalogs, chat_id: int, delivery: Delivery) -> int | None:
    """Send every reply of a delivery, in order. Sending errors are logged, never raised.

    Returns the id of the last message sent with inline buttons, if any (see `handle_update`).
    """
    translator = catalogs.translator(delivery.lang)
    who = delivery.person_id
    with_buttons: int | None = None
    for item in delivery.replies:
        if isinstance(item, Reply):
            actions = _reply_actions(bot, translator, chat_id, item)
        elif isinstance(item, Document):
            caption = translator.render(item.caption) if item.caption else None
            actions = [
                lambda item=item, caption=caption: bot.send_document(
                    chat_id, InputFile(item.content, filename=item.filename), caption=caption
                )
            ]
        else:
            continue
        for action in actions:
            delivered, sent = await _send(action, who)
            if not delivered:
                return with_buttons  # blocked: the rest would fail the same way
            if isinstance(sent, Message) and isinstance(sent.reply_markup, InlineKeyboardMarkup):
                with_buttons = sent.message_id
    return with_buttons


def _reply_actions(bot: Bot, translator: Translator, chat_id: int, reply: Reply) -> list[Action]:
    text = translator.text(reply)
    if not text.strip():
        log.warning(
            "telegram: a reply rendered empty was not sent (%s)", ",".join(p.key for p in reply.parts)
        )
        return []
    parts = split_text(text)
    markup = reply_markup(translator, reply)
    actions: list[Action] = []
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        actions.append(
            lambda part=part, last=last: bot.send_message(
                chat_id, part, reply_markup=markup if last else None
            )
        )
    return actions


async def _send(action: Action, person_id: int | None) -> tuple[bool, object]:
    """One Bot API call, retried once after flood control.

    Returns (False, None) when the person blocked the bot, else (True, what the call returned or None).
    """
    for attempt in (1, 2):
        try:
            return True, await action()
        except Forbidden:
            # The chat id is the person's Telegram id: log our own id instead.
            log.warning("telegram: person %s has blocked the bot or left; reply not delivered", person_id)
            return False, None
        except RetryAfter as error:
            if attempt == 2:
                log.warning("telegram: flood control again for person %s; reply dropped", person_id)
                return True, None
            await asyncio.sleep(_seconds(error))
        except TelegramError as error:
            log.warning("telegram: sending to person %s failed: %s", person_id, type(error).__name__)
            return True, None
    return True, None


def _seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 warns that `retry_after` will become a timedelta
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


# ---- the PTB application ---------------------------------------------------------------------
class OnePersonAtATime(BaseUpdateProcessor):
    """Updates of different people run concurrently; each person's run one after the other, in the
    order they came (an update waits for the one before it from the same person).

    PTB starts the processing of updates in the order it receives them, so registering each update
    behind its predecessor before the first `await` keeps that order.
    """

    def __init__(self, max_concurrent_updates: int = 64) -> None:
        super().__init__(max_concurrent_updates)
        self._last: dict[int, asyncio.Future[None]] = {}  # person → the end of their latest update

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        user = update.effective_user if isinstance(update, Update) else None
        if user is None:
            await coroutine
            return
        before = self._last.get(user.id)
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._last[user.id] = done
        try:
            if before is not None:
                await before
            await coroutine
        finally:
            if asyncio.iscoroutine(coroutine) and coroutine.cr_frame is not None and not coroutine.cr_running:
                coroutine.close()  # cancelled while waiting its turn: never started
            done.set_result(None)
            if self._last.get(user.id) is done:
                del self._last[user.id]

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


def build_application(app: App) -> Application:  # type: ignore[type-arg]
    api = app.settings.telegram_api_base_url.rstrip("/")
    if not app.settings.telegram_token:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    application = (
        ApplicationBuilder()
        .token(app.settings.telegram_token)
        .base_url(f"{api}/bot")
        .base_file_url(f"{api}/file/bot")
        .post_init(_announce)
        .request(Counted())  # aiohttp, counted for /metrics (bot.channels.telegram.request)
        .get_updates_request(AiohttpRequest(connections=1))  # long polling on aiohttp too (no httpx)
        .concurrent_updates(OnePersonAtATime())
        .build()
    )
    app.outbox.register(
        TelegramSender.for_app(app)
    )  # replies through the outbox, with the scheduler's pacing

    async def on_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        kept: set[int] = context.bot_data.setdefault(KEPT, set())  # only the webhook adds to it
        try:
            await handle_update(
                app,
                update,
                context.bot,
                context.bot_data.setdefault(OPEN_KEYBOARDS, {}),
                kept=update.update_id in kept,
            )
        finally:
            kept.discard(update.update_id)

    application.add_handler(TypeHandler(Update, on_update))
    application.add_error_handler(_log_error)
    return application


async def handle_update(
    app: App, update: Update, bot: Bot, open_keyboards: dict[int, int] | None = None, kept: bool = False
) -> None:
    """One update: acknowledge a press, step the conversation, send the replies.

    `open_keyboards` remembers, per chat, the last message whose inline buttons are still shown;
    they are taken away when the conversation moves on, so only the current question has buttons.
    (A button left over after a restart is still safe: the engine answers it as no longer active.)
    `kept`: the webhook stored the update as pending (`keep`); the step takes that row.
    """
    open_keyboards = {} if open_keyboards is None else open_keyboards
    inbound = to_inbound(update)
    query = update.callback_query
    if query is not None:
        await _quietly(query.answer())  # stops the button's spinner, whatever happens next
    if inbound is None:
        log.debug("telegram update %s ignored", update.update_id)
        return
    if kept:
        inbound = replace(inbound, kept=True)
    delivery = await asyncio.to_thread(app.dispatcher.handle, inbound)
    if delivery is None:
        return  # a redelivery, already answered
    log.info(
        "telegram update %s: person %s, %d replies",
        update.update_id,
        delivery.person_id,
        len(delivery.replies),
    )
    message = query.message if query is not None else None
    # The pressed keyboard goes away so it cannot be pressed twice — unless the step failed and was
    # not stored (an apology has no person): then the same press is still the way to answer.
    chat = update.effective_chat
    assert chat is not None  # to_inbound served only private chats
    for earlier in delivery.before:  # the person's earlier messages, another process received
        shown = open_keyboards.pop(chat.id, None)
        if shown is not None and earlier.person_id is not None:
            await _take_buttons_away(bot, chat.id, shown)
        if earlier.outbox_ids:  # stored with its step, as this one's
            with_buttons = await _deliver(app, bot, earlier)
        else:
            with_buttons = await send_delivery(bot, app.catalogs, chat.id, earlier)
        if with_buttons is not None:
            open_keyboards[chat.id] = with_buttons
    if not delivery.replies and delivery.before:  # this one was stepped meanwhile, elsewhere
        return
    edits: list[Awaitable[object]] = []
    if delivery.person_id is not None:
        if isinstance(message, Message):
            edits.append(_take_buttons_away(bot, chat.id, message.message_id))
        shown = open_keyboards.pop(chat.id, None)
        if shown is not None and not (isinstance(message, Message) and message.message_id == shown):
            edits.append(_take_buttons_away(bot, chat.id, shown))
    # the old keyboards go away while the replies are sent (neither waits for the other)
    sending: Awaitable[int | None]
    if delivery.outbox_ids:  # stored with the step: sent now, or after a restart if this process dies
        sending = _deliver(app, bot, delivery)
    else:
        sending = send_delivery(bot, app.catalogs, chat.id, delivery)
    with_buttons, *_ = await asyncio.gather(sending, *edits)
    if isinstance(with_buttons, int):
        open_keyboards[chat.id] = with_buttons


async def _deliver(app: App, bot: Bot, delivery: Delivery) -> int | None:
    """The step's outbox rows, sent now (bot/delivery.py): on this event loop through the
    application's own HTTP client (aiohttp), the rows settled in a thread afterwards; the id of the
    last message sent with inline buttons, if any."""
    sender = app.outbox.transports.get(CHANNEL)
    if isinstance(sender, TelegramSender):
        transmit = functools.partial(sender.transmit_on, bot.request, bot.base_url)
        outcomes = await app.outbox.send_on_loop(delivery.outbox_ids, delivery.claimed, transmit)
    else:
        outcomes = await asyncio.to_thread(app.outbox.send, delivery.outbox_ids, delivery.claimed)
    return _with_buttons(outcomes)


def _with_buttons(outcomes: list[Outcome]) -> int | None:
    with_buttons: int | None = None
    if any(o.code == "telegram_403" for o in outcomes):
        log.warning("telegram: a person has blocked the bot or left; reply not delivered")
    for outcome in outcomes:
        data = outcome.part.get("part")
        markup = data.get("data", {}).get("reply_markup", "") if isinstance(data, dict) else ""
        if outcome.platform_id is not None and '"inline_keyboard"' in str(markup):
            with_buttons = int(outcome.platform_id)
    return with_buttons


async def _take_buttons_away(bot: Bot, chat_id: int, message_id: int) -> None:
    """`editMessageReplyMarkup` without a markup: that message's inline buttons go away. Straight on
    the bot's HTTP client, as the replies (`TelegramSender.transmit_on`): PTB's `Bot` method would
    also build a `Message` from the answer, which nothing reads, for a call made on most messages.
    A failure changes nothing ("message is not modified", a message too old)."""
    call = fields({"chat_id": chat_id, "message_id": message_id})
    try:
        code, _ = await bot.request.do_request(f"{bot.base_url}/editMessageReplyMarkup", "POST", call)
    except TelegramError as error:
        log.debug("telegram: buttons not taken away: %s", type(error).__name__)
        return
    if code != 200:
        log.debug("telegram: buttons not taken away: HTTP %s", code)


async def _quietly(call: Awaitable[object]) -> None:
    """A courtesy call whose failure changes nothing ("message is not modified", "query too old")."""
    try:
        await call
    except TelegramError as error:
        log.debug("telegram: ignored %s", type(error).__name__)


async def _announce(application: Application) -> None:  # type: ignore[type-arg]
    log.info("telegram: connected as @%s", application.bot.username)


async def _log_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("telegram update %s failed", update_id, exc_info=context.error)


# ---- running ---------------------------------------------------------------------------------
def run_polling(app: App) -> None:
    """`midway run`: long polling until Ctrl-C / SIGTERM."""
    build_application(app).run_polling(allowed_updates=Update.ALL_TYPES, drop_pending_updates=False)


async def start_polling(
    application: Application,  # type: ignore[type-arg]
    poll_interval: float = 0.0,
    timeout: float = 10,
) -> None:
    """Start polling on the running event loop (tests; `run_polling` does this and blocks)."""
    await application.initialize()
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(
        poll_interval=poll_interval,
        timeout=timedelta(seconds=timeout),
        allowed_updates=Update.ALL_TYPES,
        drop_pending_updates=False,
    )


async def stop_polling(application: Application) -> None:  # type: ignore[type-arg]
    if application.updater is not None and application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()
    await application.shutdown()
