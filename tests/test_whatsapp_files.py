"""The calendar file on WhatsApp, end to end: Twilio sends media only from a public URL, so a sign-up's
`.ics` goes as `MediaUrl` (a link under PUBLIC_BASE_URL that `midway serve` answers) with the caption as
the body. The link gives the same file back until the event ends; a tampered, unknown or expired link is
a plain 404. Without PUBLIC_BASE_URL the caption goes alone, as before."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from icalendar import Calendar
from twilio.request_validator import RequestValidator

from bot.bootstrap import App
from bot.channels.whatsapp import WhatsApp
from bot.file_links import MAX_LIFETIME, MIN_LIFETIME, expires_at
from bot.outbound import Proactive, Recipient, SendStatus
from flows import Document, Msg, Reply
from tests.conftest import FakeClock
from tests.events_kit import at, event
from tests.fake_twilio import AUTH_TOKEN, Call, FakeTwilio
from tests.test_events_whatsapp import RONIT, whatsapp_participant
from tests.test_whatsapp_e2e import app as app  # noqa: F401 (fixtures)
from tests.test_whatsapp_e2e import fake as fake  # noqa: F401
from tests.test_whatsapp_e2e import templates as templates  # noqa: F401
from tests.test_whatsapp_e2e import wa as wa  # noqa: F401
from tests.whatsapp_kit import PUBLIC, WhatsAppHarness, visible

ICS = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"


def sign_up_on_whatsapp(app: App, wa: WhatsAppHarness) -> Call:  # noqa: F811
    """Ronit signs up for the opening workshop (13 December, 09:00-11:00) by typing the options;
    the message that carries the calendar file."""
    whatsapp_participant(app, wa)
    event(app, at(2026, 12, 13, 9), title="סדנת פתיחה", capacity=12)
    ronit = wa.person(RONIT)
    for answer in ("תפריט", "אירועים וסדנאות", "סדנת פתיחה", "כן, לרשום אותי"):
        ronit.send(answer)
    assert "נרשמתם לסדנת פתיחה" in ronit.text()
    (with_file,) = [c for c in ronit.last if c.media_url]
    return with_file


def fetch(wa: WhatsAppHarness, url: str, method: str = "GET") -> Any:  # noqa: F811
    assert url.startswith(PUBLIC + "/files/"), url
    return wa.client.request(method, url.removeprefix(PUBLIC))


def tampered(url: str) -> str:
    head, token, filename = url.rsplit("/", 2)
    changed = ("A" if token[5] != "A" else "B").join((token[:5], token[6:]))
    return f"{head}/{changed}/{filename}"


def test_a_sign_up_sends_the_calendar_file_by_link_and_the_link_gives_the_same_ics(
    app: App,  # noqa: F811
    wa: WhatsAppHarness,  # noqa: F811
) -> None:
    with_file = sign_up_on_whatsapp(app, wa)
    assert visible(with_file.body or "") == "סדנת פתיחה – קובץ ליומן"  # the caption goes as the body
    assert with_file.media_url is not None and with_file.media_url.endswith("/midway-e1.ics")

    response = fetch(wa, with_file.media_url)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert 'filename="midway-e1.ics"' in response.headers["content-disposition"]
    (entry,) = Calendar.from_ical(response.content).walk("VEVENT")
    assert str(entry["SUMMARY"]) == "סדנת פתיחה"
    assert entry.decoded("DTSTART") == at(2026, 12, 13, 9)
    assert entry.decoded("DTEND") == at(2026, 12, 13, 11)
    again = fetch(wa, with_file.media_url)
    assert again.content == response.content  # Twilio may fetch twice (HEAD, then GET; or a retry)
    head = fetch(wa, with_file.media_url, "HEAD")
    assert head.status_code == 200 and head.headers["content-type"] == "text/calendar; charset=utf-8"


def test_a_tampered_or_unknown_link_is_a_plain_404(
    app: App,  # noqa: F811
    wa: WhatsAppHarness,  # noqa: F811
) -> None:
    url = sign_up_on_whatsapp(app, wa).media_url
    assert url is not None
    head, token, _ = url.rsplit("/", 2)
    unknown_route = wa.client.get("/no/such/page")
    for wrong in (
        tampered(url),  # one character of the token changed
        f"{head}/{token}/midway-e2.ics",  # the right token with another file's name
        f"{head}/{token[:-1]}/midway-e1.ics",  # not even the token's shape
        f"{PUBLIC}/files/{'A' * 43}/midway-e1.ics",
    ):
        response = fetch(wa, wrong)
        assert response.status_code == 404, wrong
        assert response.text == unknown_route.text == "Not Found"  # the same as for any missing page
        assert "content-disposition" not in response.headers
    assert fetch(wa, url).status_code == 200  # the real one still works


def test_the_link_expires_when_the_event_ends(
    app: App,  # noqa: F811
    wa: WhatsAppHarness,  # noqa: F811
    clock: FakeClock,
) -> None:
    url = sign_up_on_whatsapp(app, wa).media_url
    assert url is not None
    clock.now = at(2026, 12, 13, 10, 59)  # during the workshop
    assert fetch(wa, url).status_code == 200
    clock.now = at(2026, 12, 13, 11, 0)  # it has ended
    expired = fetch(wa, url)
    assert expired.status_code == 404 and expired.text == "Not Found"


def test_a_link_lives_at_least_a_day_and_at_most_thirty_days(clock: FakeClock) -> None:
    now = clock.now
    soon = Document("a.ics", ICS, "text/calendar", useful_until=now + timedelta(minutes=5))
    far = Document("b.ics", ICS, "text/calendar", useful_until=now + timedelta(days=90))
    undated = Document("c.ics", ICS, "text/calendar")
    assert expires_at(soon, now) == now + MIN_LIFETIME  # Twilio fetches it after sending
    assert expires_at(far, now) == now + MAX_LIFETIME
    assert expires_at(undated, now) == now + MAX_LIFETIME


def calendar_notice(app: App, person_id: int) -> Proactive:
    document = Document(
        "midway-e7.ics",
        ICS,
        "text/calendar",
        caption=Msg("events.ics_caption", {"title": "כנס חשיפה"}),
        useful_until=at(2026, 11, 30, 12),
    )
    return Proactive(person_id, "notice", "he", (Reply((Msg("events.ics_hint"),)), document))


def test_a_proactive_message_with_a_file_sends_it_by_link_too(
    app: App,  # noqa: F811
    wa: WhatsAppHarness,  # noqa: F811
    fake: FakeTwilio,  # noqa: F811
) -> None:
    ronit = whatsapp_participant(app, wa)  # she wrote just now: inside the 24-hour window
    recipient = Recipient(ronit, "whatsapp", RONIT, None)
    result = wa.whatsapp.sender.send(recipient, calendar_notice(app, ronit), app.clock())
    assert result.status is SendStatus.SENT
    hint, with_file = fake.sent_to(RONIT)[-2:]
    assert hint.media_url is None and "קובץ ליומן" in visible(with_file.text)
    assert with_file.media_url is not None
    response = fetch(wa, with_file.media_url)
    assert response.status_code == 200 and response.content == ICS


def test_without_public_base_url_only_the_caption_goes(
    app: App,  # noqa: F811
    wa: WhatsAppHarness,  # noqa: F811
    fake: FakeTwilio,  # noqa: F811
) -> None:
    ronit = whatsapp_participant(app, wa)
    base = wa.whatsapp
    no_links = WhatsApp(app, base.messages, base.templates, RequestValidator(AUTH_TOKEN), public_base_url="")
    before = len(fake.sent_to(RONIT))
    result = no_links.sender.send(
        Recipient(ronit, "whatsapp", RONIT, None), calendar_notice(app, ronit), app.clock()
    )
    assert result.status is SendStatus.SENT
    sent = fake.sent_to(RONIT)[before:]
    assert [c.media_url for c in sent] == [None, None]
    assert visible(sent[-1].text) == "כנס חשיפה – קובץ ליומן"
