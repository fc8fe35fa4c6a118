"""The homework feature: the task a promoter gives at the end of a meeting, and the participant's
word on it — told when given, checked in on the due date, "my tasks" from the menu.

    conversations   the flows (homework_report, homework_checkin, homework), the task catalog, and
                    how a `HomeworkResult` is told
    proactive       the job kinds: homework_assigned, homework_checkin, and the check-in's reminder
                    (`timeout.homework_checkin`), with their WhatsApp template values
    effects         ReportHomework, HomeworkUnanswered (and the staff chat's MarkAttendance,
                    AssignHomework)

Its effects are applied by `storage/homework.py` (`HANDLERS`), which also loads the `homework` fact
and reads the proactive kinds' data (`PROACTIVE_DATA`).
"""

from flows.feature import Feature, MenuEntry, for_participants
from flows.homework.conversations import (
    ANSWERS,
    CHECKIN,
    COUNTED,
    FLOWS,
    FREE,
    MINE,
    REPORT,
    TASKS,
    HomeworkResult,
    due_day,
    result_replies,
    task_msg,
    today_of,
)
from flows.homework.proactive import PROACTIVE

FEATURE = Feature(
    "homework",
    flows=FLOWS,
    proactive=PROACTIVE,
    results={HomeworkResult: result_replies},
    facts=("homework",),
    storage="homework",
    menu=(MenuEntry("homework", "menu.homework", for_participants, order=45, then="push:homework"),),
)

__all__ = [
    "ANSWERS",
    "CHECKIN",
    "COUNTED",
    "FEATURE",
    "FLOWS",
    "FREE",
    "MINE",
    "PROACTIVE",
    "REPORT",
    "TASKS",
    "HomeworkResult",
    "due_day",
    "result_replies",
    "task_msg",
    "today_of",
]
