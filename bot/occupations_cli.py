"""Staff commands for the occupation list.

    midway occupations search TEXT [--lang he|en|ru|ar]   the top five, best first, with ISCO-08 codes

No database: the list ships with the package (flows/occupations/occupations.toml).
"""

from __future__ import annotations

import argparse
from typing import Any

from bot.occupation_list import load_occupation_index
from flows.occupations import OccupationListError
from flows.occupations.index import LANGUAGES

TOP = 5
NEEDS_APP = False  # `run` gets no app: no settings, no database


def add_parser(commands: Any) -> None:
    occupations = commands.add_parser("occupations", help="the occupation list (ISCO-08): search")
    occupations.add_argument("action", choices=["search"])
    occupations.add_argument("text", nargs="+", help="what to look for, as people type it")
    occupations.add_argument("--lang", choices=LANGUAGES, default="he", help="titles in (default: he)")


def run(app: object, args: argparse.Namespace) -> int:
    return occupations_command(args)


def occupations_command(args: argparse.Namespace) -> int:
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
