"""The statuses of a sign-up and of a meeting, in the groups the queries ask for."""

from __future__ import annotations

SEATED = ("confirmed", "offered")
ACTIVE = ("confirmed", "waitlisted", "offered")
MEETING_OPEN = ("scheduled", "confirmed", "reschedule_requested")
ATTENDANCE = ("attended", "no_show", "late_not_admitted")  # a meeting's status once it was held


SIGNUP_RANK = {"confirmed": 3, "offered": 2, "waitlisted": 1}  # cancelled, expired: 0
