"""Reading the program configuration file (TOML): `MIDWAY_CONFIG`, or the shipped default."""

from __future__ import annotations

import tomllib
from pathlib import Path

from flows.program import Program, program_from_dict

DEFAULT_CONFIG = Path(__file__).resolve().parent / "defaults" / "program.toml"


def load_program(path: str | Path | None) -> Program:
    source = Path(path) if path else DEFAULT_CONFIG
    with source.open("rb") as handle:
        data = tomllib.load(handle)
    try:
        return program_from_dict(data)
    except (ValueError, TypeError) as error:
        raise ValueError(f"{source}: {error}") from error
