"""The occupation list's file format, read and checked (the text is handed in: no I/O here).

    [[occupation]]
    code = "4311"                      # ISCO-08 unit group, four digits, once in the list
    he_m = "מנהל חשבונות"              # Hebrew, masculine and feminine
    he_f = "מנהלת חשבונות"
    en = "Bookkeeper"
    ru = "Бухгалтер"
    ar = "محاسب"
    synonyms = ["הנהלת חשבונות", "bookkeeping clerk"]   # optional, any language

A mistake (a missing language, a code twice, a code that is not four digits, an unknown key) is an
OccupationListError naming the entry, so a bad edit stops start-up with one clear line.
"""

from __future__ import annotations

import re
import tomllib

from flows.occupations.index import Occupation

REQUIRED = ("code", "he_m", "he_f", "en", "ru", "ar")
OPTIONAL = ("synonyms",)
_CODE = re.compile(r"\d{4}")


class OccupationListError(ValueError):
    pass


def parse_occupations(text: str, source: str = "occupations.toml") -> list[Occupation]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise OccupationListError(f"{source}: not valid TOML: {error}") from None
    entries = data.get("occupation")
    if not isinstance(entries, list) or not entries:
        raise OccupationListError(f"{source}: no [[occupation]] entries")
    unknown_top = sorted(set(data) - {"occupation"})
    if unknown_top:
        raise OccupationListError(f"{source}: unknown section {unknown_top[0]!r}")
    occupations: list[Occupation] = []
    first_seen: dict[str, int] = {}
    for number, entry in enumerate(entries, start=1):
        where = f"{source}: entry {number} (code {entry.get('code', '?')})"
        unknown = sorted(set(entry) - set(REQUIRED) - set(OPTIONAL))
        if unknown:
            raise OccupationListError(f"{where}: unknown key {unknown[0]!r}")
        for key in REQUIRED:
            value = entry.get(key)
            if not isinstance(value, str) or not value.strip():
                raise OccupationListError(f"{where}: missing {key}")
        code = entry["code"]
        if not _CODE.fullmatch(code):
            raise OccupationListError(f"{where}: the code must be four digits (ISCO-08 unit group)")
        if code in first_seen:
            raise OccupationListError(f"{where}: code {code} is already entry {first_seen[code]}")
        first_seen[code] = number
        synonyms = entry.get("synonyms", [])
        if not isinstance(synonyms, list) or not all(isinstance(s, str) and s.strip() for s in synonyms):
            raise OccupationListError(f"{where}: synonyms must be a list of non-empty strings")
        he_m, he_f, en, ru, ar = (entry[key].strip() for key in REQUIRED[1:])
        occupations.append(Occupation(code, he_m, he_f, en, ru, ar, tuple(s.strip() for s in synonyms)))
    return occupations
