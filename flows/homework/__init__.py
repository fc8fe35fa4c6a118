"""The homework feature: the task a promoter gives at the end of a meeting, and the participant's
word on it — told when given, checked in on the due date, "my tasks" from the menu.

    conversations   the flows (homework_report, homework_checkin, homework), the task catalog, and
                    how a `HomeworkResult` is told
    proactive       the job kinds: homework_assigned, homework_checkin, and the check-in's reminder
                    (`timeout.homework_checkin`), with their WhatsApp template values
    next_task       after a meeting, from the staff menu: its attendance, then the next task
                    (staff_meeting, staff_attendance, homework_next), and how a `MeetingResult` is
                    told: a feature of its own, `NEXT_TASK_FEATURE`
    effects         ReportHomework, HomeworkUnanswered; MarkAttendance, AssignHomework (next_task's)

`FEATURE`'s effects are applied by `storage/homework.py` (`HANDLERS`), which also loads the
`homework` fact and reads the proactive kinds' data (`PROACTIVE_DATA`); `NEXT_TASK_FEATURE`'s by
`storage/homework_next.py`, which loads the `staff_meetings` fact (the center's meetings begun in
the last days) and gives the task with `storage.homework.assign`.

The staff chat's part is a feature of its own rather than a part of `FEATURE`: another audience
(staff with `meeting_roles`, not participants), another fact and another storage module, and a
feature names one storage module (`Feature.storage`).
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
from flows.homework.next_task import NEXT_TASK_FEATURE, MeetingResult, meeting_result_replies
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
    "NEXT_TASK_FEATURE",
    "PROACTIVE",
    "REPORT",
    "TASKS",
    "HomeworkResult",
    "MeetingResult",
    "due_day",
    "meeting_result_replies",
    "result_replies",
    "task_msg",
    "today_of",
]
