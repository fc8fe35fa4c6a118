"""Staff in the chat: what waits for the center — "talk to a person" requests and borderline cases.

    /staff → 📞 requests to talk to a person (N) → which one (the longest waiting first) → who, phone,
             channel, when, where they were → handled / not yet → a note for the team, or none
                                                                                     → CloseHandoff
    /staff → ⚖️ waiting for your decision (N) → which one → who, why it is borderline, by when
             → approve / decline / not now → are you sure (the participant will be told)  → DecideCase

Each flow exists only for the roles the program allows (`[staff] handoff_roles`, `decision_roles`,
per center). A staff member sees their own center's requests, and those of people who have no center
yet (they asked before the pre-screen placed them); never another center's. The shell checks the
role and the center again when it applies the effect, with the same storage functions as
`midway handoffs done` and `midway decisions approve|reject`, and answers with a `QueueResult`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flows.context import Context, DecisionFacts, HandoffFacts
from flows.declare import Ask, Done, Flow, Option, Prompt, View, yes_no
from flows.effects import Effect
from flows.eligibility import OUT_OF_WORK_BUCKETS, REASONS
from flows.feature import Feature
from flows.messages import Msg, MsgList, Outgoing, Reply
from flows.prescreen import plain_reason
from flows.program import Eligibility
from flows.results import QueueResult
from flows.staff_queue.effects import CloseHandoff, DecideCase

MAX_PICK = 10  # requests or cases offered as buttons at once (the longest waiting)
MAX_NOTE = 500
SKIP = "skip"
BACK_TO_STAFF = "push:staff"  # after each task, the staff menu again; "menu" or "back" leaves
JUST_DONE = "just_done"  # handed to the staff menu: what this step closed or decided, not counted again

T = TypeVar("T")


# ---- what the staff member's center has waiting ----------------------------------------------
def center_name(view: View) -> str:
    center = view.ctx.program.center(view.ctx.person.staff_center)
    return center.name(view.lang) if center else ""


def pick(
    key: str, prompt: Prompt, waiting: Callable[[Context], tuple[T, ...]], option: Callable[[T], Option]
) -> Ask:
    """Which one: the longest waiting first, at most `MAX_PICK` (passed over when none waits)."""
    return Ask(
        key,
        prompt=prompt,
        options=lambda v: tuple(option(item) for item in waiting(v.ctx)[:MAX_PICK]),
        skip=lambda v: not waiting(v.ctx),
    )


def nothing_chosen(view: View, key: str, gone: str, none: str) -> Done:
    """None waiting, or the one picked was handled meanwhile by someone else: said, and back."""
    said = Msg(gone) if view.answers.get(key) else Msg(none, {"center": center_name(view)})
    return Done(replies=(said,), then=BACK_TO_STAFF)


def handled(effect: Effect, ref: str) -> Done:
    """The staff menu again, without the one just handled in its counts."""
    return Done(effects=(effect,), then=BACK_TO_STAFF, carry={JUST_DONE: [ref]})


def open_handoffs(ctx: Context) -> tuple[HandoffFacts, ...]:
    """The center's open requests and those of people with no center yet, the longest waiting first."""
    center = ctx.person.staff_center
    found = (h for h in ctx.handoffs if h.center in (center, None))
    return tuple(sorted(found, key=lambda h: (h.asked_at, h.ref)))


def pending_cases(ctx: Context) -> tuple[DecisionFacts, ...]:
    center = ctx.person.staff_center
    found = (d for d in ctx.decisions if d.center == center)
    return tuple(sorted(found, key=lambda d: (d.due_by is None, d.due_by or d.created_at.date(), d.ref)))


def handoff_count(ctx: Context, done: tuple[str, ...] = ()) -> int:
    """Open requests, less `done` (closed by this very step: the queue was read before it)."""
    return len([h for h in open_handoffs(ctx) if h.ref not in done])


def case_count(ctx: Context, done: tuple[str, ...] = ()) -> int:
    return len([d for d in pending_cases(ctx) if d.ref not in done])


def who(name: str) -> str | Msg:
    return name or Msg("queue.no_name")


# ---- requests to talk to a person ------------------------------------------------------------
def chosen_handoff(view: View) -> HandoffFacts | None:
    ref = view.answers.get("request")
    return next((h for h in open_handoffs(view.ctx) if h.ref == ref), None)


def handoffs_prompt(view: View) -> tuple[Msg, ...]:
    found = open_handoffs(view.ctx)
    parts = [Msg("handoffs.list_title", {"center": center_name(view), "count": len(found)})]
    if len(found) > MAX_PICK:
        parts.append(Msg("queue.longest_waiting", {"count": MAX_PICK}))
    return (*parts, Msg("queue.ask_which"))


def handoff_option(request: HandoffFacts) -> Option:
    return Option(request.ref, "handoffs.option", {"name": who(request.name), "when": request.asked_at})


def where_they_were(request: HandoffFacts) -> str | Msg:
    if not request.flow:
        return Msg("handoffs.where_idle")
    return f"{request.flow} › {request.question}" if request.question else request.flow


def handoff_details(view: View) -> tuple[Msg, ...]:
    request = chosen_handoff(view)
    assert request is not None
    lines: tuple[Msg, ...] = (
        Msg("handoffs.line_phone", {"phone": request.phone or Msg("handoffs.no_phone")}),
        Msg("handoffs.line_channel", {"channel": request.channel or "-"}),
        Msg("handoffs.line_asked", {"when": request.asked_at}),
        Msg("handoffs.line_where", {"where": where_they_were(request)}),
    )
    if request.center is None:
        lines += (Msg("handoffs.line_no_center"),)
    return (
        Msg("handoffs.details", {"name": who(request.name)}),
        Msg("common.list", {"items": MsgList(lines)}),
        Msg("handoffs.ask_action"),
    )


def parse_note(text: str, view: View) -> str:
    return " ".join(text.split())[:MAX_NOTE]


def handoffs_finish(view: View) -> Done:
    a = view.answers
    request = chosen_handoff(view)
    if request is None:
        return nothing_chosen(view, "request", gone="handoffs.gone", none="handoffs.none")
    if a.get("action") != "done":
        return Done(replies=(Msg("handoffs.kept_open"),), then=BACK_TO_STAFF)
    note = a.get("note")
    return handled(CloseHandoff(request.ref, None if note in (None, SKIP) else note), request.ref)


HANDOFFS = Flow(
    "staff_handoffs",
    allowed=lambda ctx: ctx.handles_handoffs,
    steps=(
        pick("request", handoffs_prompt, open_handoffs, handoff_option),
        Ask(
            "action",
            prompt=handoff_details,
            options=(Option("done", "handoffs.mark_done"), Option("later", "handoffs.not_yet")),
            skip=lambda v: chosen_handoff(v) is None,
        ),
        Ask(
            "note",
            prompt="handoffs.ask_note",
            options=(Option(SKIP, "handoffs.no_note", synonyms="synonyms.skip"),),
            parse=parse_note,
            suggestions=True,
            max_length=MAX_NOTE,
            skip=lambda v: chosen_handoff(v) is None or v.answers.get("action") != "done",
        ),
    ),
    finish=handoffs_finish,
)


# ---- borderline cases: the manager decides ---------------------------------------------------
def chosen_case(view: View) -> DecisionFacts | None:
    ref = view.answers.get("case")
    return next((d for d in pending_cases(view.ctx) if d.ref == ref), None)


def cases_prompt(view: View) -> tuple[Msg, ...]:
    found = pending_cases(view.ctx)
    parts = [Msg("decisions.list_title", {"center": center_name(view), "count": len(found)})]
    if len(found) > MAX_PICK:
        parts.append(Msg("queue.longest_waiting", {"count": MAX_PICK}))
    return (*parts, Msg("queue.ask_which"))


def case_option(case: DecisionFacts) -> Option:
    if case.due_by is None:
        return Option(case.ref, "decisions.option_no_due", {"name": who(case.name)})
    return Option(case.ref, "decisions.option", {"name": who(case.name), "due": case.due_by})


# Which answer stands behind each reason (flows/eligibility.py), so the manager sees "age 40", not
# only the rule the participant would read.
REASON_ANSWERS = {
    "age_below": "age",
    "age_above": "age",
    "not_in_area": "city",
    "not_willing": "willing",
    "out_of_work_short": "out_of_work",
    "out_of_work_long": "out_of_work",
    "job_share_low": "job_share",
    "experience_low": "experience",
    "not_able": "able",
}


def reason_answer(reason: str, answers: dict[str, object]) -> str | Msg | None:
    """What the person answered, behind `reason` (40, "Kfar Saba", "no"), or None if not known."""
    key = REASON_ANSWERS.get(reason)
    value = answers.get(key) if key else None
    if value is None:
        return None
    if key == "out_of_work":
        label = next((b.label for b in OUT_OF_WORK_BUCKETS if b.value == value), None)
        return Msg(label) if label else str(value)
    if key == "job_share" and isinstance(value, float):
        return f"{int(round(value * 100))}%"
    if isinstance(value, bool):
        return Msg("common.yes" if value else "common.no")
    return str(value)


def case_reasons(view: View, case: DecisionFacts) -> tuple[Msg, ...]:
    center = view.ctx.program.center(case.center)
    return reasons_with_answers(
        case.reasons, case.answers, center.eligibility if center else view.ctx.program.eligibility
    )


def reasons_with_answers(
    reasons: tuple[str, ...], answers: dict[str, object], rules: Eligibility
) -> tuple[Msg, ...]:
    """Why a case is borderline, in the words the participant would read, each with the answer behind
    it (the staff chat, and `midway decisions list`)."""
    said: list[Msg] = []
    for reason in reasons:
        if reason in REASONS:
            answer = reason_answer(reason, answers)
            rule = plain_reason(reason, rules)
            said.append(
                Msg("decisions.reason_and_answer", {"reason": rule, "answer": answer})
                if answer is not None
                else rule
            )
        elif reason == "special_circumstances":
            said.append(Msg("decisions.special_circumstances"))
        else:
            said.append(Msg("common.raw", {"text": reason}))
    return tuple(said)


def case_details(view: View) -> tuple[Msg, ...]:
    case = chosen_case(view)
    assert case is not None
    phone = case.phone or Msg("handoffs.no_phone")
    parts = [Msg("decisions.details", {"name": who(case.name), "phone": phone, "asked": case.created_at})]
    reasons = case_reasons(view, case)
    if reasons:
        parts += [Msg("decisions.why"), Msg("common.list", {"items": MsgList(reasons)})]
    if case.due_by is not None:
        parts.append(Msg("decisions.due", {"due": case.due_by}))
    return (*parts, Msg("decisions.ask_verdict"))


def confirm_prompt(view: View) -> Msg:
    case = chosen_case(view)
    assert case is not None
    approve = view.answers.get("verdict") == "approve"
    key = "decisions.confirm_approve" if approve else "decisions.confirm_decline"
    return Msg(key, {"name": who(case.name)})


def cases_finish(view: View) -> Done:
    a = view.answers
    case = chosen_case(view)
    if case is None:
        return nothing_chosen(view, "case", gone="decisions.gone", none="decisions.none")
    if a.get("verdict") not in ("approve", "decline") or a.get("sure") != "yes":
        return Done(replies=(Msg("decisions.not_now"),), then=BACK_TO_STAFF)
    return handled(DecideCase(case.ref, a["verdict"] == "approve"), case.ref)


DECISIONS = Flow(
    "staff_decisions",
    allowed=lambda ctx: ctx.decides_cases,
    steps=(
        pick("case", cases_prompt, pending_cases, case_option),
        Ask(
            "verdict",
            prompt=case_details,
            options=(
                Option("approve", "decisions.approve"),
                Option("decline", "decisions.decline"),
                Option("later", "decisions.later"),
            ),
            skip=lambda v: chosen_case(v) is None,
        ),
        Ask(
            "sure",
            prompt=confirm_prompt,
            options=yes_no("decisions.sure_yes", "decisions.sure_no"),
            skip=lambda v: chosen_case(v) is None or v.answers.get("verdict") not in ("approve", "decline"),
        ),
    ),
    finish=cases_finish,
)

FLOWS = (HANDOFFS, DECISIONS)


# ---- what the shell did, in the staff member's words -----------------------------------------
def queue_result_replies(result: QueueResult) -> tuple[Outgoing, ...]:
    name = who(result.name)
    if result.status == "not_allowed":
        key = "queue.not_allowed"
    elif result.status != "done":
        key = "handoffs.gone" if result.action == "handoff" else "decisions.gone"
    elif result.action == "handoff":
        key = "handoffs.closed"
    else:
        key = "decisions.approved_done" if result.approved else "decisions.declined_done"
    return (Reply(parts=(Msg(key, {"name": name}),)),)


FEATURE = Feature(
    "staff_queue",
    flows=FLOWS,
    results={QueueResult: lambda result, lang: queue_result_replies(result)},
    facts=("staff_queue",),
    storage="staff_queue",
)
