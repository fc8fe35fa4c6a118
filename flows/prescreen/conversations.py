"""The eligibility pre-screen (שיחת ניתוב), as it reads in a conversation.

Privacy notice and consent → name → age → city (→ center) → willing to come → time out of work →
job scope sought → years of experience → able to work → special groups (optional) → how they heard
of us → a summary of the answers ("correct" / "change something": pick one, answer it again, back to
the summary) → phone (only if staff will need to call) → one of three outcomes.

An age far outside the range (`early_end_age_years`) ends it once the place is known: the reason,
that center's services and the offer of a review by its manager, without the other questions.
"""

from __future__ import annotations

from typing import Any

from flows.declare import Ask, Done, Flow, Invalid, Option, View, yes_no
from flows.effects import RecordOutcome, UpdateProfile
from flows.eligibility import (
    ELIGIBLE,
    MANAGER,
    NOT_ELIGIBLE,
    OUT_OF_WORK_BUCKETS,
    SPECIAL_GROUPS,
    Verdict,
    bucket_for_days,
    evaluate,
)
from flows.feature import Feature, MenuEntry
from flows.messages import Msg, MsgList
from flows.parsing.durations import YEAR, parse_duration_days
from flows.parsing.normalize import has_letters_or_digits
from flows.parsing.numbers import find_numbers, first_number
from flows.parsing.phones import to_e164
from flows.parsing.places import match_center
from flows.program import Center, Eligibility
from flows.workdays import add_working_days

OTHER = "other"
JOB_SHARES = (
    ("1.0", "full"),
    ("0.75", "three_quarters"),
    ("0.5", "half"),
    ("0.33", "third"),
    ("0.25", "quarter"),
    ("0.1", "less"),
)
SOURCES = ("employment_service", "friend", "municipal_center", "social_networks", "municipal_ads", "other")


# ---- parsers ---------------------------------------------------------------------------------
AGES = (16, 110)  # a typed number outside these is not taken as an age, nor a year of birth that gives one
MAX_EXPERIENCE_YEARS = 70


def not_a_question(text: str) -> None:
    """A free answer that ends in a question mark asks something: "מה?" is not a name, nor a city."""
    if text.rstrip().endswith(("?", "؟")):
        raise Invalid("common.looks_like_question")


def parse_name(text: str, view: View) -> str:
    not_a_question(text)
    name = " ".join(text.split())
    if not 2 <= len(name) <= 60 or not any(ch.isalpha() for ch in name):
        raise Invalid("prescreen.invalid_name")
    return name


def shown(number: float) -> int | float:
    """A typed number as it is said back: 150, not 150.0."""
    return int(number) if number == int(number) else number


def parse_age(text: str, view: View) -> dict[str, int]:
    number = first_number(text)
    if number is None:
        raise Invalid("prescreen.invalid_age")
    value = int(number)
    this_year = view.now.year
    youngest, oldest = AGES
    if this_year - oldest <= value <= this_year - youngest:
        return {"age": this_year - value, "birth_year": value}
    if youngest <= value <= oldest:
        return {"age": value, "birth_year": this_year - value}
    if 1000 <= value <= this_year:  # a year of birth, but not a likely one (1900: 126 years old)
        raise Invalid("prescreen.birth_year_out_of_range", year=value, age=this_year - value)
    raise Invalid("prescreen.age_out_of_range", number=shown(number))


def parse_city(text: str, view: View) -> dict[str, Any]:
    not_a_question(text)
    if not any(ch.isalpha() for ch in text):
        raise Invalid("prescreen.invalid_city")
    cities = ((c.slug, c.cities + tuple(c.names.values())) for c in view.ctx.program.centers)
    return {"text": " ".join(text.split())[:80], "center": match_center(text, cities)}


def parse_out_of_work(text: str, view: View) -> str:
    days = parse_duration_days(text)
    if days is None:
        raise Invalid("prescreen.invalid_duration")
    return bucket_for_days(days).value


def parse_job_share(text: str, view: View) -> str:
    numbers = find_numbers(text)
    if not numbers:
        raise Invalid("prescreen.invalid_job_share")
    value = numbers[0] / 100 if numbers[0] > 1 else numbers[0]
    if not 0 < value <= 1:
        raise Invalid("prescreen.invalid_job_share")
    return min((v for v, _ in JOB_SHARES), key=lambda v: abs(float(v) - value))


def parse_years(text: str, view: View) -> int:
    days = parse_duration_days(text)
    number = days / YEAR if days is not None else first_number(text)
    if number is None:
        raise Invalid("prescreen.invalid_years")
    if not 0 <= number <= MAX_EXPERIENCE_YEARS:
        raise Invalid("prescreen.years_out_of_range", number=shown(number))
    return int(round(number))


def parse_phone(text: str, view: View) -> str:
    phone = to_e164(text)
    if phone is None:
        raise Invalid("prescreen.invalid_phone")
    return phone


NO_PHONE = "skip"  # the `phone` answer of someone who goes on without giving one


def ask_phone(prompt: str, skip_label: str, skip_words: str, **ask: Any) -> Ask:
    """The `phone` step: the contact button or a typed number (in any of the ways people write it),
    or the button that goes on without one (the answer NO_PHONE)."""
    return Ask(
        "phone",
        prompt=prompt,
        options=(Option(NO_PHONE, skip_label, synonyms=skip_words),),
        parse=parse_phone,
        invalid="prescreen.invalid_phone",
        contact=True,
        **ask,
    )


# ---- what the answers mean -------------------------------------------------------------------
def facts(view: View) -> dict[str, Any]:
    """The answers in the shape the eligibility rules and the profile use."""
    a = view.answers
    city = a.get("city") or {}
    center = city.get("center") or a.get("center")
    name = a.get("name")
    if name == "profile":
        name = view.ctx.person.profile_name
    share = a.get("job_share")
    return {
        "name": name,
        "age": a.get("age", {}),
        "city": city.get("text"),
        "center": None if center == OTHER else center,
        "willing": a.get("willing"),
        "out_of_work": a.get("out_of_work"),
        "job_share": float(share) if share is not None else None,
        "experience": a.get("experience"),
        "able": a.get("able"),
        "groups": a.get("groups") or [],
        "source": a.get("source"),
        "phone": a.get("phone") if a.get("phone") not in (None, "skip") else None,
    }


def rules_for(view: View) -> Eligibility:
    center = view.ctx.program.center(facts(view)["center"])
    return center.eligibility if center else view.ctx.program.eligibility


def verdict(view: View) -> Verdict:
    return evaluate(facts(view), rules_for(view))


def declined(view: View) -> bool:
    return view.answers.get("consent") == "no"


def far_out(view: View) -> bool:
    """An age so far outside the center's range (`early_end_age_years`) that no other answer could
    change the outcome: the pre-screen ends once the place is known (the reason comes with that
    center's services, and a review goes to its manager)."""
    age = (view.answers.get("age") or {}).get("age")
    if age is None or declined(view):
        return False
    rules = rules_for(view)
    return not rules.min_age - rules.early_end_age_years <= age <= rules.max_age + rules.early_end_age_years


def ended(view: View) -> bool:
    """No more questions: they said no to starting, or the answers so far already rule them out."""
    return declined(view) or far_out(view)


def center_name(view: View) -> str:
    center = view.ctx.program.center(facts(view)["center"])
    return center.name(view.lang) if center else ""


# ---- the questions ---------------------------------------------------------------------------
def consent_prompt(view: View) -> tuple[Msg, ...]:
    return (Msg("prescreen.intro"), Msg("prescreen.privacy_notice"), Msg("prescreen.ask_consent"))


def name_options(view: View) -> tuple[Option, ...]:
    profile = view.ctx.person.profile_name
    if profile and has_letters_or_digits(profile):
        return (Option("profile", "common.raw", {"text": profile[:60]}),)
    return ()


def center_options(view: View) -> tuple[Option, ...]:
    centers = tuple(
        Option(c.slug, "common.raw", {"text": c.name(view.lang)}) for c in view.ctx.program.centers
    )
    return (*centers, Option(OTHER, "prescreen.center_other"))


def willing_prompt(view: View) -> Msg:
    return Msg("prescreen.ask_willing", {"center": center_name(view)})


def city_known(view: View) -> bool:
    return bool((view.answers.get("city") or {}).get("center"))


def phone_needed(view: View) -> bool:
    return not view.ctx.person.phone and verdict(view).outcome != NOT_ELIGIBLE


# ---- the summary before the outcome ----------------------------------------------------------
SUMMARISED = (
    "name",
    "age",
    "city",
    "center",
    "willing",
    "out_of_work",
    "job_share",
    "experience",
    "able",
    "groups",
    "source",
)


def answer_value(view: View, key: str) -> Any:
    """An answer as the summary shows it: the option's label, or what was typed."""
    value = view.answers[key]
    if key == "age":
        return value["age"]
    if key == "city":
        return value["text"]
    question = PRESCREEN.question(key)
    assert question is not None
    options = question.options(view) if callable(question.options) else question.options
    labels = {o.value: Msg(o.label, dict(o.params)) for o in options}
    if question.multi:  # "a, b, c", with each language's comma
        shown_labels = [labels[v] for v in (value or ["none"]) if v in labels]
        joined = shown_labels[0]
        for label in shown_labels[1:]:
            joined = Msg("prescreen.summary_join", {"first": joined, "next": label})
        return joined
    return labels.get(value, value)


def answered(view: View) -> tuple[str, ...]:
    return tuple(k for k in SUMMARISED if k in view.answers)


def summary_prompt(view: View) -> tuple[Msg, ...]:
    lines = tuple(
        Msg("prescreen.summary_line", {"field": Msg(f"prescreen.field.{k}"), "value": answer_value(view, k)})
        for k in answered(view)
    )
    return (
        Msg("prescreen.summary_intro"),
        Msg("common.list", {"items": MsgList(lines)}),
        Msg("prescreen.summary_ask"),
    )


def fix_options(view: View) -> tuple[Option, ...]:
    # The city stands for the place: changing it asks the center and "can you come" again (`depends`),
    # and keeps the list within the ten rows of a WhatsApp list, "back" included.
    return tuple(Option(k, f"prescreen.field.{k}") for k in answered(view) if k not in ("center", "willing"))


ASK_CONSENT = Ask(
    "consent",
    prompt=consent_prompt,
    options=(
        Option("yes", "prescreen.consent_yes", synonyms="synonyms.yes"),
        Option("no", "prescreen.consent_no", synonyms="synonyms.no"),
        Option("g:language", "common.language_button"),
    ),
)

STEPS = (
    ASK_CONSENT,
    Ask(
        "name",
        prompt="prescreen.ask_name",
        options=name_options,
        parse=parse_name,
        suggestions=True,
        invalid="prescreen.invalid_name",
        skip=declined,
        max_length=80,
    ),
    Ask("age", prompt="prescreen.ask_age", parse=parse_age, invalid="prescreen.invalid_age", skip=declined),
    Ask(
        "city", prompt="prescreen.ask_city", parse=parse_city, invalid="prescreen.invalid_city", skip=declined
    ),
    Ask(
        "center",
        prompt="prescreen.ask_center",
        options=center_options,
        skip=lambda v: declined(v) or city_known(v),
    ),
    Ask(
        "willing",
        prompt=willing_prompt,
        options=yes_no(),
        skip=lambda v: ended(v) or facts(v)["center"] is None,
    ),
    Ask(
        "out_of_work",
        prompt="prescreen.ask_out_of_work",
        options=tuple(Option(b.value, b.label) for b in OUT_OF_WORK_BUCKETS),
        parse=parse_out_of_work,
        invalid="prescreen.invalid_duration",
        skip=ended,
    ),
    Ask(
        "job_share",
        prompt="prescreen.ask_job_share",
        options=tuple(
            Option(v, f"prescreen.share.{k}", synonyms=f"synonyms.share.{k}") for v, k in JOB_SHARES
        ),
        parse=parse_job_share,
        invalid="prescreen.invalid_job_share",
        skip=ended,
    ),
    Ask(
        "experience",
        prompt="prescreen.ask_experience",
        parse=parse_years,
        invalid="prescreen.invalid_years",
        skip=ended,
    ),
    Ask("able", prompt="prescreen.ask_able", options=yes_no(), skip=ended),
    Ask(
        "groups",
        prompt="prescreen.ask_groups",
        multi=True,
        options=(
            *(Option(g, f"prescreen.group.{g}", synonyms=f"synonyms.group.{g}") for g in SPECIAL_GROUPS),
            Option("none", "prescreen.group.none", synonyms="synonyms.group.none"),
        ),
        skip=ended,
    ),
    Ask(
        "source",
        prompt="prescreen.ask_source",
        options=tuple(Option(s, f"prescreen.source.{s}", synonyms=f"synonyms.source.{s}") for s in SOURCES),
        skip=ended,
    ),
    # before the outcome, what we understood, to correct a slip of the finger
    Ask(
        "summary",
        prompt=summary_prompt,
        options=(
            Option("correct", "prescreen.summary_correct", synonyms="synonyms.yes"),
            Option("change", "prescreen.summary_change"),
        ),
        skip=ended,
    ),
    Ask(
        "fix",
        prompt="prescreen.fix_ask",
        options=fix_options,
        goto="summary",
        skip=lambda v: ended(v) or v.answers.get("summary") != "change",
    ),
    ask_phone(
        "prescreen.ask_phone",
        "prescreen.phone_skip",
        "synonyms.skip",
        skip=lambda v: ended(v) or not phone_needed(v),
    ),
)


# ---- the outcome -----------------------------------------------------------------------------
def plain_reason(reason: str, rules: Eligibility) -> Msg:
    """Why the program does not fit, in plain words, with the center's thresholds."""
    params = {
        "min_age": rules.min_age,
        "max_age": rules.max_age,
        "days": rules.min_out_of_work_days,
        "years": rules.max_out_of_work_years,
        "percent": int(round(rules.min_job_share * 100)),
        "experience": rules.min_experience_years,
    }
    return Msg(f"reason.{reason}", params)


def reason_msg(reason: str, view: View) -> Msg:
    center = view.ctx.program.center(facts(view)["center"])
    return plain_reason(reason, center.eligibility if center else view.ctx.program.eligibility)


def center_services(center: Center, lang: str) -> tuple[Msg, ...]:
    """The center's list of other community services, with an introduction."""
    lines = tuple(
        Msg("common.service_line", {"name": s.names.get(lang) or s.names.get("he", ""), "phone": s.phone})
        for s in center.services
    )
    intro = Msg("prescreen.services_intro", {"center": center.name(lang)})
    return (intro, Msg("common.list", {"items": MsgList(lines)}))


def services_msgs(view: View) -> tuple[Msg, ...]:
    center = view.ctx.program.center(facts(view)["center"]) or view.ctx.program.centers[0]
    return center_services(center, view.lang)


def finish(view: View) -> Done:
    if declined(view):
        return Done(replies=(Msg("prescreen.declined"),), then="idle")
    f = facts(view)
    v = verdict(view)
    due = add_working_days(view.now.date(), view.ctx.program.manager_reply_working_days)
    profile = UpdateProfile(
        {
            "display_name": f["name"],
            "birth_year": f["age"].get("birth_year"),
            "city": f["city"],
            "center": f["center"],
            "out_of_work": f["out_of_work"],
            "job_share": f["job_share"],
            "experience_years": f["experience"],
            "able_to_work": f["able"] == "yes",
            "willing_to_attend": f["willing"] == "yes",
            "recruitment_source": f["source"],
            "phone": f["phone"],
        }
    )
    outcome = RecordOutcome(
        outcome=v.outcome,
        center=f["center"],
        reasons=v.reasons,
        referral_suggested=v.referral_suggested,
        decision_due=due if v.outcome == MANAGER else None,
    )
    greeting = {"name": f["name"] or ""}
    if v.outcome == ELIGIBLE and any(
        e.center == f["center"] and e.starts_at > view.now for e in view.ctx.exposure_events
    ):
        # the next exposure conferences of the center, as buttons (flows/events/ CONFERENCE)
        eligible = Msg("prescreen.eligible", {**greeting, "center": center_name(view)})
        return Done(
            replies=(eligible,),
            effects=(profile, outcome),
            then="start:conference",
            carry={"center": f["center"]},
        )
    if v.outcome == ELIGIBLE:
        replies: tuple[Msg, ...] = (
            Msg("prescreen.eligible", {**greeting, "center": center_name(view)}),
            Msg("prescreen.eligible_next"),
            Msg("common.menu_hint"),
        )
        return Done(replies=replies, effects=(profile, outcome), then="idle")
    if v.outcome == MANAGER:
        replies = (Msg("prescreen.manager", {**greeting, "date": due}), Msg("common.menu_hint"))
        return Done(replies=replies, effects=(profile, outcome), then="idle")
    reasons = MsgList(tuple(reason_msg(r, view) for r in v.failed))
    early = (Msg("prescreen.ended_early"),) if far_out(view) else ()
    replies = (
        Msg("prescreen.not_eligible", greeting),
        Msg("common.list", {"items": reasons}),
        *early,
        *services_msgs(view),
    )
    carry = {"reasons": list(v.failed), "center": f["center"]}
    return Done(replies=replies, effects=(profile, outcome), then="start:appeal", carry=carry)


PRESCREEN = Flow(
    "prescreen",
    steps=STEPS,
    finish=finish,
    record=True,
    depends={"city": ("center", "willing"), "center": ("willing",)},
)


# ---- asking the manager to reconsider --------------------------------------------------------
def appeal_finish(view: View) -> Done:
    if view.answers.get("review") != "yes":
        return Done(replies=(Msg("appeal.no_thanks"), Msg("common.menu_hint")), then="idle")
    due = add_working_days(view.now.date(), view.ctx.program.manager_reply_working_days)
    record = RecordOutcome(
        outcome=MANAGER,
        center=view.answers.get("center"),
        reasons=("special_circumstances", *view.answers.get("reasons", ())),
        decision_due=due,
    )
    return Done(replies=(Msg("appeal.sent", {"date": due}),), effects=(record,), then="idle")


APPEAL = Flow(
    "appeal",
    steps=(
        Ask(
            "review",
            prompt="appeal.ask",
            options=yes_no("appeal.yes", "appeal.no"),
        ),
    ),
    finish=appeal_finish,
)


FEATURE = Feature(
    "prescreen",
    flows=(PRESCREEN, APPEAL),
    roles={"newcomer": PRESCREEN.name},
    storage="repo",
    menu=(
        MenuEntry(
            "prescreen",
            "menu.prescreen",
            lambda v: v.ctx.person.outcome in (None, "not_eligible"),
            order=30,
            then="start:prescreen",
        ),
    ),
)
