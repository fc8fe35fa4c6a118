"""The occupation list that ships with the package, read once at start-up into a search index."""

from __future__ import annotations

from importlib import resources

from flows.occupations import OccupationIndex, parse_occupations

LIST_FILE = "occupations.toml"


def load_occupation_index() -> OccupationIndex:
    """Read and check flows/occupations/occupations.toml; OccupationListError names a bad entry."""
    text = resources.files("flows.occupations").joinpath(LIST_FILE).read_text(encoding="utf-8")
    return OccupationIndex(parse_occupations(text, LIST_FILE))
