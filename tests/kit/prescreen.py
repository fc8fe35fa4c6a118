"""What the pre-screen asks and what an eligible person answers, for the tests that walk it."""

from __future__ import annotations

# The questions an eligible pre-screen stores, in order (the center is not asked: the city gives it;
# the phone only when staff will need it).
QUESTIONS = (
    "consent",
    "name",
    "age",
    "city",
    "willing",
    "out_of_work",
    "job_share",
    "experience",
    "able",
    "groups",
    "source",
    "summary",
)

# Everything that makes a Hebrew speaker eligible at Kfar Saba, typed, in question order after consent.
HE_TYPED = {
    "name": "רונית",
    "age": "1968",
    "city": "כפר סבא",
    "willing": "כן",
    "out_of_work": "3 חודשים",
    "job_share": "חצי משרה",
    "experience": "25",
    "able": "כן",
    "groups": "אף אחד מאלה",
    "source": "חבר מביא חבר",
    "summary": "כן",
}

# The same Hebrew speaker's messages in order after consent, ending with the phone staff will need.
HE_TO_ELIGIBLE = (*HE_TYPED.values(), "050-1234567")

# An English speaker, eligible at Modiin, typed after consent.
EN_TYPED = ("Ruth", "57", "Holon", "yes", "3 months", "half", "25", "yes", "none of these", "friend", "yes")

# The console session of a Hebrew speaker who ends eligible at Kfar Saba: "hello", consent by number,
# the answers (numbers where the console lists choices), and a phone.
CONSOLE_HE = (
    "שלום",
    "1",
    "רונית",
    "1968",
    "כפר סבא",
    "כן",
    "3 חודשים",
    "חצי משרה",
    "25",
    "כן",
    "5",
    "2",
    "1",
    "050-1234567",
)
