"""Staff commands for the occupation list.

    midway occupations search TEXT [--lang he|en|ru|ar]   the top five, best first, with ISCO-08 codes
    midway occupations unclassified [--lang ...]          the jobs people described in their own words
                                                          ("none of these"), with the list's best guess
    midway occupations assign ID CODE                     give one of them its ISCO-08 code

`search` needs no database: the list ships with the package (flows/occupations/occupations.toml);
`assign` checks the code against it.
"""

from __future__ import annotations

import argparse
from typing import Any

from bot.cli_text import one_line_errors
from bot.occupation_list import load_occupation_index
from flows.occupations import OccupationListError
from flows.occupations.index import LANGUAGES, OccupationIndex
from storage import employment

TOP = 5


def NEEDS_APP(args: argparse.Namespace) -> bool:  # noqa: N802  (read by bot/cli.py like the flag it was)
    """`search` runs with no settings and no database; the other actions read the database."""
    return bool(args.action != "search")


def add_parser(commands: Any) -> None:
    occupations = commands.add_parser(
        "occupations", help="the occupation list (ISCO-08): search, unclassified, assign"
    )
    occupations.add_argument("action", choices=["search", "unclassified", "assign"])
    occupations.add_argument(
        "text", nargs="*", help="search: what to look for, as people type it; assign: ID CODE"
    )
    occupations.add_argument("--lang", choices=LANGUAGES, default="he", help="titles in (default: he)")


def run(app: Any, args: argparse.Namespace) -> int:
    if args.action == "search":
        return occupations_command(args)
    try:
        index = load_occupation_index()
    except OccupationListError as error:
        print(f"midway occupations: {error}")
        return 2
    if args.action == "unclassified":
        return one_line_errors(lambda: _unclassified(app, index, args.lang))
    return one_line_errors(lambda: _assign(app, index, args.text, args.lang))


def occupations_command(args: argparse.Namespace) -> int:
    if not args.text:
        print("midway occupations search: what to look for? e.g. midway occupations search מנהלת חשבונות")
        return 2
    try:
        index = load_occupation_index()
    except OccupationListError as error:
        print(f"midway occupations: {error}")
        return 2
    query = " ".join(args.text)
    matches = index.search(query, limit=TOP)
    if not matches:
        print(f"no occupation matches {query!r}")
        return 1
    for match in matches:
        title = match.occupation.title(args.lang)
        # the name that matched, when it is not the title shown (a synonym, another language)
        via = "" if match.matched in title else f"  (as {match.matched})"
        print(f"{match.code}  {title}{via}")
    return 0


def _unclassified(app: Any, index: OccupationIndex, lang: str) -> int:
    with app.db.transaction() as session:
        rows = [(r.id, r.person_id, r.starts_on, r.occupation_text) for r in employment.unclassified(session)]
    if not rows:
        print("no unclassified occupations")
        return 0
    for period_id, person_id, starts, text in rows:
        best = index.search(text or "", limit=1)
        guess = f"  (best guess: {best[0].code} {best[0].occupation.title(lang)})" if best else ""
        print(f"{period_id}  person {person_id}  since {starts}  {text!r}{guess}")
    return 0


def _assign(app: Any, index: OccupationIndex, given: list[str], lang: str) -> int:
    if len(given) != 2 or not given[0].isdigit():
        raise ValueError(
            "assign needs the period id and an ISCO-08 code, e.g. midway occupations assign 12 4311"
        )
    period_id, code = int(given[0]), given[1].strip()
    occupation = index.by_code(code)
    if occupation is None:
        raise ValueError(
            f"{code!r} is not a code in the occupation list; midway occupations search TEXT finds one"
        )
    with app.db.transaction() as session:
        row = employment.assign_occupation(session, period_id, code, app.clock())
        text = row.occupation_text
    print(f"period {period_id} ({text!r}) is now {code} {occupation.title(lang)}")
    return 0
