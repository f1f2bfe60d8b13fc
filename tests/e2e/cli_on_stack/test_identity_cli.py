"""A person's first steps with ``cms``, typed as they would: a key made on this machine,
registered, a login kept until it expires, whoami, logout; then a command asks for a login."""

from __future__ import annotations

import json
import stat

import pytest

pytestmark = pytest.mark.e2e

PASSPHRASE = {"CMS_KEY_PASSPHRASE": "a long passphrase for the CLI"}


def test_key_register_login_whoami_logout(run_cms, cli_home) -> None:
    created = json.loads(run_cms("key", "create", "me", env=PASSPHRASE, check=True).stdout)
    assert created["did"].startswith("did:key:z6Mk")
    registered = json.loads(run_cms("register", "--name", "CLI user", env=PASSPHRASE,
                                    check=True).stdout)
    assert registered["did"] == created["did"]

    login = run_cms("login", env=PASSPHRASE, check=True)
    signed_in = json.loads(login.stdout)
    assert signed_in["did"] == created["did"] and "token" not in signed_in
    cached = json.loads((cli_home / "tokens.json").read_text())["default"]
    assert cached["token"] not in login.stdout + login.stderr  # never printed unasked
    assert stat.S_IMODE((cli_home / "tokens.json").stat().st_mode) == 0o600

    # The cached login serves without the key's passphrase.
    me = json.loads(run_cms("whoami", check=True).stdout)
    assert (me["did"], me["name"]) == (created["did"], "CLI user")
    assert json.loads(run_cms("identity", "me", check=True).stdout)["did"] == created["did"]
    events = json.loads(run_cms("identity", "events", created["did"], check=True).stdout)
    assert events[0]["type"] == "identity.registered"

    assert json.loads(run_cms("logout", check=True).stdout) == {"logged_out": True}
    assert "default" not in json.loads((cli_home / "tokens.json").read_text())
    # The revoked token is gone; without a passphrase to open the key, a command exits 4.
    refused = run_cms("whoami")
    assert refused.returncode == 4, refused.stderr
    assert "cms login" in refused.stderr and refused.stdout == ""
    # With one, the CLI signs in again by itself (scripts set CMS_KEY_PASSPHRASE).
    again = json.loads(run_cms("whoami", env=PASSPHRASE, check=True).stdout)
    assert again["did"] == created["did"]


def test_a_token_in_cms_token_still_works_without_any_profile(run_cms, new_party) -> None:
    party = new_party("ed25519")
    me = json.loads(run_cms("whoami", token=party.client.token, check=True).stdout)
    assert me["did"] == party.did
    assert json.loads(run_cms("logout", token=party.client.token, check=True).stdout) == {
        "logged_out": True}
