"""Files served by URL to a platform that fetches media itself (WhatsApp through Twilio).

A file is stored under the SHA-256 of a random token that only its URL carries; it is found by
token and file name while it has not expired, and expired files are deleted as new ones come.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.models import HostedFile


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def store_file(
    session: Session,
    *,
    token: str,
    filename: str,
    mime_type: str,
    content: bytes,
    now: datetime,
    expires_at: datetime,
) -> None:
    session.execute(delete(HostedFile).where(HostedFile.expires_at <= now))
    session.add(
        HostedFile(
            token_hash=token_hash(token),
            filename=filename,
            mime_type=mime_type,
            content=content,
            created_at=now,
            expires_at=expires_at,
        )
    )


def find_file(session: Session, token: str, filename: str, now: datetime) -> HostedFile | None:
    """The file this URL names, while it has not expired; None for any other token or name."""
    return session.scalar(
        select(HostedFile).where(
            HostedFile.token_hash == token_hash(token),
            HostedFile.filename == filename,
            HostedFile.expires_at > now,
        )
    )
