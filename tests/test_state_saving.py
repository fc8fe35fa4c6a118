"""The conversation saved by one statement (`repo.save_state`) while the ORM moved a conversation in
the same step (a merge of two people)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.bootstrap import App
from storage.models import Conversation
from tests.conftest import FakeClock
from tests.kit.whatsapp import WhatsAppHarness
from tests.test_whatsapp_identity import PHONE, TG_USER, Telegram, identities, people

pytestmark = pytest.mark.app(db="both", whatsapp=True)


def test_a_first_telegram_message_sharing_the_number_known_on_whatsapp_merges_the_two(
    app: App, wa: WhatsAppHarness, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    ronit = wa.person(PHONE, "Ronit")
    ronit.send("שלום").send("1")  # she has a conversation row
    clock.advance(days=1)
    telegram = Telegram(app, clock)
    # her very first Telegram message is the contact: the new person has no conversation row
    # (load_state notes exists=False); the merge moves Ronit's row to the new person through the
    # ORM; save_state then goes straight to INSERT -> duplicate key, the step fails (apology)
    reply = telegram.share_contact("+972 50-123-4567")
    assert "step failed" not in caplog.text, caplog.text[-3000:]
    assert "משהו השתבש" not in reply  # not the apology
    [person] = people(app)
    assert identities(app, person.id) == {("telegram", TG_USER), ("whatsapp", PHONE)}
    with app.db.transaction() as s:
        assert len(list(s.scalars(select(Conversation)))) == 1
