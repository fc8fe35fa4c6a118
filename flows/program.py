"""The program's configuration as the flows see it: centers and eligibility thresholds.

Built from plain data (the shell reads it from a TOML file); nothing here reads files.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any

from flows.scheduling import Scheduling, scheduling_from_dict

LANGUAGES = ("he", "en", "ru", "ar")
STAFF_ROLES = ("manager", "router", "promoter")  # the people on staff (a person's role); "participant" is not


def role_rank(role: str | None) -> int:
    """How privileged a role is: manager > router > promoter > participant (or anything else)."""
    return len(STAFF_ROLES) - STAFF_ROLES.index(role) if role in STAFF_ROLES else 0


@dataclass(frozen=True)
class Eligibility:
    """Thresholds of the pre-screen. A value inside the `margin_*` band below a threshold sends
    the case to the center manager instead of a refusal ("almost meets")."""

    min_age: int = 45
    max_age: int = 75
    min_out_of_work_days: int = 14
    max_out_of_work_years: int = 20
    min_job_share: float = 0.25
    min_experience_years: int = 5
    require_able_to_work: bool = True
    require_in_area: bool = True
    margin_age_years: int = 1
    margin_experience_years: int = 2
    margin_job_share: float = 0.1
    # An age more than this many years outside [min_age, max_age] ends the pre-screen early (30 with
    # 45–75: the other questions could not change the answer); closer ones are asked everything.
    early_end_age_years: int = 5


@dataclass(frozen=True)
class Service:
    """An entry of a center's list of other community services."""

    names: dict[str, str]
    phone: str = ""


@dataclass(frozen=True)
class StaffRules:
    """What staff may do in the chat, by role (`[staff]`, and per center under `[centers.staff]`)."""

    event_roles: tuple[str, ...] = ("manager", "router")  # add, edit and cancel the center's events
    handoff_roles: tuple[str, ...] = STAFF_ROLES  # see and close the center's "talk to a person" requests
    decision_roles: tuple[str, ...] = ("manager",)  # decide the center's borderline pre-screens
    salary_roles: tuple[str, ...] = ("manager",)  # see salaries where employment periods are shown
    # mark the center's meetings attended and give the participant the next task (homework)
    meeting_roles: tuple[str, ...] = ("manager", "promoter")


@dataclass(frozen=True)
class Center:
    slug: str
    names: dict[str, str]
    cities: tuple[str, ...]
    services: tuple[Service, ...] = ()
    parent: str | None = None
    eligibility: Eligibility = field(default_factory=Eligibility)
    staff: StaffRules = field(default_factory=StaffRules)

    def name(self, lang: str) -> str:
        return self.names.get(lang) or self.names.get("he") or self.slug


@dataclass(frozen=True)
class Program:
    centers: tuple[Center, ...]
    eligibility: Eligibility = field(default_factory=Eligibility)
    manager_reply_working_days: int = 5
    handoff_reply_working_days: int = 2
    resume_after_hours: int = 12
    max_text_length: int = 600
    max_months_in_program: int = 24  # a case closes this long after joining (0: no maximum)
    # reminders, quiet hours, the scheduler and meeting rules ([reminders], [quiet_hours], ...)
    scheduling: Scheduling = field(default_factory=Scheduling)
    staff: StaffRules = field(default_factory=StaffRules)

    def center(self, slug: str | None) -> Center | None:
        return next((c for c in self.centers if c.slug == slug), None)

    def may_manage_events(self, role: str | None, center: str | None) -> bool:
        """Whether staff of `role` at `center` add, edit and cancel that center's events in the chat."""
        found = self.center(center)
        return found is not None and role in found.staff.event_roles

    def may_handle_handoffs(self, role: str | None, center: str | None) -> bool:
        """Whether staff of `role` at `center` see and close that center's "talk to a person" requests."""
        found = self.center(center)
        return found is not None and role in found.staff.handoff_roles

    def may_see_salary(self, role: str | None, center: str | None = None) -> bool:
        """Whether staff of `role` see salaries in employment periods (their center's rule, else the
        program's); others see the job percentage and the rest."""
        found = self.center(center)
        return role in (found.staff if found else self.staff).salary_roles

    def may_run_meetings(self, role: str | None, center: str | None) -> bool:
        """Whether staff of `role` at `center` mark that center's meetings and give the next task."""
        found = self.center(center)
        return found is not None and role in found.staff.meeting_roles

    def may_decide(self, role: str | None, center: str | None) -> bool:
        """Whether staff of `role` at `center` decide that center's borderline pre-screens in the chat."""
        found = self.center(center)
        return found is not None and role in found.staff.decision_roles


def _eligibility(data: dict[str, Any], base: Eligibility) -> Eligibility:
    known = {f.name for f in fields(Eligibility)}
    unknown = set(data) - known
    if unknown:
        raise ValueError(f"unknown eligibility settings: {sorted(unknown)}")
    return replace(base, **data)


def _staff(data: dict[str, Any], base: StaffRules, where: str) -> StaffRules:
    unknown = set(data) - {f.name for f in fields(StaffRules)}
    if unknown:
        raise ValueError(f"unknown [{where}] settings: {sorted(unknown)}")
    chosen = {}
    for setting in ("event_roles", "handoff_roles", "decision_roles", "salary_roles", "meeting_roles"):
        roles = tuple(data.get(setting, getattr(base, setting)))
        wrong = [r for r in roles if r not in STAFF_ROLES]
        if wrong:
            raise ValueError(f"[{where}] {setting}: {wrong} are not staff roles ({', '.join(STAFF_ROLES)})")
        chosen[setting] = roles
    return StaffRules(**chosen)


def _months(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(
            f"[program] max_months_in_program: {value!r} is not a number of months (0: no maximum)"
        )
    return value


def program_from_dict(data: dict[str, Any]) -> Program:
    """Validate and build the program configuration; raises ValueError with a clear message."""
    base = _eligibility(data.get("eligibility", {}), Eligibility())
    staff = _staff(data.get("staff", {}), StaffRules(), "staff")
    centers = []
    for raw in data.get("centers", []):
        if "slug" not in raw or "names" not in raw:
            raise ValueError("every [[centers]] entry needs a slug and names")
        services = tuple(
            Service(names=dict(s["names"]), phone=str(s.get("phone", ""))) for s in raw.get("services", [])
        )
        centers.append(
            Center(
                slug=raw["slug"],
                names=dict(raw["names"]),
                cities=tuple(raw.get("cities", ())),
                services=services,
                parent=raw.get("parent"),
                eligibility=_eligibility(raw.get("eligibility", {}), base),
                staff=_staff(raw.get("staff", {}), staff, f"centers.staff ({raw['slug']})"),
            )
        )
    if not centers:
        raise ValueError("the configuration defines no centers")
    slugs = [c.slug for c in centers]
    if len(set(slugs)) != len(slugs):
        raise ValueError("center slugs must be unique")
    general = data.get("program", {})
    return Program(
        centers=tuple(centers),
        eligibility=base,
        manager_reply_working_days=int(general.get("manager_reply_working_days", 5)),
        handoff_reply_working_days=int(general.get("handoff_reply_working_days", 2)),
        resume_after_hours=int(general.get("resume_after_hours", 12)),
        max_text_length=int(general.get("max_text_length", 600)),
        max_months_in_program=_months(general.get("max_months_in_program", 24)),
        scheduling=scheduling_from_dict(data),
        staff=staff,
    )
