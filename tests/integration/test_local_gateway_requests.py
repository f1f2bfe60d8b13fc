"""Request framing and path handling of the local API Gateway, over raw sockets."""

from __future__ import annotations

import json
import socket

import pytest

from local_stack.gateway import _proxy_event

GATEWAY_NO_ROUTE = "No route matches this method and path"


def exchange(stack, raw: bytes) -> bytes:
    """Send ``raw`` on one connection and read until the server closes it."""
    with socket.create_connection(("127.0.0.1", stack.api_port), timeout=10) as conn:
        conn.sendall(raw)
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def parse(raw: bytes) -> tuple[int, dict[str, str], bytes]:
    """The first response in ``raw``; the rest of ``raw`` must be empty."""
    head, _, rest = raw.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines)}
    length = int(headers["content-length"])
    body, trailing = rest[:length], rest[length:]
    assert trailing == b"", f"a second response followed: {trailing[:200]!r}"
    return int(status_line.split(" ")[1]), headers, body


def request(method: str, path: str, *headers: str, body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: localhost", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def assert_refused(raw: bytes, status: int) -> None:
    code, headers, body = parse(raw)
    assert code == status
    assert headers["content-type"].startswith("application/problem+json")
    assert headers["connection"] == "close"
    assert json.loads(body)["code"] == "bad_request"


# "+5" and "1_0" are accepted by int() but are not valid Content-Length values.
@pytest.mark.parametrize("value", ["abc", "-1", "+5", "1_0", "5 5"])
def test_a_malformed_content_length_is_a_400_and_closes(stack, value) -> None:
    # The smuggled request after the blank line must never be answered.
    raw = request("POST", "/api/v1/auth/challenge", f"Content-Length: {value}",
                  body=request("GET", "/health"))
    assert_refused(exchange(stack, raw), 400)


def test_conflicting_content_lengths_are_a_400(stack) -> None:
    raw = request("POST", "/api/v1/auth/challenge", "Content-Length: 2", "Content-Length: 3",
                  body=b"{}")
    assert_refused(exchange(stack, raw), 400)


def test_a_chunked_body_is_refused_and_never_parsed_as_a_request(stack) -> None:
    smuggled = request("GET", "/health")
    chunked = f"{len(smuggled):x}\r\n".encode() + smuggled + b"\r\n0\r\n\r\n"
    raw = request("POST", "/api/v1/auth/challenge", "Transfer-Encoding: chunked",
                  "Content-Type: application/json", body=chunked)
    assert_refused(exchange(stack, raw), 411)


def test_a_well_framed_request_keeps_the_connection_open(stack) -> None:
    # Two pipelined requests on one connection, the last asking to close it: both answered.
    raw = request("GET", "/health") + request("GET", "/health", "Connection: close")
    answered = exchange(stack, raw)
    assert answered.count(b"HTTP/1.1 ") == 2


def test_an_encoded_slash_stays_inside_its_path_parameter(stack, new_party) -> None:
    party = new_party("ed25519")
    token = f"Authorization: Bearer {party.client.token}"
    status, _, body = parse(exchange(stack, request(
        "GET", "/api/v1/contracts/abc%2Fsubmit", token, "Connection: close")))
    # Not the gateway's own "no route" (GET /contracts/{id}/submit does not exist): the GET
    # /contracts/{contract_id} route took it.
    assert status == 404 and json.loads(body)["detail"] != GATEWAY_NO_ROUTE
    route = stack.gateway.routes.match("GET", "/api/v1/contracts/abc%2Fsubmit")
    assert route.path == "/api/v1/contracts/{contract_id}"
    event = _proxy_event(route, method="GET", raw_path="/api/v1/contracts/abc%2Fsubmit",
                         query="", headers={}, body=b"", source_ip="127.0.0.1",
                         request_id="r")
    assert event["pathParameters"] == {"contract_id": "abc/submit"}
    assert event["path"] == "/api/v1/contracts/abc/submit"


def test_an_encoded_slash_cannot_reach_a_transition(stack, new_party) -> None:
    provider, consumer = new_party("ed25519"), new_party("ed25519")
    contract = provider.client.create_contract({
        "title": "Route test", "consumer_did": consumer.did, "terms": "none",
        "valid_from": "2030-01-01T00:00:00Z", "valid_until": "2031-01-01T00:00:00Z"})
    status, _, body = parse(exchange(stack, request(
        "POST", f"/api/v1/contracts/{contract['id']}%2Fsubmit",
        f"Authorization: Bearer {provider.client.token}", "Content-Length: 0",
        "Connection: close")))
    # The encoded slash stays inside the id: the path is the contract's own, which has no
    # POST, so the transition is never reached.
    assert status == 405 and json.loads(body)["code"] == "method_not_allowed"
    assert provider.client.get_contract(contract["id"])["status"] == "draft"
