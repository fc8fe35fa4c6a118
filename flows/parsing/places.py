"""Matching a typed city to the center that serves it, forgiving typos and spellings.

A reply is read two ways. A short reply is the city's name, maybe misspelled ("kfar sava",
"ראשון"): it is compared whole with the served cities' names, as always. A longer reply is a
sentence ("אני גר כעת בכפר סבא", "Я живу в Кфар-Сабе", "أسكن في كفر سابا"): its words are
scanned for a served city's name, with the Hebrew and Arabic letters that attach to a word
("בכפר סבא", "بتل أبيب") taken off and Russian case endings ("Модиине", "Тель-Авива") read as
the name. Only a whole name counts in a sentence — a word it shares with another town ("כפר",
"תל") does not — and a typo only in a name long enough not to be another word (not "חולון",
which is one letter from "חלון", window). A sentence that names towns of two centers matches
none, and the pre-screen asks which center.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from flows.parsing.normalize import normalize

CITY_THRESHOLD = 80
SHORT_REPLY_WORDS = 3  # the longest served name has three words ("מודיעין מכבים רעות")
SENTENCE_THRESHOLD = 85  # a misspelt name inside a sentence: one or two letters off
SENTENCE_TYPO_LETTERS = 6  # shorter names must be spelt right inside a sentence
PART_LETTERS = 5  # "ראשון" for ראשון לציון, as in a whole reply

# Letters written onto the next word: Hebrew ו ה ש ב כ ל מ ("ומכפר סבא"), Arabic و ف ب ك ل ("وبحولون").
_PREFIX_LETTERS = frozenset("והשבכלמوفبكل")
_MAX_PREFIX = 3  # "ושמב" is not said; "ומה", "שב", "וב" are
# A partial name ("Rishon" for Rishon LeZion) counts in a sentence after a word for "in" or "from".
_PLACE_WORDS = frozenset({"in", "from", "at", "в", "во", "из", "около", "في", "من"})
# Russian case endings, longest first: Кфар-Сабе, Кфар-Сабы, Модиине, Модиином, Тель-Авива, Бат-Яме.
_RU_ENDINGS = ("ами", "ями", "ом", "ем", "ой", "ей", "ою", "ею", "а", "я", "е", "у", "ю", "ы", "и")


@dataclass(frozen=True)
class _Name:
    words: tuple[str, ...]  # stemmed
    slug: str
    whole: bool  # the whole name, or its first words standing for it ("ראשון")

    @property
    def joined(self) -> str:
        return "".join(self.words)


def match_center(text: str, cities_by_center: Iterable[tuple[str, Iterable[str]]]) -> str | None:
    """The slug of the center whose served cities best match `text`, or None."""
    reply = normalize(text)
    if not reply:
        return None
    choices: dict[str, str] = {}
    for slug, cities in cities_by_center:
        for city in cities:
            name = normalize(city)
            if name:
                choices[name] = slug
    if reply in choices:
        return choices[reply]
    named = _centers_named_in(reply, choices)
    if named:
        return named.pop() if len(named) == 1 else None  # two centers' towns: the person is asked
    if len(reply.split()) > SHORT_REPLY_WORDS:
        return None  # a sentence naming no served city ("I live in Tel Mond" is not Tel Aviv)
    best = process.extractOne(reply, list(choices), scorer=_similarity, score_cutoff=CITY_THRESHOLD)
    if best is None:
        return None
    name = best[0]
    # WRatio rewards partial matches; keep them only when the reply is not much longer than the name
    if len(reply) > 2 * len(name) + 4:
        return None
    return choices[name]


def _similarity(reply: str, name: str, **_: object) -> float:
    if len(reply) >= len(name):
        return fuzz.WRatio(reply, name)  # forgives typos and a city inside a short reply
    # A reply shorter than the name is a fragment of it: WRatio scores "a" or "תל" 90 against "tel aviv"
    # and "תל מונד" 85 against "תל אביב יפו". Accept it only as a close spelling of the whole name, or
    # as whole words of it long enough to mean that city ("ראשון" for ראשון לציון).
    if len(reply.replace(" ", "")) >= 5 and f" {reply} " in f" {name} ":
        return 100.0
    return fuzz.ratio(reply, name)


def _centers_named_in(reply: str, choices: dict[str, str]) -> set[str]:
    """The centers whose served cities are named somewhere in the sentence `reply`."""
    names = _names(tuple(choices.items()))
    words = [_stem(w) for w in reply.split()]
    found: set[str] = set()
    for start, word in enumerate(words):
        after_place_word = start > 0 and words[start - 1] in _PLACE_WORDS
        for first, prefixed in _unprefixed(word):
            for name in names:
                if name.slug in found:
                    continue
                if not name.whole and not (prefixed or after_place_word):
                    continue
                if _names_here(first, words[start + 1 :], name):
                    found.add(name.slug)
    return found


def _names_here(first: str, rest: list[str], name: _Name) -> bool:
    """Whether the words from here on (`first`, then `rest`) begin with `name`."""
    n = len(name.words)
    for size in (n, n - 1) if n > 1 else (n,):  # "telaviv", "modiin" run together
        if size - 1 > len(rest):
            continue
        typed = first + "".join(rest[: size - 1])
        if typed == name.joined:
            return True
        if (
            name.whole
            and size == n  # a typo in a name written as words, not a long name run together
            and len(name.joined) >= SENTENCE_TYPO_LETTERS
            and fuzz.ratio(typed, name.joined) >= SENTENCE_THRESHOLD
        ):
            return True
    return False


def _unprefixed(word: str) -> list[tuple[str, bool]]:
    """The word as written, and without the one to three letters that may be attached before a name."""
    forms = [(word, False)]
    for cut in range(1, _MAX_PREFIX + 1):
        if len(word) - cut < 2 or word[cut - 1] not in _PREFIX_LETTERS:
            break
        forms.append((word[cut:], True))
    return forms


def _stem(word: str) -> str:
    """A Russian word without its case ending ("сабе" → "саб", "модиине" → "модиин"); others as they are."""
    if len(word) < 3 or not all("а" <= ch <= "я" for ch in word):
        return word
    for ending in _RU_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 2:
            return word[: -len(ending)]
    return word


_NAMES_CACHE: dict[tuple[tuple[str, str], ...], tuple[_Name, ...]] = {}


def _names(choices: tuple[tuple[str, str], ...]) -> tuple[_Name, ...]:
    """Each served name as stemmed words, and its first words when they are long enough to stand for it."""
    cached = _NAMES_CACHE.get(choices)
    if cached is not None:
        return cached
    names: list[_Name] = []
    for city, slug in choices:
        words = tuple(_stem(w) for w in city.split())
        names.append(_Name(words, slug, whole=True))
        for k in range(1, len(words)):
            part = words[:k]
            if len("".join(part)) >= PART_LETTERS:
                names.append(_Name(part, slug, whole=False))
    result = tuple(dict.fromkeys(names))
    if len(_NAMES_CACHE) > 64:
        _NAMES_CACHE.clear()
    _NAMES_CACHE[choices] = result
    return result
