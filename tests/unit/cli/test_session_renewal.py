"""A login kept in the token cache is renewed like a new sign-in's when the key opens without
a prompt that is not there: the key is opened only when the renewal is due, and the renewed
token is cached for the next command."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from cms_client.cli import config, keystore
from cms_client.cli import session as session_module
from cms_client.cli.config import CachedToken, TokenCache
from cms_client.cli.keystore import KeyStore
from cms_client.client import CmsClient
from tests.unit.cli.identity_support import cms, contract, home  # noqa: F401 (a fixture)

URL = "http://api.test"
START = 1_796_630_400.0  # 2026-12-07T08:00:00Z
RENEWED_UNTIL = "2026-12-07T08:15:00Z"


class Api:
    """Two pages of contracts; serving the first moves the clock ``advance`` seconds on.
    Sign-in answers as the API does for a challenge bound to URL."""

    def __init__(self, clock: list[float], advance: float) -> None:
        self.clock, self.advance = clock, advance
        self.sent: list[tuple[str, str | None]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        self.sent.append((path.rsplit("/", 1)[1], request.headers.get("authorization")))
        body = json.loads(request.content or b"{}")
        if path.endswith("/challenge"):
            text = (f"api.test wants you to sign in with your DID:\n{body['did']}\n\n"
                    f"URI: {URL}\nVersion: 1\nNonce: n0nce\nIssued At: 2026-12-07T08:00:00Z")
            return httpx.Response(200, json={"challenge": text, "nonce": "n0nce"})
        if path.endswith("/verify"):
            return httpx.Response(200, json={"token": "renewed", "token_type": "Bearer",
                                             "did": body["did"], "expires_at": RENEWED_UNTIL})
        if "cursor" not in request.url.params:
            self.clock[0] += self.advance
            return httpx.Response(200, json={"items": [contract("c1")], "next_cursor": "p2"})
        return httpx.Response(200, json={"items": [contract("c2")], "next_cursor": None})


@pytest.fixture
def clock(home, monkeypatch: pytest.MonkeyPatch) -> list[float]:  # noqa: F811
    now = [START]
    monkeypatch.setattr(config, "now", lambda: now[0])
    return now


def serve(monkeypatch: pytest.MonkeyPatch, api: Api) -> None:
    def client(base_url: str, **options: Any) -> CmsClient:
        return CmsClient(base_url, http=httpx.Client(transport=httpx.MockTransport(api)),
                         clock=lambda: api.clock[0], **options)

    monkeypatch.setattr(session_module, "CmsClient", client)


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the keys opened (their KDF run)."""
    names: list[str] = []
    signer = KeyStore.signer

    def counted(store: KeyStore, name: str, passphrase: str) -> Any:
        names.append(name)
        return signer(store, name, passphrase)

    monkeypatch.setattr(KeyStore, "signer", counted)
    return names


def cached_login(did: str, expires_in: float) -> None:
    TokenCache().put("default", CachedToken("cached", did, START + expires_in, URL))


def test_a_cached_token_that_comes_due_mid_command_is_renewed_and_cached(
        clock, monkeypatch, capsys, opened) -> None:
    monkeypatch.setenv("CMS_KEY_PASSPHRASE", "pw")
    entry = KeyStore().add_ed25519("me", bytes(range(32)), "pw")
    monkeypatch.setenv("CMS_KEY", "me")
    cached_login(entry.did, expires_in=70)  # accepted: more than 60 s left
    api = Api(clock, advance=120)  # past expiry by the second page
    serve(monkeypatch, api)
    code, out, _ = cms(capsys, "--url", URL, "contract", "list")
    assert code == 0 and [c["id"] for c in out] == ["c1", "c2"]
    assert api.sent == [("contracts", "Bearer cached"), ("challenge", None),
                        ("verify", None), ("contracts", "Bearer renewed")]
    assert opened == ["me"]
    renewed = TokenCache().get("default")
    assert (renewed.token, renewed.did, renewed.url) == ("renewed", entry.did, URL)
    assert renewed.expires_at == START + 900


def test_a_command_that_never_renews_never_opens_the_key(
        clock, monkeypatch, capsys, opened) -> None:
    monkeypatch.setenv("CMS_KEY_PASSPHRASE", "pw")
    entry = KeyStore().add_eth("me", "0x" + "11" * 32, "pw")
    monkeypatch.setenv("CMS_KEY", "me")
    cached_login(entry.did, expires_in=600)
    api = Api(clock, advance=10)
    serve(monkeypatch, api)
    assert cms(capsys, "--url", URL, "contract", "list")[0] == 0
    assert [path for path, _ in api.sent] == ["contracts", "contracts"]
    assert opened == [] and TokenCache().get("default").token == "cached"


def test_without_a_way_to_open_the_key_the_cached_token_is_only_used(
        clock, monkeypatch, capsys, opened) -> None:
    entry = KeyStore().add_ed25519("me", bytes(range(32)), "pw")
    monkeypatch.setenv("CMS_KEY", "me")
    monkeypatch.setattr(keystore, "passphrase_available", lambda: False)
    monkeypatch.setattr(session_module, "passphrase_available", lambda: False)
    cached_login(entry.did, expires_in=70)
    api = Api(clock, advance=120)
    serve(monkeypatch, api)
    assert cms(capsys, "--url", URL, "contract", "list")[0] == 0
    assert api.sent == [("contracts", "Bearer cached"), ("contracts", "Bearer cached")]
    assert opened == [] and TokenCache().get("default").token == "cached"


class RevokedApi(Api):
    """Refuses the cached token (its sessions were revoked elsewhere)."""

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.headers.get("authorization") == "Bearer cached":
            self.sent.append(("refused", "Bearer cached"))
            return httpx.Response(401, json={"status": 401, "code": "invalid_token",
                                             "detail": "revoked"})
        return super().__call__(request)


def test_a_refused_cached_token_is_replaced_by_signing_in_once(
        clock, monkeypatch, capsys, opened) -> None:
    monkeypatch.setenv("CMS_KEY_PASSPHRASE", "pw")
    entry = KeyStore().add_ed25519("me", bytes(range(32)), "pw")
    monkeypatch.setenv("CMS_KEY", "me")
    cached_login(entry.did, expires_in=200)  # refused this near its expiry: expired there
    api = RevokedApi(clock, advance=0)
    serve(monkeypatch, api)
    code, out, _ = cms(capsys, "--url", URL, "contract", "list")
    assert code == 0 and [c["id"] for c in out] == ["c1", "c2"]
    assert [path for path, _ in api.sent] == ["refused", "challenge", "verify", "contracts",
                                              "contracts"]
    assert opened == ["me"] and TokenCache().get("default").token == "renewed"
