"""Numbers as people write them: digits (Western or Arabic-Indic) or small numbers in words."""

from __future__ import annotations

import re

from flows.parsing.normalize import normalize

# Number words of the four languages, already normalised (final letters folded); Arabic also as
# Arab Israelis write it (تلات, اتنين, تمانية: ت for ث).
# A keyword list, not user-visible text.
_WORDS: dict[str, int] = {}


def _add(value: int, *spellings: str) -> None:
    for s in spellings:
        _WORDS[normalize(s)] = value


_add(0, "zero", "אפס", "ноль", "صفر")
_add(1, "one", "אחת", "אחד", "один", "одна", "واحد", "واحدة")
_add(2, "two", "שתיים", "שניים", "שתי", "שני", "два", "две", "اثنان", "اثنين", "اتنين", "تنين")
_add(3, "three", "שלוש", "שלושה", "три", "ثلاثة", "ثلاث", "تلاتة", "تلات", "تلت")
_add(4, "four", "ארבע", "ארבעה", "четыре", "أربعة", "اربعة", "أربع")
_add(5, "five", "חמש", "חמישה", "пять", "خمسة", "خمس")
_add(6, "six", "שש", "שישה", "шесть", "ستة", "ست")
_add(7, "seven", "שבע", "שבעה", "семь", "سبعة", "سبع")
_add(8, "eight", "שמונה", "восемь", "ثمانية", "ثماني", "ثمان", "تمانية", "تمان", "تمنية")
_add(9, "nine", "תשע", "תשעה", "девять", "تسعة", "تسع")
_add(10, "ten", "עשר", "עשרה", "десять", "عشرة", "عشر")
_add(11, "eleven", "одиннадцать")
_add(12, "twelve", "двенадцать")
_add(15, "fifteen", "пятнадцать")
_add(20, "twenty", "עשרים", "двадцать", "عشرون", "عشرين")
_add(30, "thirty", "שלושים", "тридцать", "ثلاثون", "ثلاثين", "تلاتين")
_add(40, "forty", "ארבעים", "сорок", "أربعون", "أربعين", "اربعين")
_add(50, "fifty", "חמישים", "пятьдесят", "خمسون", "خمسين")
_add(60, "sixty", "שישים", "шестьдесят", "ستون", "ستين")
_add(70, "seventy", "שבעים", "семьдесят", "سبعون", "سبعين")
_add(80, "eighty", "שמונים", "восемьдесят", "ثمانون", "ثمانين", "تمانين")

# Arabic-Indic digits, and the Arabic decimal separator (٢٫٥ is 2.5, not 2 then 5)
_ARABIC_INDIC = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹٫", "01234567890123456789.")
_DIGITS = re.compile(r"\d+(?:[.,]\d+)?")
_CONJUNCTIONS = ("ו", "و")  # "and" prefixes: חמישים ושבע, سبعة وخمسون


def to_ascii_digits(text: str) -> str:
    return text.translate(_ARABIC_INDIC)


def find_numbers(text: str) -> list[float]:
    """All numbers written with digits, in order ("57", "2.5", "2,5")."""
    return [float(m.group().replace(",", ".")) for m in _DIGITS.finditer(to_ascii_digits(text))]


def _word_value(word: str) -> int | None:
    if word in _WORDS:
        return _WORDS[word]
    if len(word) > 1 and word[0] in _CONJUNCTIONS and word[1:] in _WORDS:
        return _WORDS[word[1:]]
    return None


def words_number(text: str) -> int | None:
    """The first run of number words, summed ("fifty seven" → 57, "חמישים ושבע" → 57)."""
    total: int | None = None
    for word in normalize(text).replace("-", " ").split():
        if word in ("and", "и"):
            continue
        value = _word_value(word)
        if value is None:
            if total is not None:
                break
            continue
        total = value if total is None else total + value
    return total


def first_number(text: str) -> float | None:
    found = find_numbers(text)
    if found:
        return found[0]
    value = words_number(text)
    return float(value) if value is not None else None
