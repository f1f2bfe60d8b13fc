"""An HTTPS webhook receiver on 127.0.0.1 for the local-stack tests (browser and e2e): it keeps
every delivery it is sent and answers 204, or 500 on the paths in ``Receiver.failing``."""

from __future__ import annotations

import json
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cms.domain.webhooks import verify_signature

WAIT_SECONDS = 90.0  # a delivery goes through the bus, the queue and a poller on a busy machine


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def signed_with(self, secret: str) -> bool:
        return verify_signature(secret, self.headers["CMS-Signature"], self.body, time.time())

    @property
    def payload(self) -> dict[str, Any]:
        return json.loads(self.body)


class Receiver(BaseHTTPRequestHandler):
    """Answers 204, or 500 on the paths in ``failing``."""

    received: list[Received] = []
    failing: set[str] = set()
    lock = threading.Lock()

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with self.lock:
            self.received.append(Received(self.path, dict(self.headers.items()), body))
            status = 500 if self.path in self.failing else 204
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@contextmanager
def https_receiver(webhook_tls: tuple[str, str, str]) -> Iterator[int]:
    """The receiver's port, serving HTTPS with the certificate the local stack trusts."""
    _, cert, key = webhook_tls
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    server.daemon_threads = True
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()


def received(path: str, count: int, timeout: float = WAIT_SECONDS) -> list[Received]:
    """The deliveries to ``path`` once there are at least ``count`` of them."""
    deadline = time.monotonic() + timeout
    while True:
        with Receiver.lock:
            found = [r for r in Receiver.received if r.path == path]
        if len(found) >= count or time.monotonic() >= deadline:
            break
        time.sleep(0.2)
    if len(found) < count:
        raise AssertionError(f"{path}: {len(found)} deliveries, expected {count}")
    return found
