"""Whatever arrives, through the local API Gateway over HTTP: arbitrary bytes, content types
(case variants, ``+json`` suffixes, garbage), methods (TRACE, unknown verbs) and JSON (huge
integers, deep nesting) on every route of the document. Never a 5xx; a refusal is a
problem+json with a ``code``; and a refused request wrote nothing (DynamoDB, read in moto's
memory, is the same before and after it).

Then the inputs that once broke it, each on its own.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.e2e.api_world import World, build_world, webhook_receiver
from tests.e2e.conformance import (
    DOCUMENT_PATH,
    ENDS_THE_CALLERS_SESSION,
    bindings,
    operations,
    path_parameters,
    shape,
)

pytestmark = pytest.mark.e2e

EXAMPLES = 150
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]
HOSTILE_METHODS = ["TRACE", "CONNECT", "PROPFIND", "FOO", "get", "QUERY"]
CONTENT_TYPES = [
    None, "application/json", "Application/JSON", "APPLICATION/JSON; charset=UTF-8",
    "application/json; charset=latin-1", "application/vnd.example+json",
    "application/problem+json", "application/merge-patch+json", "text/plain",
    "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/xml",
    "", "garbage", "application/json;;;", "*/*", "application/", "json",
]
# Tables whose writes are the point of a refusal: sign-in and registration attempts are counted
# (rate limits) and challenges issued even when what follows is refused.
UNCOUNTED_TABLES = re.compile(r"rate|limit|throttle|challenge", re.IGNORECASE)


@dataclass
class Route:
    method: str
    template: str
    target: str  # the path with real resources filled in
    secured: bool
    takes_body: bool
    token: str | None = None  # its own, where the route ends the session it is called with


@dataclass
class Target:
    url: str
    token: str
    routes: list[Route]
    world: World
    http: httpx.Client
    # DynamoDB as the last refused request left it (None: read it afresh).
    baseline: dict[str, str] | None = None

    def send(self, method: str, target: str, *, body: bytes | None = None,
             content_type: str | None = None, token: bool = True,
             bearer: str | None = None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {bearer or self.token}"} if token else {}
        if content_type is not None:
            headers["Content-Type"] = content_type
        return self.http.request(method, self.url + target, content=body, headers=headers)


def dynamodb_digest() -> dict[str, str]:
    """Each table's items hashed, read from moto's memory in this process (no requests)."""
    from moto.dynamodb.models import dynamodb_backends

    from local_stack.template import ACCOUNT, REGION

    digests = {}
    for _ in range(5):  # a write elsewhere may resize a table mid-read: read again
        try:
            for name, table in sorted(dynamodb_backends[ACCOUNT][REGION].tables.items()):
                if UNCOUNTED_TABLES.search(name):
                    continue
                digest = hashlib.sha256()
                for item in table.all_items():
                    digest.update(json.dumps(item.to_json(), sort_keys=True,
                                             default=str).encode())
                digests[name] = digest.hexdigest()
            return digests
        except RuntimeError:
            continue
    raise AssertionError("DynamoDB kept changing while it was read")


@pytest.fixture(scope="module")
def target(stack: Any, admin_signer: Any, webhook_tls: tuple[str, str, str]
           ) -> Iterator[Target]:
    _, certificate, key = webhook_tls
    with webhook_receiver(certificate, key) as port, ExitStack() as quiet:
        world = build_world(stack.url, admin_signer, port)
        document = httpx.get(stack.url + DOCUMENT_PATH, timeout=30).json()
        # The schedules (expiry, anchoring, reminders, the training parent) write on their
        # own; held, so that any write seen during a refused request is the request's.
        for function in stack.functions.values():
            quiet.enter_context(stack.paused(function.name))
        quiet.enter_context(stack.paused("training-parent"))
        settle()
        guarded = {(m.http_method, shape(m.path)) for m in stack.gateway.routes.methods
                   if m.authorizer is not None}
        with httpx.Client(timeout=60) as http:
            yield Target(stack.url, world.owner.token, routes(document, world, guarded), world,
                         http)


def settle(timeout: float = 30) -> None:
    """Wait until what the world's making set going (streams, queues) has stopped writing."""
    deadline = time.monotonic() + timeout
    last = dynamodb_digest()
    while time.monotonic() < deadline:
        time.sleep(1.5)
        current = dynamodb_digest()
        if current == last:
            return
        last = current
    raise AssertionError(f"DynamoDB still changing after {timeout:g}s")


def routes(document: dict[str, Any], world: World, guarded: set[tuple[str, str]]
           ) -> list[Route]:
    table = bindings(world)
    found = []
    for method, path, operation in operations(document):
        binding = table.get((method, shape(path)))
        target = path
        for index, name in enumerate(path_parameters(path)):
            value = (binding.path[index][0] if binding and index < len(binding.path)
                     else "00000000-0000-4000-8000-000000000000")
            target = target.replace(f"{{{name}}}", value)
        # A logout accepted on the owner's token would leave every later request a 401: it
        # gets the counterpart's (which this module uses for nothing else).
        own_token = (world.counterpart.token if (method, shape(path)) in ENDS_THE_CALLERS_SESSION
                     else None)
        found.append(Route(method, path, target, (method, shape(path)) in guarded,
                           "requestBody" in operation, own_token))
    return found


def json_values() -> st.SearchStrategy[Any]:
    scalars = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True)
               | st.text(max_size=40))
    return st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                        | st.dictionaries(st.text(max_size=12), inner, max_size=4), max_leaves=12)


def bodies() -> st.SearchStrategy[bytes | None]:
    huge_integer = st.integers(300, 6000).map(lambda digits: ("9" * digits).encode())
    deep = st.integers(30, 3000).map(lambda depth: b"[" * depth + b"]" * depth)
    deep_object = st.integers(30, 3000).map(lambda depth: b'{"a":' * depth + b"1" + b"}" * depth)
    return st.one_of(
        st.none(),
        st.binary(max_size=512),
        st.binary(min_size=1, max_size=64).map(lambda b: b'{"title": "\xff\xfe' + b + b'"}'),
        json_values().map(lambda v: json.dumps(v).encode()),
        huge_integer,
        huge_integer.map(lambda n: b'{"size": ' + n + b', "terms": {"n": ' + n + b"}}"),
        deep, deep_object,
    )


def assert_refusal_is_a_problem(response: httpx.Response, method: str) -> None:
    request = response.request
    sent = f"{request.method} {request.url.path} {request.headers.get('content-type')!r} " \
           f"{request.content[:120]!r}"
    assert response.status_code < 500, (sent, response.status_code, response.text[:300])
    if response.status_code < 400 or method == "HEAD":
        return
    media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    assert media_type == "application/problem+json", (sent, response.status_code, media_type,
                                                      response.text[:300])
    problem = response.json()
    assert isinstance(problem, dict) and isinstance(problem.get("code"), str), (sent, problem)
    assert problem.get("status") == response.status_code, (sent, problem)


@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                 HealthCheck.data_too_large])
@given(data=st.data(), body=bodies(), content_type=st.sampled_from(CONTENT_TYPES))
def test_no_input_gets_a_server_error_or_writes_half(target: Target, data: st.DataObject,
                                                      body: bytes | None,
                                                      content_type: str | None) -> None:
    route = data.draw(st.sampled_from(target.routes), label="route")
    method = data.draw(st.sampled_from([route.method, route.method, *METHODS, *HOSTILE_METHODS]),
                       label="method")
    before, target.baseline = target.baseline or dynamodb_digest(), None
    response = target.send(method, route.target, body=body, content_type=content_type,
                           bearer=route.token)
    assert_refusal_is_a_problem(response, method)
    if response.status_code < 400:
        # Accepted, so it may write, and what it set going (streams, queues) writes a little
        # later: wait for that before the next request is held to "nothing written".
        settle()
        return
    after = dynamodb_digest()
    changed = sorted(name for name in after if after[name] != before.get(name))
    assert not changed, (f"{method} {route.target} {content_type!r} {body!r:.200}: refused "
                         f"with {response.status_code} but wrote {changed}")
    target.baseline = after


# ------------------------------------------------------------------ the inputs that broke it

NOT_UTF8 = b'{"name": "\xc3\x28", "title": "\xff"}'


def body_routes(target: Target) -> list[Route]:
    return [route for route in target.routes if route.takes_body]


def test_a_body_that_is_not_utf8_is_a_400_on_every_json_route(target: Target) -> None:
    found = []
    for route in body_routes(target):
        response = target.send(route.method, route.target, body=NOT_UTF8,
                               content_type="application/json")
        if response.status_code != 400 or "problem+json" not in response.headers.get(
                "content-type", ""):
            found.append(f"{route.method} {route.template}: {response.status_code} "
                         f"{response.text[:120]}")
    assert not found, "\n".join(found)


@pytest.mark.parametrize("path", ["/api/v1/auth/register", "/api/v1/auth/challenge"])
@pytest.mark.parametrize("content_type", ["Application/JSON", "application/vnd.example+json",
                                          "APPLICATION/JSON; Charset=UTF-8"])
def test_anonymous_routes_decide_media_types_without_failing(target: Target, path: str,
                                                            content_type: str) -> None:
    owner = target.world.owner
    body = json.dumps({"did": owner.did, "public_key": owner.signer.public_key}  # type: ignore[attr-defined]
                      if path.endswith("register") else {"did": target.world.subject.did})
    plain = target.send("POST", path, body=body.encode(), content_type="application/json",
                        token=False)
    response = target.send("POST", path, body=body.encode(), content_type=content_type,
                           token=False)
    assert_refusal_is_a_problem(response, "POST")
    if content_type.lower().startswith("application/json"):
        # Media types are case-insensitive: the same request as with the canonical spelling.
        assert response.status_code == plain.status_code, (response.status_code, response.text)
    else:
        assert response.status_code in {plain.status_code, 415}, response.text


@pytest.mark.parametrize("digits", [1000, 4301, 20000])
def test_a_json_integer_of_thousands_of_digits_is_refused(target: Target, digits: int) -> None:
    huge = "9" * digits
    draft = target.world.contracts["draft"]
    create = {"title": "x", "consumer_did": target.world.counterpart.did, "terms": {"n": 0},
              "valid_from": "2030-01-01T00:00:00Z", "valid_until": "2030-02-01T00:00:00Z"}
    attachment = {"name": "a.txt", "media_type": "text/plain", "size": 0}
    for method, path, template in (
            ("POST", "/api/v1/contracts", create),
            ("PATCH", f"/api/v1/contracts/{draft}", {"terms": {"n": 0}}),
            ("POST", f"/api/v1/contracts/{draft}/attachments", attachment)):
        # The number goes in as JSON text: Python's own json would refuse to write it.
        body = json.dumps(template).replace(": 0", f": {huge}")
        before = dynamodb_digest()
        response = target.send(method, path, body=body.encode(), content_type="application/json")
        assert response.status_code == 400, (method, path, response.status_code,
                                             response.text[:300])
        assert_refusal_is_a_problem(response, method)
        assert dynamodb_digest() == before, f"{method} {path} wrote something"


def test_deeply_nested_json_is_refused(target: Target) -> None:
    deep = b'{"terms": ' + b"[" * 100000 + b"]" * 100000 + b"}"
    draft = target.world.contracts["draft"]
    response = target.send("PATCH", f"/api/v1/contracts/{draft}", body=deep,
                           content_type="application/json")
    assert response.status_code == 400, response.text[:300]
    assert_refusal_is_a_problem(response, "PATCH")


@pytest.mark.parametrize("method", ["TRACE", "FOO", "PROPFIND", "DELETE"])
def test_a_method_a_path_does_not_have_is_405_with_allow(target: Target, method: str) -> None:
    response = target.send(method, "/health")
    assert response.status_code == 405, (response.status_code, response.text[:200])
    assert "GET" in response.headers.get("allow", ""), dict(response.headers)
    assert_refusal_is_a_problem(response, method)


def test_an_epsilon_beyond_any_budget_in_the_terms_is_not_a_server_error(target: Target
                                                                         ) -> None:
    """A contract whose terms carry ``epsilon: "1e20"`` (a party may write anything there):
    its budget and datasets are answered, or refused as not a training contract."""
    world = target.world
    training = world.owner.call("GET", f"/contracts/{world.contracts['training']}")
    terms = copy.deepcopy(training["terms"])
    terms["privacy_budget"]["epsilon"] = "1e20"
    contract = world.owner.client.create_contract({
        "title": "Huge epsilon", "consumer_did": world.counterpart.did, "terms": terms,
        "valid_from": training["valid_from"], "valid_until": training["valid_until"]})
    for path in ("privacy-budget", "datasets"):
        response = target.send("GET", f"/api/v1/contracts/{contract['id']}/{path}")
        assert_refusal_is_a_problem(response, "GET")
