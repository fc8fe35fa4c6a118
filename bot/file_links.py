"""Links to files, for a channel that cannot attach them (WhatsApp through Twilio: a calendar file
goes as a link in a text message, which the person's phone opens).

    FileLinks.link(document)        stores the file → PUBLIC_BASE_URL/files/<token>/<filename>
    GET /files/<token>/<filename>   the file while the link lives; 404 for anything else

The token is 32 random bytes (URL-safe base64) and only its SHA-256 is stored, so the address is
known only to the person it was sent to (and to the services that carry the message). A link lives
until the document is of no more use (a calendar file: when its event ends), at most 30 days and at
least one day (the person may open it a while after it arrives). A wrong token, a wrong file name
and an expired link all get the same 404, which says nothing of which it was.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
from datetime import datetime, timedelta
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from bot.app import App
from bot.clock import Clock
from flows import Document
from storage import hosted_files
from storage.db import Database

log = logging.getLogger(__name__)

FILES_PATH = "/files"
MAX_LIFETIME = timedelta(days=30)
MIN_LIFETIME = timedelta(days=1)
TOKEN_BYTES = 32
TOKEN_FORMAT = re.compile(r"[A-Za-z0-9_-]{43}")  # what secrets.token_urlsafe(32) gives


class FileLinks:
    """Stores documents and gives each a public, unguessable, expiring URL."""

    def __init__(self, db: Database, clock: Clock, public_base_url: str) -> None:
        self.db = db
        self.clock = clock
        self.base_url = public_base_url.rstrip("/")

    def link(self, document: Document) -> str:
        now = self.clock()
        token = secrets.token_urlsafe(TOKEN_BYTES)
        with self.db.transaction() as session:
            hosted_files.store_file(
                session,
                token=token,
                filename=document.filename,
                mime_type=document.mime_type,
                content=document.content,
                now=now,
                expires_at=expires_at(document, now),
            )
        return f"{self.base_url}{FILES_PATH}/{token}/{quote(document.filename, safe='')}"


def expires_at(document: Document, now: datetime) -> datetime:
    until = document.useful_until or now + MAX_LIFETIME
    return min(max(until, now + MIN_LIFETIME), now + MAX_LIFETIME)


def files_route(app: App) -> Route:
    """`GET /files/{token}/{filename}` (and HEAD, which browsers and link previews may send first)."""

    def find(token: str, filename: str) -> tuple[str, bytes] | None:
        with app.db.transaction() as session:
            found = hosted_files.find_file(session, token, filename, app.clock())
            return (found.mime_type, found.content) if found is not None else None

    async def serve_file(request: Request) -> Response:
        token = request.path_params["token"]
        filename = request.path_params["filename"]
        found = await asyncio.to_thread(find, token, filename) if TOKEN_FORMAT.fullmatch(token) else None
        if found is None:
            log.debug("web: a file link that is wrong or expired was asked for")
            return PlainTextResponse("Not Found", status_code=404)
        mime_type, content = found
        media_type = f"{mime_type}; charset=utf-8" if mime_type.startswith("text/") else mime_type
        headers = {
            "Content-Disposition": f'inline; filename="{filename}"',
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
            "X-Robots-Tag": "noindex",
        }
        return Response(content, media_type=media_type, headers=headers)

    return Route(FILES_PATH + "/{token}/{filename}", serve_file, methods=["GET"])
