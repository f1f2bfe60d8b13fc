"""Sign-in: the challenge checks shared by both clients, token renewal before expiry, and
signers for did:web."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import httpx
import pytest

from cms_client import AsyncCmsClient, Ed25519Signer, EthereumSigner
from cms_client.errors import AuthenticationFailed
from tests.unit.sdk.server import BASE, ScriptedApi, problem

EXPIRES = datetime(2026, 12, 7, 6, 15, tzinfo=UTC).timestamp()


def did_challenge(nonce: str = "n0nce") -> dict:
    host = BASE.removeprefix("https://")
    text = (f"{host} wants you to sign in with your DID:\nsomeone\n\nURI: {BASE}\n"
            f"Nonce: {nonce}\nIssued At: 2026-12-07T06:00:00.000Z")
    return {"challenge": text, "nonce": nonce}


class SignInApi(ScriptedApi):
    """Issues a challenge and a new token (t1, t2, …) per sign-in, each for 15 minutes."""

    def __init__(self) -> None:
        super().__init__()
        self.tokens = 0
        self.answer("/api/v1/auth/challenge", lambda _: httpx.Response(200, json=did_challenge()))
        self.answer("/api/v1/auth/verify", self._token)
        self.answer("/api/v1/identities/me", lambda r: httpx.Response(
            200, json={"authorization": r.headers.get("authorization")}))

    def _token(self, request: httpx.Request) -> httpx.Response:
        self.tokens += 1
        return httpx.Response(200, json={
            "token": f"t{self.tokens}", "token_type": "Bearer", "did": "x",
            "expires_at": "2026-12-07T06:15:00.000Z"})

    def paths(self) -> list[str]:
        return [r.url.path.rsplit("/", 1)[1] for r in self.requests]


def test_the_client_signs_in_again_within_a_minute_of_expiry_and_not_before():
    api, now = SignInApi(), [EXPIRES - 600]
    client = api.client(token=None, clock=lambda: now[0])
    signer = Ed25519Signer()
    assert client.expires_at is None
    assert client.sign_in(signer) == "t1"
    assert client.expires_at == datetime(2026, 12, 7, 6, 15, tzinfo=UTC)
    assert client.me() == {"authorization": "Bearer t1"}
    now[0] = EXPIRES - 61
    assert client.me() == {"authorization": "Bearer t1"}
    now[0] = EXPIRES - 59
    assert client.me() == {"authorization": "Bearer t2"}
    assert api.paths() == ["challenge", "verify", "me", "me", "challenge", "verify", "me"]
    # The sign-in requests themselves carry no token.
    assert all("authorization" not in r.headers for r in api.requests
               if r.url.path.startswith("/api/v1/auth/"))


def test_a_token_set_by_hand_or_forgotten_at_logout_is_never_renewed():
    api, now = SignInApi(), [EXPIRES - 600]
    api.answer("/api/v1/auth/logout", httpx.Response(204))
    client = api.client(token=None, clock=lambda: now[0])
    client.sign_in(Ed25519Signer())
    client.token = "mine"
    now[0] = EXPIRES
    assert client.me() == {"authorization": "Bearer mine"}
    client.logout()
    assert client.token is None and api.tokens == 1


def test_the_async_client_renews_the_same_way_and_checks_the_challenge():
    api, now = SignInApi(), [EXPIRES - 600]

    async def scenario():
        async with api.async_client(token=None, clock=lambda: now[0]) as client:
            await client.sign_in(EthereumSigner())
            now[0] = EXPIRES - 30
            return await client.me()

    assert asyncio.run(scenario()) == {"authorization": "Bearer t2"}


def test_the_async_client_refuses_a_challenge_for_another_origin():
    api = SignInApi()
    relayed = did_challenge()
    relayed["challenge"] = relayed["challenge"].replace("cms.example.com", "evil.example")
    api.answers["/api/v1/auth/challenge"].clear()
    api.answer("/api/v1/auth/challenge", httpx.Response(200, json=relayed))

    async def scenario():
        async with api.async_client(token=None) as client:
            await client.sign_in(Ed25519Signer())

    with pytest.raises(ValueError, match="evil"):
        asyncio.run(scenario())
    assert api.tokens == 0


def test_signers_take_a_did_web_and_refuse_anything_else_as_one():
    web = "did:web:example.com%3A8443:users:ada"
    ed = Ed25519Signer(bytes(32), did=web)
    eth = EthereumSigner("0x" + "11" * 32, did="did:web:example.com")
    assert (ed.did, eth.did) == (web, "did:web:example.com")
    assert ed.public_key == Ed25519Signer(bytes(32)).public_key
    for wrong in ("did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
                  "did:web:", "did:web:exa mple.com"):
        with pytest.raises(ValueError, match="did:web"):
            Ed25519Signer(did=wrong)
    with pytest.raises(ValueError, match="pkh or ethr"):
        EthereumSigner(method="btc")
    assert EthereumSigner(method="ethr").did.startswith("did:ethr:0x")


class RenewalApi(SignInApi):
    """Each sign-in's token lasts an hour past EXPIRES, so one renewal is enough."""

    def _token(self, request: httpx.Request) -> httpx.Response:
        self.tokens += 1
        return httpx.Response(200, json={
            "token": f"t{self.tokens}", "token_type": "Bearer", "did": "x",
            "expires_at": "2026-12-07T07:15:00.000Z"})


def test_eight_threads_finding_the_token_due_together_sign_in_once():
    api = RenewalApi()
    # Every thread reads the clock (and finds the token due) before any of them goes on.
    barrier, seen = threading.Barrier(8, timeout=10), threading.local()

    def clock() -> float:
        if not getattr(seen, "waited", False):
            seen.waited = True
            barrier.wait()
        return EXPIRES - 30

    client = api.client(token=None, clock=clock)
    client.resume("t0", EXPIRES, Ed25519Signer())
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: client.me(), range(8)))
    assert api.paths().count("challenge") == 1 and api.tokens == 1
    assert answers == [{"authorization": "Bearer t1"}] * 8


def test_tasks_gathered_when_the_token_is_due_sign_in_once():
    api = RenewalApi()

    async def serve(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0)  # let the other tasks run while a sign-in is under way
        return api(request)

    async def scenario():
        http = httpx.AsyncClient(transport=httpx.MockTransport(serve))
        async with AsyncCmsClient(BASE, http=http, clock=lambda: EXPIRES - 30) as client:
            client.resume("t0", EXPIRES, EthereumSigner())
            return await asyncio.gather(*(client.me() for _ in range(8)))

    assert asyncio.run(scenario()) == [{"authorization": "Bearer t1"}] * 8
    assert api.paths().count("challenge") == 1


def test_a_resumed_token_is_used_as_is_until_due_then_renewed_with_its_signer():
    api, now = SignInApi(), [EXPIRES - 600]
    signer = Ed25519Signer()
    client = api.client(token=None, clock=lambda: now[0])
    client.resume("cached", EXPIRES, signer)
    assert (client.did, client.expires_at) == (signer.did, datetime(2026, 12, 7, 6, 15, tzinfo=UTC))
    assert client.me() == {"authorization": "Bearer cached"}
    now[0] = EXPIRES - 59
    assert client.me() == {"authorization": "Bearer t1"}
    assert api.paths() == ["me", "challenge", "verify", "me"]
    assert api.sent(1) == {"did": signer.did}


def refused(request: httpx.Request) -> httpx.Response:
    return problem(401, "invalid_token")


def me_answers(api: SignInApi, *answers) -> None:
    api.answers["/api/v1/identities/me"].clear()
    api.answer("/api/v1/identities/me", *answers)


def echo(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"authorization": request.headers["authorization"]})


def test_a_refused_token_of_a_sign_in_here_is_replaced_once_and_the_call_sent_again():
    api = SignInApi()
    me_answers(api, refused, echo)
    # Refused 200 s before its expiry by this clock: the API's clock may be ahead.
    client = api.client(token=None, clock=lambda: EXPIRES - 200)
    client.sign_in(Ed25519Signer())
    assert client.me() == {"authorization": "Bearer t2"}
    assert api.paths() == ["challenge", "verify", "me", "challenge", "verify", "me"]
    # Refused again after signing in again: the refusal stands (no loop).
    me_answers(api, refused)
    with pytest.raises(AuthenticationFailed):
        client.me()
    assert api.paths().count("challenge") == 3 and api.paths()[-3:] == ["challenge", "verify", "me"]


def test_a_token_refused_well_before_its_expiry_was_revoked_and_that_stands():
    api = SignInApi()
    me_answers(api, refused, echo)
    client = api.client(token=None, clock=lambda: EXPIRES - 600)
    client.sign_in(Ed25519Signer())
    with pytest.raises(AuthenticationFailed):
        client.me()  # "sign out everywhere", an admin ending sessions: not undone here
    assert api.paths() == ["challenge", "verify", "me"]


def test_a_refused_token_set_by_hand_is_a_refusal():
    api = SignInApi()
    me_answers(api, refused)
    client = api.client(token=None, clock=lambda: EXPIRES - 600)
    client.sign_in(Ed25519Signer())
    client.token = "mine"
    with pytest.raises(AuthenticationFailed):
        client.me()
    assert api.paths() == ["challenge", "verify", "me"]


def test_the_async_client_signs_in_again_after_a_refused_token():
    api = SignInApi()
    me_answers(api, refused, echo)

    async def scenario():
        async with api.async_client(token=None, clock=lambda: EXPIRES - 200) as client:
            client.resume("cached", EXPIRES, EthereumSigner())
            return await client.me()

    assert asyncio.run(scenario()) == {"authorization": "Bearer t1"}
    assert api.paths() == ["me", "challenge", "verify", "me"]
