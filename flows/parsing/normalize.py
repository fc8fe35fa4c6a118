"""Text normalisation shared by every parser: what two spellings of the same answer have in common."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_FINAL_LETTERS = str.maketrans(
    {"ך": "כ", "ם": "מ", "ן": "נ", "ף": "פ", "ץ": "צ", "ё": "е", "ى": "ي", "ة": "ه"}
)
_ALEF = re.compile("[أإآ]")
# A hamza on a word's last alef is a letter of the word ("ابدأ", start), a bare final alef is an
# ending ("أبدًا", never): folded alike, "never" read as the opt-in keyword. The final hamza is
# kept as a lone hamza (NFKD would otherwise drop it as a combining mark).
_FINAL_HAMZA = re.compile("(?:\u0623|\u0627\u0654)(?!\\w)")  # harakat after it are no letters
_SPACES = re.compile(r"\s+")


def _keep(ch: str) -> bool:
    cat = unicodedata.category(ch)
    if cat == "Mn":  # niqqud, Arabic harakat, combining marks
        return False
    if cat.startswith("P"):  # punctuation (incl. Hebrew geresh/gershayim, maqaf)
        return False
    # direction marks, variation selector, tatweel
    return ch not in "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufe0f\u0640"


@lru_cache(maxsize=8192)  # the same keywords and option labels are compared on every step
def normalize(text: str) -> str:
    """Lower-case, no punctuation or diacritics, Hebrew final letters folded, single spaces."""
    text = _FINAL_HAMZA.sub("\u0621", unicodedata.normalize("NFC", text))
    text = unicodedata.normalize("NFKD", text)
    text = "".join(
        ch if _keep(ch) else " " if unicodedata.category(ch).startswith("P") else "" for ch in text
    )
    text = unicodedata.normalize("NFC", text).casefold().translate(_FINAL_LETTERS)
    text = _ALEF.sub("ا", text)
    return _SPACES.sub(" ", text).strip()


def words(text: str) -> list[str]:
    return normalize(text).split()


def has_letters_or_digits(text: str) -> bool:
    return any(ch.isalnum() for ch in text)
