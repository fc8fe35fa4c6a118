"""The calendar file on WhatsApp, end to end. Twilio's WhatsApp documents are PDF and Office files (no
`text/calendar`) and their caption is dropped, so a sign-up's `.ics` goes as plain text: the caption, a
line saying what the link is for, and a link under PUBLIC_BASE_URL (served by `midway serve`) on a line
of its own, without isolates, so WhatsApp keeps it tappable. The link gives the same file back until the
event ends; a tampered, unknown or expired link is a plain 404. Without PUBLIC_BASE_URL the caption goes
alone, as before."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from icalendar import Calendar
from twilio.request_validator import RequestValidator

from bot.bootstrap import App
from bot.channels.whatsapp.adapter import WhatsApp, render
from bot.channels.whatsapp.templates import Templates
from bot.file_links import MAX_LIFETIME, MIN_LIFETIME, expires_at
from bot.i18n import FSI, PDI, Catalogs
from bot.outbound import Proactive, Recipient, SendStatus
from flows import Document, Msg, Reply
from tests.conftest import FakeClock
from tests.events_kit import at, event
from tests.fake_twilio import AUTH_TOKEN, Call, FakeTwilio
from tests.kit.whatsapp import PUBLIC, WhatsAppHarness, visible, whatsapp_participant
from tests.test_events_whatsapp import RONIT

pytestmark = pytest.mark.app(whatsapp=True)

ICS = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"


LINK_LINE = "להוספה ליומן בטלפון, לחצו על הקישור:"


def sign_up_on_whatsapp(app: App, wa: WhatsAppHarness) -> Call:
    """Ronit signs up for the opening workshop (13 December, 09:00-11:00) by typing the options;
    the message that carries the calendar link."""
    whatsapp_participant(app, wa, RONIT)
    event(app, at(2026, 12, 13, 9), title="סדנת פתיחה", capacity=12)
    ronit = wa.person(RONIT)
    for answer in ("תפריט", "אירועים וסדנאות", "סדנת פתיחה", "כן, לרשום אותי"):
        ronit.send(answer)
    assert "נרשמתם לסדנת פתיחה" in ronit.text()
    assert all(c.media_url is None for c in ronit.last)  # no media: Twilio would refuse text/calendar
    (with_link,) = [c for c in ronit.last if PUBLIC + "/files/" in (c.body or "")]
    return with_link


def link_in(call: Call) -> str:
    """The link: the message's last line, as it is (no isolates, nothing around it)."""
    url = (call.body or "").splitlines()[-1]
    assert url.startswith(PUBLIC + "/files/") and " " not in url, call.body
    return url


def fetch(wa: WhatsAppHarness, url: str, method: str = "GET") -> Any:
    assert url.startswith(PUBLIC + "/files/"), url
    return wa.client.request(method, url.removeprefix(PUBLIC))


def tampered(url: str) -> str:
    head, token, filename = url.rsplit("/", 2)
    changed = ("A" if token[5] != "A" else "B").join((token[:5], token[6:]))
    return f"{head}/{changed}/{filename}"


def test_a_sign_up_sends_a_text_with_the_link_and_the_link_gives_the_ics(
    app: App,
    wa: WhatsAppHarness,
) -> None:
    with_link = sign_up_on_whatsapp(app, wa)
    url = link_in(with_link)
    assert url.endswith("/midway-e1.ics")
    assert visible(with_link.body or "").splitlines() == ["סדנת פתיחה – קובץ ליומן", LINK_LINE, url]
    assert FSI not in url and PDI not in url  # an isolate next to it would become part of the link
    sent = wa.fake.sent_to(RONIT)
    confirmation = sent[sent.index(with_link) - 1]  # the message just before the link
    assert "בהודעה הבאה אפשר להוסיף את המועדים ליומן" in confirmation.text  # no "we sent a file"
    assert confirmation.media_url is None

    response = fetch(wa, url)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert 'filename="midway-e1.ics"' in response.headers["content-disposition"]
    (entry,) = Calendar.from_ical(response.content).walk("VEVENT")
    assert str(entry["SUMMARY"]) == "סדנת פתיחה"
    assert entry.decoded("DTSTART") == at(2026, 12, 13, 9)
    assert entry.decoded("DTEND") == at(2026, 12, 13, 11)
    again = fetch(wa, url)
    assert again.content == response.content  # opened twice (a link preview, then the person)
    head = fetch(wa, url, "HEAD")
    assert head.status_code == 200 and head.headers["content-type"] == "text/calendar; charset=utf-8"


def test_the_link_has_a_line_of_its_own_in_every_language() -> None:
    catalogs = Catalogs()
    url = f"{PUBLIC}/files/{'A' * 43}/midway-e7.ics"
    asked: list[Document] = []

    def link(document: Document) -> str:
        asked.append(document)
        return url

    caption_msg = Msg("events.ics_caption", {"title": "Expo"})
    calendar = Document("midway-e7.ics", ICS, "text/calendar", caption=caption_msg)
    for lang, caption in (
        ("he", f"{FSI}Expo{PDI} – קובץ ליומן"),
        ("ar", f"{FSI}Expo{PDI} – ملف للتقويم"),
        ("en", "Expo – calendar file"),
        ("ru", "Expo – файл для календаря"),
    ):
        translator = catalogs.translator(lang)
        (message,) = render(translator, [calendar], Templates(), link)
        assert message.body is not None and message.content_sid is None
        first, label, last = message.body.split("\n")
        assert (first, label, last) == (caption, translator.render_key("whatsapp.calendar_link"), url), lang
    assert len(asked) == 4

    pdf = Document("a.pdf", b"%PDF", "application/pdf", caption=caption_msg)
    (only_caption,) = render(catalogs.translator("en"), [pdf], Templates(), link)
    assert only_caption.body == "Expo – calendar file" and len(asked) == 4  # only calendar files are linked


def test_a_tampered_or_unknown_link_is_a_plain_404(
    app: App,
    wa: WhatsAppHarness,
) -> None:
    url = link_in(sign_up_on_whatsapp(app, wa))
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
    app: App,
    wa: WhatsAppHarness,
    clock: FakeClock,
) -> None:
    url = link_in(sign_up_on_whatsapp(app, wa))
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


def test_a_proactive_message_with_a_file_sends_its_link_too(
    app: App,
    wa: WhatsAppHarness,
    fake_twilio: FakeTwilio,
) -> None:
    ronit = whatsapp_participant(app, wa, RONIT)  # she wrote just now: inside the 24-hour window
    recipient = Recipient(ronit, "whatsapp", RONIT, None)
    result = wa.whatsapp.sender.send(recipient, calendar_notice(app, ronit), app.clock())
    assert result.status is SendStatus.SENT
    hint, with_link = fake_twilio.sent_to(RONIT)[-2:]
    assert hint.media_url is None and with_link.media_url is None
    assert visible(with_link.text).splitlines()[:2] == ["כנס חשיפה – קובץ ליומן", LINK_LINE]
    response = fetch(wa, link_in(with_link))
    assert response.status_code == 200 and response.content == ICS


def test_without_public_base_url_only_the_caption_goes(
    app: App,
    wa: WhatsAppHarness,
    fake_twilio: FakeTwilio,
) -> None:
    ronit = whatsapp_participant(app, wa, RONIT)
    base = wa.whatsapp
    no_links = WhatsApp(app, base.messages, base.templates, RequestValidator(AUTH_TOKEN), public_base_url="")
    before = len(fake_twilio.sent_to(RONIT))
    result = no_links.sender.send(
        Recipient(ronit, "whatsapp", RONIT, None), calendar_notice(app, ronit), app.clock()
    )
    assert result.status is SendStatus.SENT
    sent = fake_twilio.sent_to(RONIT)[before:]
    assert [c.media_url for c in sent] == [None, None]
    assert visible(sent[-1].text) == "כנס חשיפה – קובץ ליומן"  # no link line without a link
