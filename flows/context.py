"""Read-only facts a step may consult: the program configuration, what the shell knows about the
person, and the lexicon (every language's rendering of a message, for matching typed replies)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Protocol

from flows.messages import TimeSpan
from flows.program import Program

if TYPE_CHECKING:
    from flows.occupations import OccupationIndex


class Lexicon(Protocol):
    def texts(self, key: str) -> tuple[str, ...]:
        """The message `key` rendered in every language (without parameters)."""
        ...


@dataclass(frozen=True)
class PersonFacts:
    channel: str = "console"
    profile_name: str | None = None
    phone: str | None = None
    opted_out: bool = False
    outcome: str | None = None  # latest pre-screen outcome, if any
    center: str | None = None
    can_share_contact: bool = False
    track: str | None = None  # employees | self_employed | all; None: not asked yet
    role: str = "participant"  # or a staff role: manager | router | promoter
    staff_center: str | None = None  # the center a staff member works at


@dataclass(frozen=True)
class SessionInfo:
    starts_at: datetime
    ends_at: datetime | None = None
    place: str = ""

    @property
    def span(self) -> TimeSpan:
        return TimeSpan(self.starts_at, self.ends_at)


@dataclass(frozen=True)
class EventOffer:
    """An upcoming event the person may sign up for (filled in by the events feature)."""

    ref: str
    title: str  # in the person's language (titles are data, not catalog keys)
    starts_at: datetime
    place: str = ""
    center: str | None = None
    kind: str = ""
    sessions: tuple[SessionInfo, ...] = ()
    seats_left: int | None = None  # None: no limit
    signup_required: bool = True
    track: str = "all"  # employees | self_employed | all
    my_status: str | None = None  # the person's sign-up: confirmed | waitlisted | offered
    my_position: int | None = None  # on the waitlist, 1 = next
    # for staff: the limit, the seats held (confirmed + offered) and the waitlist's length
    capacity: int | None = None
    taken: int = 0
    waiting: int = 0
    revised_at: datetime | None = None  # the event's last change: its calendar file's version

    @property
    def all_sessions(self) -> tuple[SessionInfo, ...]:
        """Its sessions; an event stored without any is one session at its start."""
        return self.sessions or (SessionInfo(self.starts_at, None, self.place),)

    @property
    def span(self) -> TimeSpan:
        """When it is, as shown beside its title: its first session, from its start to its end."""
        return self.all_sessions[0].span


@dataclass(frozen=True)
class MeetingFacts:
    """An upcoming personal meeting of the person."""

    ref: str
    starts_at: datetime
    place: str = ""
    promoter: str = ""
    kind: str = "personal"
    status: str = "scheduled"


@dataclass(frozen=True)
class Bookings:
    """What the person may book and has booked: read from the database only for a step that looks."""

    exposure: tuple[EventOffer, ...] = ()  # the next exposure conferences of every center
    events: tuple[EventOffer, ...] = ()  # upcoming events of the person's center, and their sign-ups
    meetings: tuple[MeetingFacts, ...] = ()
    staff_events: tuple[EventOffer, ...] = ()  # staff: upcoming events of the center they work at


@dataclass(frozen=True)
class HandoffFacts:
    """An open "talk to a person" request, as staff see it (staff-facing: the phone is shown)."""

    ref: str  # "h12"
    name: str  # the person's display name ("" when they never gave one)
    asked_at: datetime
    phone: str | None = None
    channel: str | None = None  # where they last wrote: telegram | whatsapp | console
    center: str | None = None  # None: the person has no center yet (asked before the pre-screen's end)
    flow: str | None = None  # where they were when they asked
    question: str | None = None


@dataclass(frozen=True)
class DecisionFacts:
    """A borderline pre-screen waiting for the center manager."""

    ref: str  # "d7"
    name: str
    created_at: datetime
    reasons: tuple[str, ...] = ()
    due_by: date | None = None
    phone: str | None = None
    center: str | None = None
    # what the person answered, behind the reasons: age, city, out_of_work (a bucket), job_share,
    # experience, willing, able (flows.staff_queue.reason_answer words them)
    answers: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class StaffQueue:
    """What waits for the staff of one center: read only for staff, only for a step that looks."""

    handoffs: tuple[HandoffFacts, ...] = ()
    decisions: tuple[DecisionFacts, ...] = ()


@dataclass(frozen=True)
class HomeworkFacts:
    """An open task between meetings of the person (flows/homework/), read when a step looks."""

    ref: str  # "hw12"
    kind: str  # a `flows.homework.TASKS` kind, or "free"
    due: date
    count: int | None = None  # the target ("5 relevant jobs")
    text: str | None = None  # free text
    progress: int | None = None  # how many so far, as last reported
    overdue: bool = False
    waiting: bool = True  # for the participant's word (False: they asked for help, the promoter has it)


@dataclass(frozen=True)
class StaffMeetingFacts:
    """A personal meeting of the staff member's center that has begun lately (its attendance to
    mark, or to correct), as staff see it: flows/homework/next_task.py, read when a step looks."""

    ref: str  # "m12"
    name: str  # the participant's display name ("" when they never gave one)
    starts_at: datetime
    status: str  # scheduled | confirmed | reschedule_requested | attended | no_show | late_not_admitted
    promoter: str = ""


@dataclass(frozen=True)
class SurveyFacts:
    """What the employment-status survey (flows/survey) reads when a step looks: the occupation
    search, and the job on record from the person's last survey (for "same job as last time?")."""

    occupations: OccupationIndex | None = None
    last_job: str | None = None  # the occupation as they gave it last time (a title or their words)
    last_job_code: str | None = None
    last_job_text: str | None = None  # their own words for it then (what staff classify)


class FactsNotLoaded(LookupError):
    """A step looked at facts the shell had not loaded (`fact`: "bookings", or for staff
    "staff_queue"). Steps are pure, so the shell loads them (its loader for that fact,
    `bot/registry.py`) and runs the same step again; most steps (a pre-screen answer) never look,
    and skip the reads."""

    def __init__(self, fact: str) -> None:
        super().__init__(fact)
        self.fact = fact


@dataclass(frozen=True)
class Context:
    program: Program
    lexicon: Lexicon
    person: PersonFacts = field(default_factory=PersonFacts)
    bookings: Bookings | None = field(default_factory=Bookings)  # None: not loaded (FactsNotLoaded)
    staff_queue: StaffQueue | None = field(default_factory=StaffQueue)  # None: not loaded (as bookings)
    # None: not loaded (the "homework" fact); the shell passes None and loads it when a step looks
    homework_tasks: tuple[HomeworkFacts, ...] | None = ()
    # None: not loaded (the "staff_meetings" fact: staff only, loaded when a step looks)
    staff_meeting_list: tuple[StaffMeetingFacts, ...] | None = ()
    # None: not loaded (the "survey" fact); the shell passes None and loads it when a step looks
    survey: SurveyFacts | None = field(default_factory=SurveyFacts)

    def _bookings(self) -> Bookings:
        if self.bookings is None:
            raise FactsNotLoaded("bookings")
        return self.bookings

    @property
    def exposure_events(self) -> tuple[EventOffer, ...]:
        return self._bookings().exposure

    @property
    def events(self) -> tuple[EventOffer, ...]:
        return self._bookings().events

    @property
    def meetings(self) -> tuple[MeetingFacts, ...]:
        return self._bookings().meetings

    @property
    def staff_events(self) -> tuple[EventOffer, ...]:
        return self._bookings().staff_events

    @property
    def handoffs(self) -> tuple[HandoffFacts, ...]:
        if self.staff_queue is None:
            raise FactsNotLoaded("staff_queue")
        return self.staff_queue.handoffs

    @property
    def decisions(self) -> tuple[DecisionFacts, ...]:
        if self.staff_queue is None:
            raise FactsNotLoaded("staff_queue")
        return self.staff_queue.decisions

    @property
    def homework(self) -> tuple[HomeworkFacts, ...]:
        if self.homework_tasks is None:
            raise FactsNotLoaded("homework")
        return self.homework_tasks

    @property
    def staff_meetings(self) -> tuple[StaffMeetingFacts, ...]:
        if self.staff_meeting_list is None:
            raise FactsNotLoaded("staff_meetings")
        return self.staff_meeting_list

    @property
    def survey_facts(self) -> SurveyFacts:
        if self.survey is None:
            raise FactsNotLoaded("survey")
        return self.survey

    @property
    def manages_events(self) -> bool:
        """Staff whose role may add, edit and cancel their center's events (program configuration)."""
        return self.program.may_manage_events(self.person.role, self.person.staff_center)

    @property
    def handles_handoffs(self) -> bool:
        """Staff whose role sees and closes their center's "talk to a person" requests."""
        return self.program.may_handle_handoffs(self.person.role, self.person.staff_center)

    @property
    def decides_cases(self) -> bool:
        """Staff whose role decides their center's borderline pre-screens in the chat."""
        return self.program.may_decide(self.person.role, self.person.staff_center)

    @property
    def runs_meetings(self) -> bool:
        """Staff whose role marks their center's meetings attended and gives the next task."""
        return self.program.may_run_meetings(self.person.role, self.person.staff_center)

    @property
    def on_staff(self) -> bool:
        """Staff with something to do in the staff menu (/staff); for anyone else it does not exist."""
        return self.manages_events or self.handles_handoffs or self.decides_cases or self.runs_meetings


def phone_needed(ctx: Context) -> bool:
    """Staff answer a "talk to a person" request by calling: without a number on file (WhatsApp has
    one), it is asked for first (flows/handoff/)."""
    return not ctx.person.phone
