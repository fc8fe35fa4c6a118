"""Israeli working days (Sunday to Thursday), for "you will hear from us by ..." dates."""

from __future__ import annotations

from datetime import date, timedelta

WEEKEND = (4, 5)  # Friday, Saturday (date.weekday())


def add_working_days(start: date, days: int) -> date:
    current = start
    left = days
    while left > 0:
        current += timedelta(days=1)
        if current.weekday() not in WEEKEND:
            left -= 1
    return current
