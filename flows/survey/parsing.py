"""Reading the survey's typed answers: since when (a month and a year), the job percentage and the
monthly salary (a number or a range). Each raises `Invalid` with the kind explanation to show."""

from __future__ import annotations

import re
from datetime import date

from flows.declare import Invalid, View
from flows.employment import Salary
from flows.parsing.numbers import first_number, to_ascii_digits
from flows.scheduling import TIMEZONE

EARLIEST_YEAR = 1960
_MONTH_YEAR = re.compile(r"^\s*(\d{1,2})\s*[./\-\s]\s*(\d{2}|\d{4})\s*$")
_YEAR_MONTH = re.compile(r"^\s*(\d{4})\s*[./\-\s]\s*(\d{1,2})\s*$")
MIN_SALARY, MAX_SALARY = 500, 200_000


def today(view: View) -> date:
    return view.now.astimezone(TIMEZONE).date()


def month_start(day: date, back: int = 0) -> date:
    months = day.year * 12 + day.month - 1 - back
    return date(months // 12, months % 12 + 1, 1)


def parse_since(text: str, view: View) -> str:
    """ "3/2025", "03.2025", "2025-03", "3 25" → the first of that month (ISO); not in the future."""
    plain = to_ascii_digits(text)
    found = _MONTH_YEAR.match(plain)
    if found:
        month, year = int(found.group(1)), int(found.group(2))
    elif found := _YEAR_MONTH.match(plain):
        year, month = int(found.group(1)), int(found.group(2))
    else:
        raise Invalid("survey.invalid_since")
    if year < 100:
        year += 2000 if 2000 + year <= today(view).year else 1900
    if not 1 <= month <= 12 or year < EARLIEST_YEAR:
        raise Invalid("survey.invalid_since")
    start = date(year, month, 1)
    if start > month_start(today(view)):
        raise Invalid("survey.since_in_future")
    return start.isoformat()


def parse_percent(text: str, view: View) -> int:
    """A typed job percentage: "60", "60%", "80 אחוז" (1 to 100)."""
    number = first_number(text)
    if number is None or number != int(number) or not 1 <= number <= 100:
        raise Invalid("survey.invalid_percent")
    return int(number)


# A number as people write a salary: thousands grouped by a space (also a no-break or thin space),
# a comma, a dot or an apostrophe, the same one throughout ("8 000", "8.000", "12,500", "1'200"),
# perhaps with a decimal part ("8,5 тыс.", "8.5 אלף"); or plain digits ("8000").
_GROUPED = re.compile(r"(?<![\d.,])\d{1,3}(?P<sep>[ ,.'])\d{3}(?:(?P=sep)\d{3})*(?![\d])")
_PLAIN = re.compile(r"(?<![\d.,])\d+(?:[.,]\d+)?(?![\d])")
_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u066c": ",", "\u2019": "'"})


def _amounts(text: str) -> list[int] | None:
    """The amounts written, in shekels; None when a number is written in a way that may be read
    two ways ("8,000,5")."""
    plain = to_ascii_digits(text).translate(_SPACES)
    values: list[float] = []
    rest = plain
    for found in _GROUPED.finditer(plain):
        values.append(float(found.group().replace(found.group("sep"), "")))
        rest = rest.replace(found.group(), " ", 1)
    for raw in _PLAIN.findall(rest):
        whole, _, part = raw.replace(",", ".").partition(".")
        if part and len(part) == 3:  # 8.500 or 8,500: a thousands separator
            values.append(float(whole + part))
        elif part and len(part) > 2:
            return None
        else:
            values.append(float(raw.replace(",", ".")))
    if re.search(r"\d[.,]\d[\d.,]*[.,]\d", rest):  # "8.000,5", "8,5.3": not one reading
        return None
    if not values:
        spelled = first_number(text)
        if spelled is not None:
            values.append(spelled)
    # "8-10" or "8 to 10 thousand": nobody earns 8 shekels a month
    return [int(round(v * 1000)) if v < 100 else int(round(v)) for v in values]


def parse_salary(text: str, view: View) -> dict[str, int]:
    """A monthly salary: one number ("8500", "8,500", "8.5 thousand") or a range ("8000-10000",
    "between 8 and 10 thousand"); stored as {"low", "high"} (JSON)."""
    amounts = _amounts(text)
    if amounts is None:
        raise Invalid("survey.unclear_salary")
    if not amounts or len(amounts) > 2:
        raise Invalid("survey.invalid_salary")
    low, high = min(amounts), max(amounts)
    if low < MIN_SALARY or high > MAX_SALARY:
        raise Invalid("survey.invalid_salary")
    return {"low": low, "high": high}


def salary_of(value: object) -> Salary | None:
    if isinstance(value, dict) and "low" in value and "high" in value:
        return Salary(int(value["low"]), int(value["high"]))
    return None
