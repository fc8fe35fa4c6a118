"""Occupation search over the ISCO-08 unit groups the program's participants work in.

occupations = parse_occupations(text)        # the list's file, checked (bot/occupation_list.py reads it)
index = OccupationIndex(occupations)          # built once at start-up, then passed in
index.search("מנהלת חשבונות")                # → [Match(code 4311 …), …], best first
"""

from flows.occupations.index import Match, Occupation, OccupationIndex
from flows.occupations.list_file import OccupationListError, parse_occupations

__all__ = ["Match", "Occupation", "OccupationIndex", "OccupationListError", "parse_occupations"]
