"""A participant's case: open, closed or graduated, as of a day — and the graduation message.

The program's exits (`../shared/domain.md`): lack of cooperation (a promoter closes the case, with a
reason); found work and kept it six months (graduated: `flows.measures.job_kept`); or the maximum
time in the program (`Program.max_months_in_program` months after joining; 0: no maximum).

    case_status(joined, changes, periods, today, max_months)   the state, its reason, and since when
    survey_eligible(status, periods, joined, today)            does the status survey still go out?

The status is read from what happened, in date order, every time: a promoter's close and reopen
(`CaseChange`), the day work had been kept six months, and the day the maximum time ran out. The two
automatic exits apply only to a case open on that day; a reopen after either keeps the case open
until a promoter closes it again (a reopen before the maximum time does not stop it). A later
survey that corrects the history (the job ended after four months) takes the graduation back.

Graduation is told once, by the durable scheduler (job kind `GRADUATION`, due the day the six months
are up, in allowed hours; `storage/employment.py` arms it when a report makes that day known; the
message itself is `flows/cases/proactive.py`). Alumni events (the community evening) stay open to
graduates: nothing in sign-ups reads the case.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Literal

from flows.employment import Period
from flows.measures import first_placement, job_kept, months_later

CaseState = Literal["open", "closed", "graduated"]
CLOSE_REASONS = ("no_cooperation", "moved_away", "other")  # a promoter's; "max_time" is the program's
MAX_TIME = "max_time"
FOLLOW_UP_MONTHS = 24  # a placed person is surveyed until this long after their first placement
GRADUATION = "graduation"  # the job kind
GRADUATION_MESSAGE = "case.graduation"  # its message kind (a WhatsApp template may be made for it)


@dataclass(frozen=True)
class CaseChange:
    """A promoter's act on the case: "closed" (with a reason) or "reopened"."""

    on: date
    action: Literal["closed", "reopened"]
    reason: str | None = None


@dataclass(frozen=True)
class CaseStatus:
    state: CaseState
    since: date  # the day it became so (joined, for a case open all along)
    reason: str | None = None  # closed: a CLOSE_REASONS entry, or MAX_TIME


def case_status(
    joined: date,
    changes: Iterable[CaseChange],
    periods: Iterable[Period],
    today: date,
    max_months: int = 0,
) -> CaseStatus:
    """The case as of `today` (see the module's text for the order of things)."""
    happened: list[tuple[date, int, str, str | None]] = []  # day, automatic first on a day, what, reason
    kept = job_kept(periods, joined)
    if kept is not None and kept <= today:
        happened.append((kept, 0, "graduated", None))
    if max_months > 0:
        ends = months_later(joined, max_months)
        if ends <= today:
            happened.append((ends, 0, "closed_by_time", MAX_TIME))
    happened += [(c.on, 1, c.action, c.reason) for c in changes if c.on <= today]
    status = CaseStatus("open", joined)
    for day, _, what, reason in sorted(happened, key=lambda h: (h[0], h[1])):
        if what == "reopened":
            status = CaseStatus("open", day)
        elif what == "closed":
            status = CaseStatus("closed", day, reason)
        elif status.state == "open":  # an automatic exit ends only an open case
            status = (
                CaseStatus("graduated", day) if what == "graduated" else CaseStatus("closed", day, reason)
            )
    return status


def survey_eligible(
    status: CaseStatus,
    periods: Iterable[Period],
    joined: date,
    today: date,
    follow_up_months: int = FOLLOW_UP_MONTHS,
) -> bool:
    """An open case is surveyed; a closed or graduated one only for a placed person's persistence
    follow-up, until `follow_up_months` (the survey's `placed_months`) after their first placement
    (that day included)."""
    if status.state == "open":
        return True
    first = first_placement(periods, joined, today)
    return first is not None and today <= months_later(first.start, follow_up_months)
