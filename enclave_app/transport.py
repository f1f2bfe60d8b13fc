"""Length-prefixed JSON messages between the parent instance and the enclave.

In AWS the enclave is reachable only over vsock (``vsock://CID:PORT``); locally the same code
listens on TCP (``tcp://127.0.0.1:PORT``). A frame is a 4-byte big-endian length and that many
bytes of UTF-8 JSON; a frame over the limit, or that is not a JSON object, closes the
connection (nothing partial is acted on).
"""

from __future__ import annotations

import json
import socket
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

MAX_FRAME = 64 * 1024 * 1024  # a model or a dataset chunk fits; a hostile length does not
HEADER = struct.Struct(">I")
# A handler gets the message and ``converse``: send an interim ``progress`` frame, get the
# peer's reply (a long job reports each epoch and learns whether to go on).
Converse = Callable[[dict[str, Any]], dict[str, Any]]
Handler = Callable[[dict[str, Any], Converse], dict[str, Any]]


class FrameError(Exception):
    """A malformed or oversized frame, or a peer that went away mid-frame."""


@dataclass(frozen=True)
class Address:
    kind: str  # "tcp" or "vsock"
    host: str | int  # a host name, or a vsock CID
    port: int

    @classmethod
    def parse(cls, text: str) -> Address:
        parts = urlsplit(text)
        if parts.scheme not in {"tcp", "vsock"} or parts.port is None or not parts.hostname:
            raise ValueError(f"expected tcp://HOST:PORT or vsock://CID:PORT, got {text!r}")
        host: str | int = int(parts.hostname) if parts.scheme == "vsock" else parts.hostname
        return cls(parts.scheme, host, parts.port)

    def socket(self) -> socket.socket:
        family = socket.AF_VSOCK if self.kind == "vsock" else socket.AF_INET
        return socket.socket(family, socket.SOCK_STREAM)

    @property
    def target(self) -> tuple[Any, int]:
        return (self.host, self.port)


def send_frame(connection: socket.socket, message: dict[str, Any]) -> None:
    body = json.dumps(message, separators=(",", ":")).encode()
    if len(body) > MAX_FRAME:
        raise FrameError(f"a {len(body)}-byte message is over the {MAX_FRAME}-byte limit")
    connection.sendall(HEADER.pack(len(body)) + body)


def receive_frame(connection: socket.socket) -> dict[str, Any] | None:
    """The next message, or None when the peer closed between frames."""
    header = _exactly(connection, HEADER.size, allow_eof=True)
    if header is None:
        return None
    (length,) = HEADER.unpack(header)
    if length > MAX_FRAME:
        raise FrameError(f"a {length}-byte frame is over the {MAX_FRAME}-byte limit")
    body = _exactly(connection, length, allow_eof=False)
    try:
        message = json.loads(body)
    except (UnicodeDecodeError, ValueError) as error:
        raise FrameError("the frame is not JSON") from error
    if not isinstance(message, dict):
        raise FrameError("a message is a JSON object")
    return message


def _exactly(connection: socket.socket, size: int, *, allow_eof: bool) -> bytes | None:
    chunks, received = [], 0
    while received < size:
        chunk = connection.recv(min(size - received, 1 << 20))
        if not chunk:
            if allow_eof and received == 0:
                return None
            raise FrameError("the peer closed the connection mid-frame")
        chunks.append(chunk)
        received += len(chunk)
    return b"".join(chunks)


def request(address: Address, message: dict[str, Any], *, timeout_s: float = 30.0,
            on_progress: Converse | None = None) -> dict:
    """One request and its response (the parent's side); ``on_progress`` answers each interim
    frame before it. ``timeout_s`` bounds each wait for a frame, not the whole exchange."""
    with address.socket() as connection:
        connection.settimeout(timeout_s)
        connection.connect(address.target)
        send_frame(connection, message)
        while True:
            response = receive_frame(connection)
            if response is None:
                raise FrameError("the enclave closed the connection without answering")
            if "progress" not in response:
                return response
            send_frame(connection, on_progress(response["progress"]) if on_progress else {})


class Server:
    """Serves ``handler`` to each connection, one message after another, a thread each."""

    def __init__(self, address: Address, handler: Handler) -> None:
        self._handler = handler
        self._listener = address.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(address.target)
        self._listener.listen()
        self._stopping = threading.Event()

    @property
    def port(self) -> int:
        return self._listener.getsockname()[1]

    def serve_forever(self) -> None:
        while not self._stopping.is_set():
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return  # closed by stop()
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def start(self) -> Server:
        threading.Thread(target=self.serve_forever, daemon=True, name="enclave-server").start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._listener.close()

    def _serve(self, connection: socket.socket) -> None:
        with connection:
            try:
                while (message := receive_frame(connection)) is not None:
                    send_frame(connection, self._answer(message, _conversation(connection)))
            except (FrameError, OSError):
                return  # a broken peer: drop it, serve the others

    def _answer(self, message: dict[str, Any], converse: Converse) -> dict[str, Any]:
        try:
            return {"ok": True, "result": self._handler(message, converse)}
        except Exception as error:  # the parent gets a reason, the enclave keeps serving
            return {"ok": False, "error": type(error).__name__, "detail": str(error)[:500]}


def _conversation(connection: socket.socket) -> Converse:
    def converse(progress: dict[str, Any]) -> dict[str, Any]:
        send_frame(connection, {"ok": True, "progress": progress})
        reply = receive_frame(connection)
        if reply is None:
            raise FrameError("the parent went away mid-request")
        return reply

    return converse
