"""The parent ↔ enclave transport: length-prefixed JSON frames over TCP (vsock in AWS)."""

from __future__ import annotations

import socket

import pytest

from enclave_app.transport import (
    HEADER,
    MAX_FRAME,
    Address,
    FrameError,
    Server,
    receive_frame,
    request,
)


@pytest.fixture
def server():
    def handler(message, converse):
        if message.get("op") == "boom":
            raise RuntimeError("handler failed")
        if message.get("op") == "count":  # reports each step; the peer may stop it early
            done = 0
            while done < message["to"] and converse({"at": done}).get("continue", True):
                done += 1
            return {"done": done}
        return {"echo": message}

    running = Server(Address.parse("tcp://127.0.0.1:0"), handler).start()
    yield Address("tcp", "127.0.0.1", running.port)
    running.stop()


def test_a_request_gets_its_answer(server):
    assert request(server, {"op": "ping", "n": 1}) == {"ok": True,
                                                       "result": {"echo": {"op": "ping", "n": 1}}}


def test_progress_frames_are_answered_before_the_result(server):
    seen = []

    def on_progress(progress):
        seen.append(progress["at"])
        return {"continue": len(seen) < 3}

    assert request(server, {"op": "count", "to": 10}, on_progress=on_progress) == {
        "ok": True, "result": {"done": 2}}
    assert seen == [0, 1, 2]
    assert request(server, {"op": "count", "to": 2})["result"] == {"done": 2}


def test_a_failing_handler_answers_with_the_reason_and_keeps_serving(server):
    assert request(server, {"op": "boom"}) == {"ok": False, "error": "RuntimeError",
                                               "detail": "handler failed"}
    assert request(server, {"op": "ping"})["ok"]


@pytest.mark.parametrize("frame", [
    HEADER.pack(MAX_FRAME + 1),  # a hostile length: refused before any allocation
    HEADER.pack(5) + b"nope!",  # not JSON
    HEADER.pack(2) + b"[]",  # JSON but not an object
    HEADER.pack(10) + b"{}",  # the peer hangs up mid-frame
])
def test_bad_frames_close_the_connection_without_an_answer(server, frame):
    with socket.create_connection(server.target, timeout=5) as connection:
        connection.sendall(frame)
        connection.shutdown(socket.SHUT_WR)
        assert connection.recv(1) == b""
    assert request(server, {"op": "ping"})["ok"]  # the server is unaffected


def test_addresses_are_tcp_or_vsock():
    assert Address.parse("vsock://16:5005") == Address("vsock", 16, 5005)
    assert Address.parse("tcp://localhost:9000").target == ("localhost", 9000)
    for bad in ("http://x:1", "vsock://16", "tcp://:80"):
        with pytest.raises(ValueError):
            Address.parse(bad)


def test_receiving_on_a_closed_peer_between_frames_is_the_end():
    left, right = socket.socketpair()
    with left, right:
        left.close()
        assert receive_frame(right) is None
    with pytest.raises(FrameError):
        first, second = socket.socketpair()
        with first, second:
            first.sendall(HEADER.pack(3) + b"{")
            first.close()
            receive_frame(second)
