"""One of everything the API serves, owned by a signed-in party, for the API contract tests.

A fuzzer that only knows the OpenAPI document draws identifiers nobody owns and gets 404s; aimed
at these resources it reaches the success paths as well: contracts in every state (a few of them
set aside for the one action that moves each on), a template, webhooks with a delivery, training
jobs, an engine contract, an attachment. The owner is the bootstrap admin, so admin-only routes
(template authoring, identity administration) are reachable too; a stranger with no relation to
any of it is the second signed-in party.
"""

from __future__ import annotations

import json
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol

from cms_client import ApiError, CmsClient, Ed25519Signer, EthereumSigner
from tests.e2e.test_templates_api import custom_definition, training_variables


class Signer(Protocol):
    @property
    def did(self) -> str: ...

    def sign_message(self, text: str) -> str: ...

    def sign_contract(self, payload: dict[str, Any]) -> str: ...


@dataclass
class Actor:
    """A registered, signed-in identity; ``client`` carries its current token."""

    name: str
    signer: Signer
    client: CmsClient

    @property
    def did(self) -> str:
        return self.signer.did

    @property
    def token(self) -> str:
        assert self.client.token is not None
        return self.client.token

    def call(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        return self.client._call(method, f"/api/v1{path}", body, params=params or None)


@dataclass
class World:
    url: str
    owner: Actor
    counterpart: Actor
    stranger: Actor
    # Identity administration acts on this one, never on the owner: a fuzzed PATCH may suspend
    # it or take its roles away.
    subject: Actor
    # Contract ids by label: every state, plus one set aside for each state-changing action.
    contracts: dict[str, str] = field(default_factory=dict)
    template_id: str = ""
    webhook_id: str = ""
    webhook_to_delete: str = ""
    # Disabled, enabled and given new secrets by the fuzzer (the owner's first one keeps
    # receiving, so its delivery stays replayable).
    webhook_to_change: str = ""
    delivery_id: str = ""
    attachment_id: str = ""
    jobs: dict[str, str] = field(default_factory=dict)
    engine_address: str = ""
    dataset_ids: list[str] = field(default_factory=list)
    # An owner signature over the "to_sign" contract's payload, made but not sent.
    owner_signature: str = ""
    template_variables: dict[str, Any] = field(default_factory=dict)

    def actors(self) -> list[Actor]:
        return [self.owner, self.counterpart, self.stranger, self.subject]

    def refresh_tokens(self) -> None:
        for actor in self.actors():
            actor.client.sign_in(actor.signer)


STATES = ("draft", "review", "signed", "active", "completed", "terminated", "expired")


def sign_in(url: str, name: str, signer: Signer) -> Actor:
    client = CmsClient(url)
    client.register(signer)  # type: ignore[arg-type]
    client.sign_in(signer)  # type: ignore[arg-type]
    return Actor(name, signer, client)


def plain_contract(owner: Actor, consumer: Actor, *, starts_in: float = -60,
                   lasts: float = 30 * 86400) -> dict[str, Any]:
    now = datetime.now(UTC)
    return owner.client.create_contract({
        "title": "Conformance fixture", "description": "Made for the API contract tests",
        "consumer_did": consumer.did,
        "terms": {"purpose": "testing", "price": {"amount": 100, "currency": "EUR"}},
        "valid_from": (now + timedelta(seconds=starts_in)).isoformat(),
        "valid_until": (now + timedelta(seconds=lasts)).isoformat(),
        "metadata": {"suite": "conformance"}})


def advance(provider: Actor, consumer: Actor, contract_id: str, to: str) -> str:
    """Move a draft on to ``to`` the way parties do."""
    if to == "draft":
        return contract_id
    if to == "terminated":
        provider.client.transition(contract_id, "terminate", {"reason": "fixture"})
        return contract_id
    provider.client.transition(contract_id, "submit")
    if to == "review":
        return contract_id
    provider.client.sign_contract(contract_id, provider.signer)  # type: ignore[arg-type]
    consumer.client.sign_contract(contract_id, consumer.signer)  # type: ignore[arg-type]
    if to == "signed":
        return contract_id
    try:
        provider.client.transition(contract_id, "activate")
    except ApiError:  # the platform activates at valid_from, and may have been first
        if provider.client.get_contract(contract_id)["status"] != "active":
            raise
    if to == "completed":
        provider.client.transition(contract_id, "complete")
    return contract_id


def status_becomes(actor: Actor, contract_id: str, status: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while (current := actor.client.get_contract(contract_id)["status"]) != status:
        assert time.monotonic() < deadline, f"{contract_id} still {current}, not {status}"
        time.sleep(0.5)


def eventually(probe: Callable[[], Any], what: str, timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        try:
            found = probe()
        except ApiError:
            found = None
        if found:
            return found
        assert time.monotonic() < deadline, f"{what}: not there after {timeout:g}s"
        time.sleep(0.5)


class _Receiver(BaseHTTPRequestHandler):
    """A webhook endpoint that takes every delivery."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@contextmanager
def webhook_receiver(certificate: str, key: str) -> Iterator[int]:
    """An HTTPS receiver on loopback (the stack trusts the test CA); yields its port."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate, key)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    server.daemon_threads = True
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True, name="webhook-receiver").start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def build_world(url: str, admin_signer: Signer, receiver_port: int) -> World:
    """Everything below, made through the public API in a few seconds (the platform's
    expiry takes the longest; it runs while the rest is made)."""
    world = World(
        url=url, owner=sign_in(url, "owner", admin_signer),
        counterpart=sign_in(url, "counterpart", Ed25519Signer()),
        stranger=sign_in(url, "stranger", EthereumSigner(chain_id=31337)),
        subject=sign_in(url, "subject", Ed25519Signer()))
    owner, other = world.owner, world.counterpart
    # Webhooks first: the contracts made below give the owner's webhook its deliveries.
    hook = owner.call("POST", "/webhooks", {"url": f"https://localhost:{receiver_port}/fuzz"})
    world.webhook_id = hook["id"]
    world.webhook_to_delete = owner.call(
        "POST", "/webhooks", {"url": f"https://localhost:{receiver_port}/deleted"})["id"]
    world.webhook_to_change = owner.call(
        "POST", "/webhooks", {"url": f"https://localhost:{receiver_port}/changed"})["id"]

    # Signed, valid from a minute ago for a few seconds: the platform activates it and then
    # expires it while the rest is made.
    expiring = plain_contract(owner, other, lasts=20)["id"]
    advance(owner, other, expiring, "signed")
    for state in STATES[:-1]:
        starts_in = 3600 if state == "signed" else -60  # valid later: it stays signed
        contract_id = plain_contract(owner, other, starts_in=starts_in)["id"]
        world.contracts[state] = advance(owner, other, contract_id, state)
    world.contracts["expired"] = expiring
    for label, state in (("to_submit", "draft"), ("to_request_changes", "review"),
                         ("to_sign", "review"), ("to_activate", "signed"),
                         ("to_complete", "active"), ("to_terminate", "draft")):
        world.contracts[label] = advance(owner, other, plain_contract(owner, other)["id"], state)
    to_sign = world.contracts["to_sign"]
    world.owner_signature = owner.signer.sign_contract(
        owner.call("GET", f"/contracts/{to_sign}/signing-payload"))

    _templates(world)
    _training(world)
    world.engine_address = owner.client.deploy_engine_contract(
        "erc20", name="Conformance credits",
        init_args={"name": "Conformance credits", "symbol": "CCR", "decimals": 18,
                   "initial_supply": str(10**24)})["address"]
    world.delivery_id = eventually(
        lambda: owner.call("GET", f"/webhooks/{world.webhook_id}/deliveries")["items"][0]["id"],
        "a webhook delivery")
    status_becomes(owner, expiring, "expired")
    return world


def _templates(world: World) -> None:
    owner, other = world.owner, world.counterpart
    world.template_id = f"conformance_{time.time_ns()}"
    definition = custom_definition()
    owner.client.create_template({"id": world.template_id, **definition})
    world.template_variables = definition["example"]
    from_template = owner.client.create_contract({
        "template_id": "ai_training", "consumer_did": other.did,
        "variables": training_variables()})["id"]
    world.contracts["draft_from_template"] = from_template
    attachment = owner.client.attach(from_template, "notes.txt", "text/plain", b"fixture\n")
    eventually(lambda: owner.call("GET", f"/contracts/{from_template}/attachments/{attachment}"),
               "the attachment's registration")
    world.attachment_id = attachment


def _training(world: World) -> None:
    """Two active AI-training contracts: the owner is the consumer of one (jobs) and the
    provider of the other (datasets). Their enclave measurement is the template example's,
    which no local enclave has, so a job the parent service picks up fails at once instead of
    training; the caller keeps the service paused while the jobs should stay pending."""
    owner, other = world.owner, world.counterpart
    variables = training_variables()
    world.dataset_ids = [dataset["id"] for dataset in variables["datasets"]]
    consumed = other.client.create_contract({
        "template_id": "ai_training", "consumer_did": owner.did, "variables": variables})["id"]
    provided = owner.client.create_contract({
        "template_id": "ai_training", "consumer_did": other.did, "variables": variables})["id"]
    world.contracts["training"] = advance(other, owner, consumed, "active")
    world.contracts["training_provided"] = advance(owner, other, provided, "active")
    for label in ("pending", "to_stop"):
        world.jobs[label] = owner.call("POST", "/training-jobs", {
            "contract_id": consumed, "model": "mnist_cnn",
            "config": {"epochs": 1, "epsilon": 0.5, "batch_size": 400, "lr": 1.0}})["id"]


def _sign_in_as_a_client_would(actor: Actor, attempts: int = 6) -> str:
    """Sign in, waiting out the per-DID sign-in limit (tested at its production value) as a
    client honouring Retry-After would: a run that outlasts its tokens, or whose fuzzing
    revokes them, signs in again more often than a person does."""
    for attempt in range(attempts):
        try:
            return actor.client.sign_in(actor.signer)
        except ApiError as error:
            if error.status != 429 or attempt == attempts - 1:
                raise
            time.sleep(min(error.retry_after or 5, 30))
    raise AssertionError("unreachable")


class SignInRelay:
    """Signs each actor in afresh on request, for a fuzzer whose run may outlast a token.

    schemathesis logs in through an endpoint (Web Fuzzing Commons' ``externalEndpointURL``)
    but cannot sign a challenge; this loopback endpoint does the challenge and the signature
    with the actor's key and answers ``{"token": ...}``.
    """

    def __init__(self, world: World) -> None:
        actors = {actor.name: actor for actor in world.actors()}
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                actor = actors.get(self.path.strip("/"))
                if actor is None:
                    self.send_error(404)
                    return
                with lock:  # the fuzzer's workers re-authenticate at once after a revocation
                    token = _sign_in_as_a_client_would(actor)
                body = json.dumps({"token": token}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                """Quiet."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> SignInRelay:
        threading.Thread(target=self._server.serve_forever, daemon=True,
                         name="sign-in-relay").start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()
