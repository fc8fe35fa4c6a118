"""Replies as Telegram shows them: texts cut to Telegram's length, and the keyboard of a reply
(inline buttons, the share-contact keyboard, or the removal of one). Used by the adapter and the
sender alike."""

from __future__ import annotations

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from telegram.constants import MessageLimit

from bot.i18n import Translator
from flows import Reply

GLOBAL = "g:"  # choices that are navigation ("back"), not answers
TEXT_LIMIT = MessageLimit.MAX_TEXT_LENGTH  # 4096


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Parts of at most `limit` characters, cut at line breaks (a longer line is cut where it must be).

    Telegram counts UTF-16 code units, so an emoji may count twice; we count the same way.
    """
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        for piece in _hard_cut(line, limit):
            joined = f"{current}\n{piece}" if current else piece
            if current and _size(joined) > limit:
                parts.append(current)
                current = piece
            else:
                current = joined
    parts.append(current)
    return [p.strip("\n") for p in parts if p.strip()] or [text]


def _hard_cut(line: str, limit: int) -> list[str]:
    pieces = []
    while _size(line) > limit:
        cut = limit
        while _size(line[:cut]) > limit:
            cut -= 1
        pieces.append(line[:cut])
        line = line[cut:]
    return [*pieces, line]


def _size(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def reply_markup(
    translator: Translator, reply: Reply
) -> InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove:
    if reply.request_contact:
        # A message carries one keyboard: the share button and the answers as typed buttons; a
        # typed label is matched like a press. Navigation ("back") stays a word the person can write.
        rows = [[KeyboardButton(translator.render_key("prescreen.share_phone_button"), request_contact=True)]]
        rows += [
            [KeyboardButton(translator.render(c.label))]
            for c in reply.choices
            if not c.payload.startswith(GLOBAL)
        ]
        return ReplyKeyboardMarkup(rows, one_time_keyboard=True, resize_keyboard=True)
    if reply.choices:
        buttons = [
            [InlineKeyboardButton(translator.render(c.label), callback_data=c.payload)] for c in reply.choices
        ]
        return InlineKeyboardMarkup(buttons)
    # No buttons: also take away a contact keyboard left from the phone question (flows do not
    # know which keyboard a channel showed; removing none is harmless).
    return ReplyKeyboardRemove()
