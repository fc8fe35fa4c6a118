"""A webhook's body, read up to a limit.

Starlette's `request.body()` reads everything before anyone can look at its size, so a 200 MB
POST (it needs no secret to be sent) would sit in memory before its 413. Here a declared
`Content-Length` over the limit is refused before reading, and a body without one, or longer than it
said, is counted as it arrives and dropped at the limit.
"""

from __future__ import annotations

from starlette.requests import Request


async def limited_body(request: Request, limit: int) -> bytes | None:
    """The body, or None when it is (or says it is) longer than `limit` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
