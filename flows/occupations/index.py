"""The occupation search: built once from the list, then `search(query)` → the best few, best first.

Pure and read-only after it is built, so one index serves every conversation and the CLI. Each
occupation is found by any of its names (Hebrew masculine and feminine, English, Russian, Arabic, and
the colloquial names people use). A query is split into words, and each word is looked up among the
words of all the names, from strict to loose:

    the same word                              1.00
    the same by ear (phonetic key)             0.92
    after taking off one or two Hebrew prefixes (ה ו ב ל מ ש כ): × 0.96 of the above
    (a word found as it is stops here: nothing looser is tried for it)
    the start of a word ("חשבו" → "חשבונות")   0.80–0.95, more for more of the word
    a typo (edit distance on the phonetic key) up to 0.90, only for words of four letters or more,
                                               and only when nothing above matched

A name scores the mean of its query words' best matches, scaled by how much of the name they cover
(a name of exactly the query ranks above a longer one that contains it). The occupation's score is
its best name's. When nothing matches well, the text is read as typed with the wrong keyboard layout
too, a little lower. Results below MIN_SCORE are not shown: a short word that matches nothing well
matches nothing, not everything.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import chain

from rapidfuzz import fuzz

from flows.occupations.normalize import layout_variants, normalize, phonetic, without_prefixes

LANGUAGES = ("he", "en", "ru", "ar")
MIN_SCORE = 0.6
PHONETIC = 0.92
PREFIX_BASE, PREFIX_SPAN = 0.80, 0.15
TYPO_WEIGHT = 0.90
STRIPPED = 0.96  # a word found only after taking its Hebrew prefix off
OTHER_LAYOUT = 0.95  # found only when read as typed on the other keyboard layout
COVERAGE_WEIGHT = 0.25
MAX_LENGTH_CHANGE = 2  # a typo adds or drops two letters at most
GOOD_ENOUGH = 0.8  # a result this good: the other keyboard layouts are not tried


@dataclass(frozen=True)
class Occupation:
    """One ISCO-08 unit group as the list names it."""

    code: str  # ISCO-08 unit group, four digits
    he_m: str
    he_f: str
    en: str
    ru: str
    ar: str
    synonyms: tuple[str, ...] = ()

    def title(self, lang: str) -> str:
        """Its name in `lang`; in Hebrew both forms ("נהג / נהגת") unless they are the same."""
        if lang == "he":
            return self.he_m if self.he_m == self.he_f else f"{self.he_m} / {self.he_f}"
        return str(getattr(self, lang))

    @property
    def names(self) -> tuple[str, ...]:
        return (self.he_m, self.he_f, self.en, self.ru, self.ar, *self.synonyms)


@dataclass(frozen=True)
class Match:
    occupation: Occupation
    score: float  # 0–1
    matched: str  # the name that matched best, as the list writes it

    @property
    def code(self) -> str:
        return self.occupation.code


@dataclass(frozen=True)
class _Name:
    occupation: int  # index into the list
    text: str
    size: int  # how many words


class _Typos:
    """Words of the list within a typo or two of a word, on their phonetic keys. Candidates are the
    keys that share enough letter pairs with the word (a typo breaks at most three pairs) and differ
    in length by two letters at most; only those are compared, so a query costs microseconds."""

    def __init__(self, keys: Sequence[str]) -> None:
        self._keys = list(keys)
        # (letter pair, key length) → keys: a look-up reads only keys of a length within reach
        self._by_pair: dict[tuple[str, int], list[int]] = {}
        for number, key in enumerate(self._keys):
            for pair in set(_pairs(key)):
                self._by_pair.setdefault((pair, len(key)), []).append(number)

    def near(self, key: str, cutoff: float) -> list[tuple[int, float]]:
        """(key number, rapidfuzz ratio 0–100) of each key at least `cutoff` alike."""
        pairs = set(_pairs(key))
        need = max(1, len(pairs) - 3)
        lengths = range(max(1, len(key) - MAX_LENGTH_CHANGE), len(key) + MAX_LENGTH_CHANGE + 1)
        shared = Counter(
            chain.from_iterable(self._by_pair.get((pair, n), ()) for pair in pairs for n in lengths)
        )
        found = []
        for number in [number for number, count in shared.items() if count >= need]:
            ratio = fuzz.ratio(key, self._keys[number], score_cutoff=cutoff)
            if ratio:
                found.append((number, ratio))
        return found


def _pairs(key: str) -> list[str]:
    padded = f" {key} "
    return [padded[i : i + 2] for i in range(len(padded) - 1)]


def _typo_cutoff(length: int) -> float | None:
    """How alike (rapidfuzz ratio, 0–100) a word must be to count as a typo of one in the list."""
    if length < 4:
        return None  # "נהג" and "נגר" are one letter apart and nothing alike
    return 75.0 if length < 8 else 70.0


class OccupationIndex:
    def __init__(self, occupations: Iterable[Occupation]) -> None:
        self.occupations: tuple[Occupation, ...] = tuple(occupations)
        self._by_code = {occupation.code: occupation for occupation in self.occupations}
        self._names: list[_Name] = []
        self._postings: dict[str, list[tuple[int, int]]] = {}  # word → (name, position in it)
        seen: set[tuple[int, str]] = set()
        for number, occupation in enumerate(self.occupations):
            for name in occupation.names:
                words = normalize(name).split()
                if not words or (number, " ".join(words)) in seen:
                    continue
                seen.add((number, " ".join(words)))
                name_id = len(self._names)
                self._names.append(_Name(number, name, len(words)))
                for position, word in enumerate(words):
                    self._postings.setdefault(word, []).append((name_id, position))
        self._words = sorted(self._postings)
        self._sizes = [name.size for name in self._names]
        by_sound: dict[str, list[str]] = {}
        for word in self._words:
            by_sound.setdefault(phonetic(word), []).append(word)
        self._by_sound = by_sound
        self._sounds = list(by_sound)
        self._sound_words = [by_sound[key] for key in self._sounds]
        self._typos = _Typos(self._sounds)

    def __len__(self) -> int:
        return len(self.occupations)

    def by_code(self, code: str) -> Occupation | None:
        return self._by_code.get(code)

    def search(self, query: str, limit: int = 5) -> list[Match]:
        """The best `limit` occupations for what a person typed, best first; [] when none is close."""
        best: dict[int, tuple[float, int]] = {}  # occupation → (score, name)

        def take(text: str, weight: float, typos: bool = True) -> None:
            for name_id, score in self._score_names(text.split(), typos).items():
                occupation = self._names[name_id].occupation
                score *= weight
                if score > best.get(occupation, (0.0, 0))[0]:
                    best[occupation] = (score, name_id)

        def good_enough() -> bool:
            return max((score for score, _ in best.values()), default=0.0) >= GOOD_ENOUGH

        take(normalize(query), 1.0)
        variants = [] if good_enough() else [normalize(variant) for variant in layout_variants(query)]
        for variant in variants:  # typed words first: looking for typos in gibberish is the slow part
            take(variant, OTHER_LAYOUT, typos=False)
        if not good_enough():
            for variant in variants:
                take(variant, OTHER_LAYOUT)
        ranked = sorted(
            (
                (score, occupation, name_id)
                for occupation, (score, name_id) in best.items()
                if score >= MIN_SCORE
            ),
            key=lambda row: (-row[0], row[1]),
        )
        return [
            Match(self.occupations[occupation], round(score, 4), self._names[name_id].text)
            for score, occupation, name_id in ranked[:limit]
        ]

    def _score_names(self, words: Sequence[str], typos: bool = True) -> dict[int, float]:
        if not words:
            return {}
        # per query word: name → (the word's best score in it, the position of the name's word it matched)
        per_word: list[dict[int, tuple[float, int]]] = []
        for word in words:
            hits: dict[int, tuple[float, int]] = {}
            for listed, score in self._word_matches(word, typos).items():
                for name_id, position in self._postings[listed]:
                    before = hits.get(name_id)
                    if before is None or score > before[0]:
                        hits[name_id] = (score, position)
            per_word.append(hits)
        keep = 1 - COVERAGE_WEIGHT
        sizes = self._sizes
        if len(per_word) == 1:
            return {
                name_id: score * (keep + COVERAGE_WEIGHT / sizes[name_id])
                for name_id, (score, _) in per_word[0].items()
            }
        scores = {}
        least = MIN_SCORE * len(words)  # below this sum a name cannot reach MIN_SCORE
        for name_id in set().union(*per_word):
            row = [hits[name_id] for hits in per_word if name_id in hits]
            total = sum(score for score, _ in row)
            if total < least:
                continue
            coverage = len({position for _, position in row}) / sizes[name_id]
            scores[name_id] = total / len(words) * (keep + COVERAGE_WEIGHT * coverage)
        return scores

    def _word_matches(self, word: str, typos: bool = True) -> dict[str, float]:
        """Words of the list that `word` may stand for, each with how surely. Looser readings are
        tried only when the stricter ones found nothing: a word that is in the list is that word
        (the start of a longer word, or a typo, would only add noise and time)."""
        found: dict[str, float] = {}

        def offer(listed: str, score: float) -> None:
            if score > found.get(listed, 0.0):
                found[listed] = score

        forms = [(word, 1.0)] + [(stripped, STRIPPED) for stripped in without_prefixes(word)]
        for form, weight in forms:
            self._same_or_by_ear(form, weight, offer)
        if word in found:
            return found
        for form, weight in forms:
            self._starts(form, weight, offer)
        if typos and max(found.values(), default=0.0) < PHONETIC * STRIPPED:
            for form, weight in forms:
                self._typo_matches(form, weight, offer)
        return found

    def _same_or_by_ear(self, word: str, weight: float, offer: Callable[[str, float], None]) -> None:
        if word in self._postings:
            offer(word, weight)
        for listed in self._by_sound.get(phonetic(word), ()):
            offer(listed, PHONETIC * weight)

    def _starts(self, word: str, weight: float, offer: Callable[[str, float], None]) -> None:
        if len(word) >= 3:
            start = bisect.bisect_left(self._words, word)
            for listed in self._words[start:]:
                if not listed.startswith(word):
                    break
                offer(listed, (PREFIX_BASE + PREFIX_SPAN * len(word) / len(listed)) * weight)

    def _typo_matches(self, word: str, weight: float, offer: Callable[[str, float], None]) -> None:
        sound = phonetic(word)
        cutoff = _typo_cutoff(len(word))
        if cutoff is None or len(sound) < 3:
            return
        for key, ratio in self._typos.near(sound, cutoff):
            for listed in self._sound_words[key]:
                offer(listed, TYPO_WEIGHT * ratio / 100 * weight)
