"""The life of a fake HTTP server in a test: it serves on 127.0.0.1 on a free port from a daemon
thread, is stopped (quickly, even with requests waiting), and lets the test wait for what it records.

    class _Handler(JsonHandler):        # its requests: self.owner is the fake, self.body() the
        owner: FakeX                    # request's body, self.send_json(status, answer) the reply
        def do_POST(self) -> None: ...

    class FakeX(LocalServer):
        name = "fake-x"
        def handler(self) -> type[BaseHTTPRequestHandler]:
            return self.bound(_Handler)

    with FakeX() as fake:
        fake.url                                         # http://127.0.0.1:<port>
        fake.wait_until(lambda: fake.calls, "a call")    # under the fake's condition
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self


class JsonHandler(BaseHTTPRequestHandler):
    """A fake's request handler: kept-alive connections (as the real services), no request log (its
    lines may carry a token), the body read, and JSON answers."""

    owner: Any  # the fake this handler serves (set by `LocalServer.handler`)
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the stdlib's name)
        pass

    def body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def send_json(self, status: int, answer: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        # the client may have given up (a long poll cancelled when polling stops)
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(data)


class LocalServer:
    """Base of the fake Telegram and Twilio servers: start, stop, url and waiting."""

    name = "fake-server"
    server_class: type[ThreadingHTTPServer] = ThreadingHTTPServer

    def __post_init__(self) -> None:
        self._cond = threading.Condition()
        self._closed = False
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def handler(self) -> type[BaseHTTPRequestHandler]:
        """The request handler class, bound to this fake (`self.bound(_Handler)`)."""
        raise NotImplementedError

    def bound(self, handler: type[JsonHandler]) -> type[BaseHTTPRequestHandler]:
        """`handler` for this fake: its requests see it as `self.owner`."""
        return type(handler.__name__, (handler,), {"owner": self})

    # ---- life --------------------------------------------------------------------------------
    def start(self) -> Self:
        self._server = self.server_class(("127.0.0.1", 0), self.handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name=self.name, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        with self._cond:  # requests waiting on the condition (long polls) return now
            self._closed = True
            self._cond.notify_all()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the fake first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    # ---- waiting -----------------------------------------------------------------------------
    def wait_until(self, check: Callable[[], Any], what: str, timeout: float = 10.0) -> None:
        """Wait, under the fake's condition, until `check()` is true; fail the test after `timeout`."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not check():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{self.name}: {what} not within {timeout}s")
                self._cond.wait(min(left, 0.05))


# ---- `midway serve` as a process of its own (the installed command, as deployed) ---------------
ROOT = Path(__file__).resolve().parent.parent.parent


def start_serve(port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """`midway serve` on 127.0.0.1:`port` with exactly `env`, its output captured (stdout and
    stderr together); `wait_serving` waits until it answers."""
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def wait_serving(
    base: str, process: subprocess.Popen[bytes], timeout: float, exited: Callable[[], str] | None = None
) -> None:
    """Until `base`/healthz answers 200; fails if the process exits first (with `exited()`, e.g. its
    output, as the message) or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        assert process.poll() is None, exited() if exited else "midway serve exited early"
        assert time.monotonic() < deadline, "midway serve did not come up"
        time.sleep(0.1)
