"""Signing in, in Chromium against the local stack: with a wallet (the first sign-in
registers) and with an Ed25519 key made in the browser, exported as an encrypted file and
imported elsewhere; refusals in words (a wrong passphrase, a wallet that will not sign); a
revoked session leads to sign-in and back; signing out revokes the token."""

from __future__ import annotations

import base64
import json
import re
import time
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from nacl.signing import SigningKey

from cms.config import Settings
from cms.domain.did import did_key_from_ed25519
from tests.browser.wallet import TestWallet

PASSPHRASE = "Four unrelated words, 2 numbers!"
# A passphrase field's label; Mantine marks a required one with " *".
PASSPHRASE_FIELD = re.compile(r"^Passphrase( \*)?$")
# The authorizer may cache a token's "allow" this long after it is revoked (test_sessions_api).
AUTHORIZER_CACHE_S = Settings().authorizer_cache_ttl_s


def did_of_encrypted_file(text: str, passphrase: str) -> str:
    """Opens a key file the browser exported, as a Python program would (docs/web.md)."""
    file = json.loads(text)
    assert set(file) == {"type", "version", "did", "publicKey", "encrypted"}
    encrypted = file["encrypted"]
    assert (encrypted["kdf"], encrypted["cipher"], encrypted["iterations"]) == (
        "PBKDF2-SHA256", "AES-256-GCM", 600_000)
    key = PBKDF2HMAC(algorithm=hashes.SHA256(), length=32, salt=unb64url(encrypted["salt"]),
                     iterations=encrypted["iterations"]).derive(passphrase.encode())
    seed = AESGCM(key).decrypt(unb64url(encrypted["iv"]), unb64url(encrypted["ciphertext"]), None)
    did = did_key_from_ed25519(bytes(SigningKey(seed).verify_key))
    assert did == file["did"]
    return did


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def stored_key_records(page: Any) -> list[str]:
    """What this browser's IndexedDB holds for its keys (web/src/auth/keystore.ts)."""
    return page.evaluate("""() => new Promise((resolve, reject) => {
        const open = indexedDB.open("cms-keys");
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const all = open.result.transaction("ed25519").objectStore("ed25519").getAll();
          all.onsuccess = () => resolve(all.result);
          all.onerror = () => reject(all.error);
        };
      })""")


def session_of(page: Any) -> dict[str, Any]:
    return page.evaluate("() => JSON.parse(sessionStorage.getItem('cms.session'))")


def me(stack: Any, token: str) -> httpx.Response:
    return httpx.get(stack.url + "/api/v1/identities/me",
                     headers={"Authorization": f"Bearer {token}"}, timeout=30)


def after_the_authorizer_cache() -> None:
    time.sleep(AUTHORIZER_CACHE_S + 1)  # a wait for the bound, not a timing assertion


def open_sign_in(page: Any, base_url: str, next_path: str = "/account") -> None:
    page.goto(f"{base_url}/sign-in?next={next_path.replace('/', '%2F')}")
    page.get_by_role("heading", name="Sign in", level=1).wait_for()


def key_tab(page: Any) -> None:
    page.get_by_role("tab", name="Use a key in this browser").click()


def create_key(page: Any) -> None:
    key_tab(page)
    page.get_by_role("button", name="Create a new key").wait_for()
    page.get_by_label(PASSPHRASE_FIELD).fill(PASSPHRASE)
    page.get_by_label("Repeat the passphrase").fill(PASSPHRASE)
    page.get_by_role("button", name="Create key and sign in").click()


def short(did: str) -> str:
    """As the UI shortens a DID (web/src/auth/shortDid.ts)."""
    return f"{did[:16]}…{did[-8:]}"


def account_button(page: Any, did: str) -> Any:
    return page.get_by_role("button", name=f"Account: {short(did)}")


def landed_on_account(page: Any, stack: Any) -> str:
    page.get_by_role("heading", name="Account and keys").wait_for()
    assert page.url == stack.url + "/account"
    return session_of(page)["did"]


def test_a_first_wallet_sign_in_registers_and_lands_on_next(
        person, stack, assert_accessible, screenshot) -> None:
    wallet = TestWallet()
    visitor = person(wallet=wallet)
    open_sign_in(visitor.page, stack.url)
    button = visitor.page.get_by_role("button", name="Sign in with Test Wallet")
    button.wait_for()
    assert_accessible(visitor.page)
    screenshot(visitor.page, "sign-in-wallet")
    button.click()
    assert landed_on_account(visitor.page, stack) == wallet.did
    signed = [params[0] for method, params in wallet.requests if method == "personal_sign"]
    assert len(signed) == 1
    text = bytes.fromhex(signed[0][2:]).decode()
    assert text.startswith(f"{stack.url.removeprefix('http://')} wants you to sign in with your "
                           f"Ethereum account:\n{wallet.address}\n")
    session = session_of(visitor.page)
    assert session["keyKind"] == "ethereum"
    assert me(stack, session["token"]).json()["did"] == wallet.did  # registered, signed in
    visitor.page.get_by_role("cell", name=wallet.address).wait_for()
    assert_accessible(visitor.page)
    screenshot(visitor.page, "account")
    account_button(visitor.page, wallet.did).click()
    visitor.page.get_by_text("Wallet (Ethereum)", exact=True).wait_for()
    # Checked once the popover has faded in: mid-fade, its text has too little contrast.
    visitor.page.wait_for_function(
        "() => [...document.querySelectorAll('.mantine-Popover-dropdown')]"
        ".some(e => getComputedStyle(e).opacity === '1')")
    assert_accessible(visitor.page)
    screenshot(visitor.page, "account-menu")
    assert visitor.console_errors == []


def test_a_browser_key_signs_in_and_its_exported_file_signs_in_elsewhere(
        person, stack, assert_accessible, screenshot, tmp_path) -> None:
    first = person()
    open_sign_in(first.page, stack.url)
    key_tab(first.page)
    first.page.get_by_role("button", name="Create key and sign in").wait_for()
    first.page.get_by_label(PASSPHRASE_FIELD).fill("short")
    first.page.get_by_text("Strength: too short").wait_for()
    assert_accessible(first.page)
    screenshot(first.page, "create-key")
    first.page.get_by_label(PASSPHRASE_FIELD).fill("")
    create_key(first.page)
    did = landed_on_account(first.page, stack)
    assert did.startswith("did:key:z6Mk")
    assert me(stack, session_of(first.page)["token"]).json()["did"] == did
    with first.page.expect_download() as download:
        first.page.get_by_role("button", name="Export key file (encrypted)").click()
    key_file = tmp_path / "key.json"
    download.value.save_as(key_file)
    assert did_of_encrypted_file(key_file.read_text(), PASSPHRASE) == did  # Python opens it

    second = person(phone=True)
    open_sign_in(second.page, stack.url)
    key_tab(second.page)
    second.page.get_by_role("button", name="Import a key file").click()
    second.page.locator("input[type=file]").set_input_files(str(key_file))
    second.page.get_by_text("A passphrase-protected key for").wait_for()
    second.page.get_by_label("The file's passphrase").fill("not the passphrase")
    second.page.get_by_role("button", name="Import and sign in").click()
    second.page.get_by_text("That passphrase does not unlock this key.").wait_for()
    assert_accessible(second.page)
    screenshot(second.page, "import-wrong-passphrase-phone")
    assert second.page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    second.page.get_by_label("The file's passphrase").fill(PASSPHRASE)
    second.page.get_by_role("button", name="Import and sign in").click()
    assert landed_on_account(second.page, stack) == did
    assert first.console_errors == [] and second.console_errors == []


def test_a_plain_key_file_from_python_is_kept_encrypted_and_signs_in(
        person, stack, tmp_path) -> None:
    seed = bytes(range(32, 64))
    public_key = bytes(SigningKey(seed).verify_key)
    did = did_key_from_ed25519(public_key)
    key_file = tmp_path / "party.json"  # the plain form the demo writes
    key_file.write_text(json.dumps({"type": "cms-ed25519-key", "version": 1, "did": did,
                                    "publicKey": public_key.hex(), "privateKey": seed.hex()}))
    visitor = person()
    open_sign_in(visitor.page, stack.url)
    key_tab(visitor.page)
    visitor.page.get_by_role("button", name="Import a key file").click()
    visitor.page.locator("input[type=file]").set_input_files(str(key_file))
    visitor.page.get_by_text("A plain (unprotected) key for").wait_for()
    visitor.page.get_by_label(re.compile(r"^Passphrase to keep it encrypted here")).fill(PASSPHRASE)
    visitor.page.get_by_label(re.compile(r"^Repeat the passphrase to keep")).fill(PASSPHRASE)
    visitor.page.get_by_role("button", name="Import and sign in").click()
    assert landed_on_account(visitor.page, stack) == did
    [record] = stored_key_records(visitor.page)
    assert seed.hex() not in record and "privateKey" not in record
    assert did_of_encrypted_file(record, PASSPHRASE) == did


def test_signing_out_revokes_and_a_stored_key_needs_its_passphrase(
        person, stack, assert_accessible, screenshot) -> None:
    visitor = person(color_scheme="dark")
    open_sign_in(visitor.page, stack.url)
    create_key(visitor.page)
    did = landed_on_account(visitor.page, stack)
    token = session_of(visitor.page)["token"]
    assert me(stack, token).status_code == 200  # the gateway now caches an "allow"
    account_button(visitor.page, did).click()
    visitor.page.get_by_role("button", name="Sign out", exact=True).click()
    visitor.page.get_by_role("heading", name="Sign in", level=1).wait_for()
    assert session_of(visitor.page) is None
    after_the_authorizer_cache()
    assert me(stack, token).status_code == 401

    key_tab(visitor.page)
    stored = visitor.page.get_by_role("form", name=f"Sign in with {short(did)}")
    stored.get_by_text("Locked").wait_for()  # signing out locked the key
    stored.get_by_label(PASSPHRASE_FIELD).fill("not the passphrase")
    stored.get_by_role("button", name="Unlock and sign in").click()
    stored.get_by_text("That passphrase does not unlock this key.").wait_for()
    assert_accessible(visitor.page)
    screenshot(visitor.page, "unlock-wrong-passphrase-dark")
    stored.get_by_label(PASSPHRASE_FIELD).fill(PASSPHRASE)
    stored.get_by_role("button", name="Unlock and sign in").click()
    visitor.page.wait_for_url(stack.url + "/")  # signed out from the menu: no `next`
    assert session_of(visitor.page)["did"] == did


def test_a_revoked_session_leads_to_sign_in_and_back(person, stack, screenshot) -> None:
    wallet = TestWallet()
    visitor = person(wallet=wallet)
    open_sign_in(visitor.page, stack.url)
    visitor.page.get_by_role("button", name="Sign in with Test Wallet").click()
    landed_on_account(visitor.page, stack)
    token = session_of(visitor.page)["token"]
    response = httpx.delete(f"{stack.url}/api/v1/identities/{wallet.did}/sessions",
                            headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert response.status_code == 204
    after_the_authorizer_cache()
    visitor.page.get_by_role("button", name="Refresh").click()
    visitor.page.get_by_role("heading", name="Sign in", level=1).wait_for()
    assert visitor.page.url == f"{stack.url}/sign-in?next=%2Faccount"
    screenshot(visitor.page, "sign-in-after-revocation")
    visitor.page.get_by_role("button", name="Sign in with Test Wallet").click()
    assert landed_on_account(visitor.page, stack) == wallet.did
    assert session_of(visitor.page)["token"] != token


def test_a_wallet_that_refuses_to_sign_gets_a_plain_message(
        person, stack, assert_accessible, screenshot) -> None:
    visitor = person(wallet=TestWallet(refuse_signing=True))
    open_sign_in(visitor.page, stack.url)
    visitor.page.get_by_role("button", name="Sign in with Test Wallet").click()
    visitor.page.get_by_role("alert").filter(
        has_text="You declined the request in your wallet, so nothing was signed.").wait_for()
    assert session_of(visitor.page) is None
    assert_accessible(visitor.page)
    screenshot(visitor.page, "wallet-refused")


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_the_sign_in_screen_fits_a_phone_in_both_themes(
        person, stack, assert_accessible, screenshot, color_scheme: str) -> None:
    visitor = person(phone=True, color_scheme=color_scheme)
    open_sign_in(visitor.page, stack.url)
    visitor.page.get_by_text("No wallet was found in this browser").wait_for()
    assert_accessible(visitor.page)
    screenshot(visitor.page, f"sign-in-no-wallet-{color_scheme}-phone")
    key_tab(visitor.page)
    visitor.page.get_by_role("button", name="Create key and sign in").wait_for()
    assert_accessible(visitor.page)
    screenshot(visitor.page, f"sign-in-key-{color_scheme}-phone")
    assert visitor.page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def expire_soon(page: Any, seconds: int) -> None:
    """Tells the tab its token ends in `seconds` (the API's own token lasts longer) and
    reloads: the unlocked key and the wallet connection are gone from memory, as after any
    reload, and the renewal is due half way."""
    page.evaluate("""s => {
        const session = JSON.parse(sessionStorage.getItem('cms.session'));
        session.expiresAt = new Date(Date.now() + s * 1000).toISOString();
        sessionStorage.setItem('cms.session', JSON.stringify(session));
      }""", seconds)
    page.reload()


@pytest.mark.parametrize("kind", ["wallet", "key"])
def test_a_session_near_its_end_asks_and_is_renewed_after_a_reload(
        person, stack, assert_accessible, screenshot, kind: str) -> None:
    wallet = TestWallet() if kind == "wallet" else None
    visitor = person(wallet=wallet)
    open_sign_in(visitor.page, stack.url)
    if wallet:
        visitor.page.get_by_role("button", name="Sign in with Test Wallet").click()
    else:
        create_key(visitor.page)
    landed_on_account(visitor.page, stack)
    old_token = session_of(visitor.page)["token"]
    expire_soon(visitor.page, 30)
    stay = visitor.page.get_by_role("button", name="Stay signed in")
    stay.wait_for(timeout=30_000)  # due half way through the 30 s left
    assert_accessible(visitor.page)
    screenshot(visitor.page, f"renewal-prompt-{kind}")
    stay.click()
    if wallet:  # the reload forgot the connection (this test wallet keeps no permission)
        dialog = visitor.page.get_by_role("dialog", name="Connect your wallet")
        dialog.get_by_role("button", name="Connect Test Wallet").wait_for()
        assert_accessible(visitor.page)
        screenshot(visitor.page, "renewal-connect-wallet")
        dialog.get_by_role("button", name="Connect Test Wallet").click()
    else:  # the reload locked the key: its passphrase is asked for
        dialog = visitor.page.get_by_role("dialog", name="Unlock your key")
        dialog.get_by_label(PASSPHRASE_FIELD).fill(PASSPHRASE)
        assert_accessible(visitor.page)
        screenshot(visitor.page, "renewal-unlock")
        dialog.get_by_role("button", name="Unlock").click()
    visitor.page.wait_for_function(
        "old => (JSON.parse(sessionStorage.getItem('cms.session')) || {token: old}).token !== old",
        arg=old_token)
    session = session_of(visitor.page)
    assert me(stack, session["token"]).json()["did"] == session["did"]
    stay.wait_for(state="detached")
    assert visitor.console_errors == []
