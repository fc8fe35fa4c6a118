"""The conversation test kit: one person API (`Chat`, tests/kit/chat.py) with a flow backend
(tests/kit/flow.py), a Telegram backend (tests/kit/telegram.py) and a WhatsApp backend
(tests/kit/whatsapp.py); the fake servers' life (tests/kit/servers.py); golden transcripts
(tests/kit/golden.py). The channel backends are imported from their modules, since they start servers."""

from tests.kit.chat import Chat, plain
from tests.kit.flow import CATALOGS, PROGRAM, START, TZ, FlowChat

__all__ = ["CATALOGS", "PROGRAM", "START", "TZ", "Chat", "FlowChat", "plain"]
