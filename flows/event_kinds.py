"""The program's catalog of group services (docs: ../shared/domain.md), by the names events are stored
under. Staff pick one when they add an event (CLI or chat); reminder offsets are set per kind."""

from __future__ import annotations

KINDS = (
    "exposure_conference",
    "opening_workshop",
    "back_to_work",
    "self_employed_workshop",
    "starting_business",
    "freelancers",
    "career_initiative",
    "career_direction",
    "motivation",
    "networking",
    "facebook_linkedin",
    "office_excel",
    "job_club",
    "business_space",
    "events_day",
    "community_evening",
)
NO_SIGNUP_KINDS = ("job_club", "business_space")  # drop-in: no sign-up by default
TRACKS = ("employees", "self_employed", "all")
