"""Text as people type it, folded to the form the occupation index compares.

`normalize` is the primary key: case, niqqud and cantillation, final letters, geresh and gershayim,
maqaf and hyphens, bidi marks, Arabic letter variants and harakat, Russian ё. `phonetic` is a looser,
secondary key on top of it for the Hebrew letters people confuse when they spell by ear (ט/ת, כ/ח/ק,
ס/ש, א/ע) and for spelling with or without the vowel letters ו and י. `layout_variants` reads Latin
letters as the Hebrew or Russian they were meant to be on an English keyboard ("nbvk" → "מנהל"), and
Hebrew letters as the English typed on a Hebrew one. rapidfuzz's default processor is not used: it
turns the niqqud's combining marks, as "non-alphanumeric", into spaces and so splits pointed words.
The answers' normaliser (flows/parsing/normalize.py) is not used either: it splits abbreviations at
their gershayim ("מנכ ל") where a name needs them joined, and its NFKD turns Russian й into и.
"""

from __future__ import annotations

import re
import unicodedata

# Hebrew points and cantillation (U+0591–U+05C7, but not the maqaf, sof pasuq and friends, which are
# punctuation), Arabic harakat, superscript alef and tatweel
_MARKS = dict.fromkeys(
    [
        *range(0x0591, 0x05BE),
        0x05BF,
        0x05C1,
        0x05C2,
        0x05C4,
        0x05C5,
        0x05C7,
        *range(0x0610, 0x061B),
        *range(0x064B, 0x0660),
        0x0670,
        0x0640,
        *range(0x06D6, 0x06EE),
    ]
)
# invisible direction and joining controls that copy-paste brings along
_INVISIBLE = dict.fromkeys(
    [0x200B, 0x200C, 0x200D, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x061C, 0xFEFF]
)
# quote-like marks inside abbreviations (מנכ"ל, מנכ״ל, ג'נרל) are dropped: the letters join up
_JOINING = dict.fromkeys([ord(c) for c in "'\"`\u05f3\u05f4\u2018\u2019\u201c\u201d\u00b4\u02bc"])
_DROPPED = {**_MARKS, **_INVISIBLE, **_JOINING}
_LETTERS = str.maketrans(
    {
        # Hebrew final forms
        "ך": "כ",
        "ם": "מ",
        "ן": "נ",
        "ף": "פ",
        "ץ": "צ",
        # Arabic: alef with hamza or madda, alef wasla → alef; taa marbuta → haa; alef maqsura → yaa;
        # hamza on waw/yaa → the letter; Persian-keyboard kaf and yaa → Arabic ones
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ة": "ه",
        "ى": "ي",
        "ؤ": "و",
        "ئ": "ي",
        "ک": "ك",
        "ی": "ي",
        # Russian
        "ё": "е",
    }
)
_SEPARATORS = re.compile(r"[\W_]+")  # maqaf, hyphens, slashes, commas… all split words

_PHONETIC = str.maketrans({"ט": "ת", "ח": "כ", "ק": "כ", "ש": "ס", "ע": "א"})
_VOWEL_LETTERS = re.compile(r"(?<=\w)[וי]+")  # a ו or י inside a word (a leading ו is a prefix)
# the Arabic feminine ending (taa marbuta, already folded to haa): محاسبة and محاسب are one job
_ARABIC_FEMININE = re.compile(r"(?<=[\u0621-\u064A]{3})ه\b")

PREFIXES = frozenset("הובלמשכ")
ARABIC_ARTICLE = "ال"


def normalize(text: str) -> str:
    """The comparable form of `text`: lower case, unpointed, final letters folded, one space between
    words and none at either end."""
    text = unicodedata.normalize("NFKC", text).translate(_DROPPED).casefold().translate(_LETTERS)
    return " ".join(_SEPARATORS.split(text)).strip()


def phonetic(normalized: str) -> str:
    """A looser key of an already normalised text: letters people swap by ear are one letter, and the
    vowel letters ו and י inside a word are dropped (כתיב מלא and כתיב חסר meet)."""
    return _ARABIC_FEMININE.sub("", _VOWEL_LETTERS.sub("", normalized.translate(_PHONETIC)))


def without_prefixes(token: str, most: int = 2) -> list[str]:
    """A Hebrew word with one, then two of its one-letter prefixes taken off ("ובהנהלת" → "בהנהלת",
    "הנהלת"), or an Arabic one without its article (المحاسب → محاسب); what is left keeps at least
    three letters. The word itself is not in the list."""
    if token.startswith(ARABIC_ARTICLE) and len(token) >= 5:
        return [token[2:]]
    found: list[str] = []
    word = token
    for _ in range(most):
        if len(word) < 4 or word[0] not in PREFIXES:
            break
        word = word[1:]
        found.append(word)
    return found


# The Israeli standard layout (SI 1452) and the Russian ЙЦУКЕН one, key by key from the English layout
_EN_KEYS = "qwertyuiop[]asdfghjkl;'zxcvbnm,./`"
_HE_KEYS = "/'קראטוןםפ][שדגכעיחלךף,זסבהנמצתץ.;"
_RU_KEYS = "йцукенгшщзхъфывапролджэячсмитьбю.ё"
_EN_TO_HE = str.maketrans(_EN_KEYS, _HE_KEYS)
_EN_TO_RU = str.maketrans(_EN_KEYS, _RU_KEYS)
_HE_TO_EN = str.maketrans("קראטוןםפשדגכעיחלךףזסבהנמצתץ", "ertyuiopasdfghjkl;zxcvbnm,.")
_LATIN_TYPING = re.compile(r"[a-z;,.'\[\]`/ ]+")
_HEBREW_TYPING = re.compile(r"[\u05D0-\u05EA ,.;]+")


def layout_variants(text: str) -> list[str]:
    """What `text` would read as if it was typed with the wrong keyboard layout on: Latin keys as
    Hebrew and as Russian, or Hebrew keys as English. Empty when the text mixes scripts."""
    raw = " ".join(text.casefold().split())
    if not raw:
        return []
    if _LATIN_TYPING.fullmatch(raw):
        return [raw.translate(_EN_TO_HE), raw.translate(_EN_TO_RU)]
    if _HEBREW_TYPING.fullmatch(raw):
        return [raw.translate(_HE_TO_EN)]
    return []
