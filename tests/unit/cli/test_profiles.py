"""Profiles (which URL, key and output a command uses) and the token cache (when a login is
reused, renewed, or a command exits 4)."""

from __future__ import annotations

import json
import stat
import time
from pathlib import Path

import httpx
import jwt
import pytest

from cms_client.cli import config
from cms_client.cli.config import CachedToken, TokenCache
from cms_client.cli.exit_codes import CliError, ExitCode
from cms_client.cli.keystore import KeyStore
from cms_client.cli.output import OutputFormat, Printer
from cms_client.cli.session import DEFAULT_URL, CliSession
from cms_client.client import CmsClient
from tests.unit.cli.identity_support import cms, home, serve  # noqa: F401 (a fixture)

URL = "http://api.test"


def session(profile: str | None = None, url: str | None = None) -> CliSession:
    return CliSession(printer=Printer(OutputFormat.JSON), url_option=url, profile_name=profile)


def test_the_url_comes_from_the_option_then_the_profile_then_the_default(home, capsys):  # noqa: F811
    assert session().api_url == DEFAULT_URL
    assert cms(capsys, "profile", "set", "--url", "https://cms.example/")[0] == 0
    assert session().api_url == "https://cms.example"
    assert session(url="http://other:1").api_url == "http://other:1"


def test_the_profile_comes_from_the_option_then_the_current_one(home, capsys, monkeypatch):  # noqa: F811
    assert cms(capsys, "profile", "set", "staging", "--url", "https://staging.example")[0] == 0
    assert cms(capsys, "profile", "set", "prod", "--url", "https://prod.example",
               "--output", "jsonl")[0] == 0
    assert session().profile.name == "default"
    assert cms(capsys, "profile", "use", "staging")[1]["current"] is True
    assert session().api_url == "https://staging.example"
    assert session("prod").api_url == "https://prod.example"
    # --profile on the command line, CMS_PROFILE in the environment, each over the current.
    assert cms(capsys, "--profile", "prod", "profile", "show")[1]["effective_url"] == (
        "https://prod.example")
    monkeypatch.setenv("CMS_PROFILE", "prod")
    assert cms(capsys, "profile", "show")[1]["name"] == "prod"
    monkeypatch.delenv("CMS_PROFILE")
    listed = cms(capsys, "profile", "list")[1]
    assert [(p["name"], p["current"]) for p in listed] == [
        ("prod", False), ("staging", True)]
    assert cms(capsys, "profile", "delete", "--yes", "staging")[0] == 0
    assert session().profile.name == "default"
    assert stat.S_IMODE((home / "config.toml").stat().st_mode) == 0o600


def test_a_profile_output_applies_unless_o_says_otherwise(home, capsys):  # noqa: F811
    from cms_client.cli import main

    assert cms(capsys, "profile", "set", "--output", "jsonl")[0] == 0
    assert main(["profile", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["output"] == "jsonl"


def test_profile_set_refuses_an_unknown_key_and_a_bad_url(home, capsys):  # noqa: F811
    code, _, err = cms(capsys, "profile", "set", "--key", "nobody")
    assert code == 1 and "no key named 'nobody'" in err
    assert cms(capsys, "profile", "set", "--url", "ftp://x")[0] == 1
    assert cms(capsys, "profile", "set", "../evil", "--url", "http://x")[0] == 1


def test_a_cached_token_is_used_only_with_more_than_60_s_left_for_its_url(home):  # noqa: F811
    clock = [1000.0]
    cache = TokenCache(clock=lambda: clock[0])
    cache.put("default", CachedToken("t", "did:key:z", 1100.0, URL))
    assert cache.usable("default", URL).token == "t"
    assert cache.usable("default", "http://elsewhere") is None
    clock[0] = 1040.0  # exactly 60 s left: not enough for a command's last request
    assert cache.usable("default", URL) is None
    assert cache.get("default").token == "t"  # still there, for logout to revoke
    cache.forget("default")
    assert cache.get("default") is None
    assert stat.S_IMODE(cache.path.stat().st_mode) == 0o600


def _sign_in_api(expires_at: float, calls: list[str]) -> httpx.MockTransport:
    """The sign-in routes, answering as the API does for a challenge bound to URL."""
    token = jwt.encode({"exp": int(expires_at), "sub": "x"}, "k" * 32, algorithm="HS256")

    def answer(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        body = json.loads(request.content or b"{}")
        if request.url.path.endswith("/challenge"):
            text = (f"api.test wants you to sign in with your DID:\n{body['did']}\n\n"
                    f"URI: {URL}\nVersion: 1\nNonce: n0nce\nIssued At: 2026-12-07T00:00:00Z")
            return httpx.Response(200, json={"challenge": text, "nonce": "n0nce",
                                             "expires_at": "2026-12-07T00:05:00Z"})
        return httpx.Response(200, json={"token": token, "token_type": "Bearer",
                                         "did": body["did"], "expires_at": "x"})

    return httpx.MockTransport(answer)


@pytest.fixture
def with_key(home, monkeypatch):  # noqa: F811
    monkeypatch.setenv("CMS_KEY_PASSPHRASE", "pw")
    entry = KeyStore().add_ed25519("me", bytes(range(32)), "pw")
    monkeypatch.setenv("CMS_KEY", "me")
    return entry


def test_stored_token_reuses_then_renews_then_exits_4(with_key, monkeypatch):
    clock = [time.time()]
    monkeypatch.setattr(config, "now", lambda: clock[0])
    calls: list[str] = []
    client = CmsClient(URL, http=httpx.Client(transport=_sign_in_api(clock[0] + 900, calls)))
    cli = session(url=URL)

    first = cli._stored_token(client)  # nothing cached: signs in with the key
    assert calls == ["/api/v1/auth/challenge", "/api/v1/auth/verify"]
    assert TokenCache().get("default").did == with_key.did
    assert cli._stored_token(client) == first and len(calls) == 2  # cached: no request

    clock[0] += 850  # 50 s left: signs in again
    cli._stored_token(client)
    assert len(calls) == 4

    clock[0] += 2000  # expired, and no way to open the key without a prompt
    monkeypatch.delenv("CMS_KEY_PASSPHRASE")
    with pytest.raises(CliError) as refused:
        cli._stored_token(client)
    assert refused.value.exit_code == ExitCode.AUTH and "cms login" in str(refused.value)
    assert len(calls) == 4


def test_a_command_without_any_login_exits_4(home, capsys):  # noqa: F811
    code, _, err = cms(capsys, "--url", URL, "whoami")
    assert code == ExitCode.AUTH and "cms login" in err


def test_signer_names_what_to_do_without_a_key(home):  # noqa: F811
    with pytest.raises(CliError, match="cms key create"):
        session().signer()


def test_the_signer_is_the_profile_key_unless_cms_key_says(with_key, monkeypatch, capsys):
    KeyStore().add_eth("other", "0x" + "33" * 32, "pw", chain_id=31337)
    assert session().signer().did == with_key.did  # CMS_KEY=me
    monkeypatch.delenv("CMS_KEY")
    assert cms(capsys, "profile", "set", "--key", "other")[0] == 0
    assert session().signer().did.startswith("did:pkh:eip155:31337:")


def test_the_configuration_directory_is_created_private(home: Path, capsys):  # noqa: F811
    assert not home.exists()
    assert cms(capsys, "profile", "set", "--url", "http://x:1")[0] == 0
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert stat.S_IMODE(home.parent.stat().st_mode) == 0o700


def test_logout_revokes_the_cached_token_at_its_url_and_forgets_it(home, capsys, monkeypatch):  # noqa: F811
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(204)

    serve(monkeypatch, answer)
    monkeypatch.delenv("CMS_TOKEN")
    cache = TokenCache()
    cache.put("default", CachedToken("cached-token", "did:key:z", time.time() + 600, URL))
    code, out, _ = cms(capsys, "logout")
    assert (code, out) == (0, {"logged_out": True})
    assert [(r.method, str(r.url), r.headers["authorization"]) for r in sent] == [
        ("POST", f"{URL}/api/v1/auth/logout", "Bearer cached-token")]
    assert cache.get("default") is None
    # An expired login is only forgotten; none at all is said so.
    cache.put("default", CachedToken("old", "did:key:z", time.time() - 1, URL))
    assert cms(capsys, "logout")[1] == {"logged_out": True} and len(sent) == 1
    code, out, err = cms(capsys, "logout")
    assert (code, out) == (0, {"logged_out": False}) and "not logged in" in err


def test_a_login_of_another_key_is_not_used(with_key, monkeypatch):
    calls: list[str] = []
    client = CmsClient(URL, http=httpx.Client(transport=_sign_in_api(time.time() + 900, calls)))
    TokenCache().put("default", CachedToken("someone-elses", "did:key:other",
                                            time.time() + 900, URL))
    assert session(url=URL)._stored_token(client) != "someone-elses"
    assert TokenCache().get("default").did == with_key.did and len(calls) == 2
