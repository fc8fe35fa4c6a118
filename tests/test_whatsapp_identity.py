"""One person, two channels: a phone shared on Telegram and the same number on WhatsApp are one
person, with one conversation and one set of answers. On SQLite and PostgreSQL (`db_url`).

The Telegram side goes through the dispatcher as the Telegram channel calls it (its own tests cover
the wire); the WhatsApp side through signed webhooks and the fake Twilio REST server.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.bootstrap import App
from bot.dispatcher import Inbound
from flows import Contact, Pressed, Text
from storage.models import (
    Answer,
    ChannelIdentity,
    Conversation,
    InboundMessage,
    OutboundMessage,
    ParticipantProfile,
    Person,
    PrescreenOutcome,
)
from tests.conftest import FakeClock
from tests.kit.prescreen import QUESTIONS
from tests.kit.whatsapp import WhatsAppHarness

pytestmark = pytest.mark.app(db="both", whatsapp=True)

PHONE = "+972501234567"
TG_USER = "1001"


class Telegram:
    """A Telegram person as the dispatcher sees them."""

    def __init__(self, app: App, clock: FakeClock, user: str = TG_USER) -> None:
        self.app, self.clock, self.user, self.n = app, clock, user, 0

    def feed(self, inp: object) -> str:
        self.n += 1
        self.clock.advance(seconds=30)
        delivery = self.app.dispatcher.handle(
            Inbound(
                "telegram",
                self.user,
                inp,
                message_id=f"tg{self.user}-{self.n}",  # type: ignore[arg-type]
                profile_name="רונית כהן",
                language_hint="he",
            )
        )
        assert delivery is not None
        translator = self.app.catalogs.translator(delivery.lang)
        return "\n".join(translator.text(r) for r in delivery.replies if hasattr(r, "parts"))

    def send(self, text: str) -> str:
        return self.feed(Text(text))

    def press(self, payload: str) -> str:
        return self.feed(Pressed(payload))

    def share_contact(self, phone: str) -> str:
        return self.feed(Contact(phone, own=True))


def people(app: App) -> list[Person]:
    with app.db.transaction() as s:
        return list(s.scalars(select(Person).order_by(Person.id)))


def identities(app: App, person_id: int) -> set[tuple[str, str]]:
    with app.db.transaction() as s:
        return {
            (i.channel, i.external_id)
            for i in s.scalars(select(ChannelIdentity).where(ChannelIdentity.person_id == person_id))
        }


def questions(app: App, person_id: int) -> list[str]:
    with app.db.transaction() as s:
        return list(
            s.scalars(select(Answer.question).where(Answer.person_id == person_id).order_by(Answer.id))
        )


def test_a_number_shared_on_telegram_is_found_on_first_whatsapp_contact_and_the_conversation_goes_on(
    app: App, wa: WhatsAppHarness, clock: FakeClock
) -> None:
    telegram = Telegram(app, clock)
    telegram.send("שלום")
    assert "איך לפנות אליכם" in telegram.send("כן, נתחיל")
    assert "מה הגיל שלכם" in telegram.send("רונית")
    telegram.share_contact("972501234567")  # the contact button, in the middle of a question

    ronit = wa.person(PHONE, "Ronit")
    clock.advance(minutes=5)
    ronit.send("1968")  # on WhatsApp now: the age question she was asked on Telegram
    assert "באיזו עיר" in ronit.text()

    [person] = people(app)
    assert person.phone == PHONE
    assert identities(app, person.id) == {("telegram", TG_USER), ("whatsapp", PHONE)}
    assert questions(app, person.id) == ["consent", "name", "age"]
    assert "הפעילויות מתקיימות" in telegram.send("כפר סבא")  # and back on Telegram, the next question
    assert questions(app, person.id) == ["consent", "name", "age", "city"]


def test_sharing_on_telegram_the_number_of_someone_known_on_whatsapp_makes_them_one_person(
    app: App, wa: WhatsAppHarness, clock: FakeClock
) -> None:
    ronit = wa.person(PHONE, "Ronit")
    ronit.send("שלום").send("1").send("רונית").send("1968").send("כפר סבא").send("כן").send("3 חודשים")
    ronit.send("חצי").send("25").send("כן").send("אף אחד מאלה").send("חבר מביא חבר")
    ronit.send("כן")  # the summary is right
    assert "התוכנית מתאימה לכם" in ronit.text()
    [whatsapp_person] = people(app)
    sent_before = len(wa.fake.sent_to(PHONE))

    clock.advance(days=2)
    telegram = Telegram(app, clock)
    telegram.send("שלום")  # a new Telegram user: a second person, for now
    assert len(people(app)) == 2
    telegram_person = [p for p in people(app) if p.id != whatsapp_person.id][0]
    telegram.share_contact("+972 50-123-4567")

    [person] = people(app)
    assert person.id == telegram_person.id  # the person of the message in progress stays
    assert person.phone == PHONE and person.display_name == "רונית"
    assert identities(app, person.id) == {("telegram", TG_USER), ("whatsapp", PHONE)}
    assert questions(app, person.id) == [*QUESTIONS]
    with app.db.transaction() as s:
        [outcome] = s.scalars(select(PrescreenOutcome).where(PrescreenOutcome.person_id == person.id))
        assert outcome.outcome == "eligible"
        profile = s.get(ParticipantProfile, person.id)
        assert profile is not None and profile.birth_year == 1968 and profile.joined_at is not None
        assert {m.person_id for m in s.scalars(select(InboundMessage))} == {person.id}
        assert {m.person_id for m in s.scalars(select(OutboundMessage))} == {person.id}
        assert len(list(s.scalars(select(Conversation)))) == 1

    # one conversation: the one she was in last (on Telegram, the opening question) goes on on WhatsApp
    ronit.send("מה?")
    assert len(wa.fake.sent_to(PHONE)) > sent_before
    assert "נתחיל?" in ronit.text()
    assert "נתחיל?" in telegram.send("מה?")


def test_a_stop_on_either_channel_stands_after_the_merge(
    app: App, wa: WhatsAppHarness, clock: FakeClock
) -> None:
    ronit = wa.person(PHONE)
    ronit.send("שלום").send("הסר")
    telegram = Telegram(app, clock)
    telegram.send("שלום")
    telegram.share_contact(PHONE)
    [person] = people(app)
    assert person.opted_out and identities(app, person.id) == {("telegram", TG_USER), ("whatsapp", PHONE)}


def test_a_typed_number_never_joins_two_people_and_gives_way_to_the_one_whatsapp_vouches_for(
    app: App, wa: WhatsAppHarness, clock: FakeClock
) -> None:
    # someone types Ronit's number on Telegram (anyone can type anyone's number)
    other = Telegram(app, clock, user="2002")
    other.send("שלום")
    with app.db.transaction() as s:
        typed = s.scalar(select(Person))
        assert typed is not None
        typed.phone = PHONE  # as the pre-screen's typed phone answer stores it (not vouched for)
    ronit = wa.person(PHONE, "Ronit")
    ronit.send("שלום")
    assert "נתחיל?" in ronit.text()  # her own, new conversation

    impostor, real = people(app)
    assert identities(app, real.id) == {("whatsapp", PHONE)}
    assert (real.phone, real.phone_verified) == (PHONE, True)
    assert (impostor.phone, identities(app, impostor.id)) == (None, {("telegram", "2002")})
    assert questions(app, impostor.id) == []  # nothing of hers went to the other person

    # the impostor "sharing" a contact card that is not theirs changes nothing either
    other.feed(Contact(PHONE, own=False))
    assert len(people(app)) == 2 and identities(app, real.id) == {("whatsapp", PHONE)}
