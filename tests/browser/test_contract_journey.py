"""The demo's whole journey in Chromium, through the UI only, in two browser contexts: an
Ethereum provider (a wallet) and an Ed25519 consumer (a key made in the browser). The consumer
creates its key and reads its DID; the provider makes a contract from the ai_training template
for it, attaches a file, submits; both sign; the contract is activated; both watch its events
get anchored; the provider verifies it, downloads the receipt and checks it on /verify against
the chain, then a copy with one signature altered, which is rejected with that signature named.

The API is read only for facts to assert against (the events, the ledger's pin)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.browser.wallet import TestWallet
from tests.vectors.receipt_tampering import TAMPERINGS

PASSPHRASE = "Four unrelated words, 2 numbers!"
PASSPHRASE_FIELD = re.compile(r"^Passphrase( \*)?$")  # Mantine marks a required field " *"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
SYSTEM_ACTOR = "system:lifecycle"  # who activates when the lifecycle workflow does
# created, attachment added, submitted, signed twice, activated
EVENTS = 6
ANCHORING_S = 60


# ------------------------------------------------------------------ small readings of a page

def session_of(page: Any) -> dict[str, Any]:
    return page.evaluate("() => JSON.parse(sessionStorage.getItem('cms.session'))")


def status_shown(page: Any, words: str, timeout: float = 15_000) -> None:
    page.get_by_text(f"Status: {words}", exact=True).wait_for(timeout=timeout)


def nav(page: Any, label: str) -> None:
    """Follow a link of the main navigation: the app stays loaded (an unlocked key and a
    connected wallet live in the tab's memory, as for a user clicking through)."""
    page.get_by_role("navigation").get_by_role("link", name=label, exact=True).first.click()


def all_anchored(page: Any, count: int) -> None:
    page.wait_for_function(
        "count => { const states = [...document.querySelectorAll('[data-anchor-state]')]"
        ".map(e => e.dataset.anchorState);"
        " return states.length === count && states.every(s => s === 'anchored'); }",
        arg=count, timeout=ANCHORING_S * 1000)


def faded_in(page: Any) -> None:
    """Wait until every popover has faded in: mid-fade, its text has too little contrast."""
    page.wait_for_function(
        "() => [...document.querySelectorAll('.mantine-Popover-dropdown')]"
        ".every(e => getComputedStyle(e).opacity === '1')")


def watch_progress(page: Any) -> None:
    """Record every value a progress bar shows, however briefly it is on screen."""
    page.evaluate("""() => {
        window.__progress = [];
        new MutationObserver(() => {
            for (const bar of document.querySelectorAll('[role=progressbar]'))
                window.__progress.push(Number(bar.getAttribute('aria-valuenow')));
        }).observe(document.body, {subtree: true, childList: true, attributes: true});
    }""")


def failed_requests(page: Any) -> list[str]:
    """Every answer of 400 or more the page gets from now on, as "METHOD STATUS URL"."""
    failed: list[str] = []
    page.on("response", lambda answer: answer.status >= 400 and failed.append(
        f"{answer.request.method} {answer.status} {answer.url}"))
    return failed


def events_of(stack: Any, token: str, contract_id: str) -> list[dict[str, Any]]:
    answer = httpx.get(f"{stack.url}/api/v1/contracts/{contract_id}/events",
                       headers={"Authorization": f"Bearer {token}"}, timeout=30)
    answer.raise_for_status()
    return answer.json()["events"]


# ------------------------------------------------------------------ the steps

def consumer_creates_a_key(consumer: Any, stack: Any, check: Any) -> str:
    page = consumer.open("/sign-in?next=%2Faccount")
    page.get_by_role("heading", name="Sign in", level=1).wait_for()
    page.get_by_role("tab", name="Use a key in this browser").click()
    page.get_by_role("button", name="Create a new key").wait_for()
    page.get_by_label(PASSPHRASE_FIELD).fill(PASSPHRASE)
    page.get_by_label("Repeat the passphrase").fill(PASSPHRASE)
    check(page, "consumer-create-key")
    page.get_by_role("button", name="Create key and sign in").click()
    page.get_by_role("heading", name="Account and keys").wait_for()
    shown = page.get_by_role("listitem").filter(has_text=re.compile(r"^DID: ")).inner_text()
    did = shown.removeprefix("DID: ").strip()
    assert did.startswith("did:key:z6Mk") and did == session_of(page)["did"]
    check(page, "consumer-account")
    return did


def provider_connects_a_wallet(provider: Any, wallet: TestWallet, check: Any) -> None:
    page = provider.open("/sign-in?next=%2Fcontracts%2Fnew")
    page.get_by_role("heading", name="Sign in", level=1).wait_for()
    page.get_by_role("tab", name="Connect a wallet").click()
    button = page.get_by_role("button", name="Sign in with Test Wallet")
    button.wait_for()
    check(page, "provider-sign-in")
    button.click()
    page.get_by_role("heading", name="New contract").wait_for()
    assert session_of(page)["did"] == wallet.did


def provider_creates_from_the_template(page: Any, consumer_did: str, check: Any) -> str:
    page.get_by_role("textbox", name="Template").or_(
        page.get_by_role("combobox", name="Template")).click()
    page.get_by_role("option", name=re.compile("AI training licence")).click()
    page.get_by_role("textbox", name=re.compile("^Purpose")).wait_for()
    # Valid from today: the example starts next year, and could not be activated before.
    start = page.get_by_role("textbox", name=re.compile("^Start date"))
    start.fill(datetime.now(UTC).date().isoformat())
    page.get_by_role("button", name="Next month").wait_for()  # its calendar opened
    faded_in(page)
    check(page, "provider-date-picker")
    start.press("Escape")
    page.get_by_role("button", name="Next month").wait_for(state="hidden")
    page.frame_locator("iframe[title='Preview of the contract document']").get_by_text(
        f"From {datetime.now(UTC).date().isoformat()}", exact=False).first.wait_for()
    page.get_by_role("textbox", name=re.compile("^Counterparty DID")).fill(consumer_did)
    page.get_by_role("textbox", name=re.compile("^Title")).fill("Digits for the postcode reader")
    check(page, "provider-new-contract")
    page.get_by_role("button", name="Create draft").click()
    page.wait_for_url(re.compile(rf"/contracts/{UUID}$"))
    status_shown(page, "Draft")
    return page.url.rsplit("/", 1)[1]


def provider_attaches_a_file(page: Any, check: Any) -> str:
    watch_progress(page)
    content = b"annex: the dataset's data dictionary\n" * 2000
    page.locator("input[type=file]").set_input_files(
        files=[{"name": "annex.txt", "mimeType": "text/plain", "buffer": content}])
    page.get_by_role("button", name="Attach", exact=True).click()
    done = page.get_by_role("status").filter(has_text="annex.txt is attached")
    done.wait_for(timeout=60_000)
    sha256 = hashlib.sha256(content).hexdigest()
    assert sha256 in done.inner_text()
    assert 100 in page.evaluate("() => window.__progress")
    page.get_by_role("region", name="Attachments").get_by_role("table").get_by_text(
        sha256).wait_for()
    check(page, "provider-attached")
    return sha256


def sign(page: Any, kind: str, did: str, check: Any, name: str) -> None:
    """Review what is signed, then sign; a wallet not connected in this tab or a key locked
    since sign-in is asked for first. Done when the page lists the signature: the last
    signature moves the contract on, and the signing panel (with its notice) goes away."""
    page.get_by_role("button", name="Review what you sign").click()
    page.get_by_text("What you sign").wait_for()
    check(page, f"{name}-what-you-sign")
    label = "Sign with your wallet" if kind == "wallet" else "Sign with your key"
    page.get_by_role("button", name=label).click()
    mine = page.get_by_role("region", name="Parties and signatures").get_by_role(
        "listitem").filter(has_text=did)
    recorded = mine.get_by_text(re.compile(r"^Signed .+ with "))
    asked = (page.get_by_role("dialog", name="Connect your wallet") if kind == "wallet"
             else page.get_by_role("dialog", name="Unlock your key"))
    recorded.or_(asked).first.wait_for(timeout=30_000)
    if asked.count():
        if kind == "wallet":
            asked.get_by_role("button", name="Connect Test Wallet").click()
        else:
            asked.get_by_label(PASSPHRASE_FIELD).fill(PASSPHRASE)
            asked.get_by_role("button", name="Unlock").click()
    recorded.wait_for(timeout=30_000)
    check(page, f"{name}-signed")


def activated(page: Any, check: Any) -> None:
    """Signed by both and valid from today: the lifecycle workflow activates it at once, or
    the provider does it first with the button. Either way the page follows live."""
    activate = page.get_by_role("button", name="Activate now")
    page.get_by_text("Status: Active", exact=True).or_(activate).first.wait_for(timeout=30_000)
    if activate.is_visible():
        check(page, "provider-signed-by-both")
        # The workflow may still be first: the page follows it and the button goes away.
        with contextlib.suppress(PlaywrightTimeout):
            activate.click(timeout=5_000)
    status_shown(page, "Active")


def who_activated(page: Any) -> str:
    item = page.get_by_role("region", name="Timeline").locator(
        ".mantine-Timeline-item").filter(has_text=f"{EVENTS}. Activated")
    item.wait_for()
    return item.locator("code").first.inner_text()


# ------------------------------------------------------------------ the journey

def test_the_demo_journey_from_template_to_a_receipt_verified_in_the_browser(
        person, stack, assert_accessible, screenshot, tmp_path) -> None:
    def check(page: Any, name: str) -> None:
        assert_accessible(page)
        screenshot(page, name)

    wallet = TestWallet()
    consumer, provider = person(), person(wallet=wallet)
    refused = [failed_requests(consumer.page), failed_requests(provider.page)]
    consumer_did = consumer_creates_a_key(consumer, stack, check)
    provider_connects_a_wallet(provider, wallet, check)

    page = provider.page
    contract_id = provider_creates_from_the_template(page, consumer_did, check)
    sha256 = provider_attaches_a_file(page, check)
    page.get_by_role("button", name="Submit for signing").click()
    status_shown(page, "In review")
    check(page, "provider-submitted")
    sign(page, "wallet", wallet.did, check, "provider")

    # The consumer finds it waiting on its dashboard, and signs with its browser key.
    other = consumer.page
    nav(other, "Dashboard")
    waiting = other.get_by_role("region", name=re.compile("Waiting for you"))
    waiting.get_by_role("link", name="Digits for the postcode reader").click()
    other.wait_for_url(re.compile(rf"/contracts/{contract_id}$"))
    status_shown(other, "In review")
    other.get_by_role("button", name="Download annex.txt").wait_for()
    other.get_by_text(sha256).wait_for()
    sign(other, "key", consumer_did, check, "consumer")

    activated(page, check)
    actor = who_activated(page)
    token = session_of(page)["token"]
    events = events_of(stack, token, contract_id)
    assert [event["type"] for event in events] == [
        "contract.created", "contract.attachment_added", "contract.submitted",
        "contract.signed", "contract.signed", "contract.activated"]
    assert actor == events[-1]["actor"] and actor in (wallet.did, SYSTEM_ACTOR)
    assert {events[3]["actor"], events[4]["actor"]} == {wallet.did, consumer_did}

    # Both watch the events get anchored: block, transaction and Merkle root on each.
    for watcher, name in ((page, "provider"), (other, "consumer")):
        status_shown(watcher, "Active")
        all_anchored(watcher, EVENTS)
        anchors = [event["anchor"] for event in events_of(stack, token, contract_id)]
        timeline = watcher.get_by_role("region", name="Timeline")
        for anchor in anchors:
            assert anchor["state"] == "anchored"
            timeline.get_by_text(anchor["tx_hash"]).first.wait_for()
            timeline.get_by_text(anchor["root"]).first.wait_for()
            timeline.get_by_text(f"Block {anchor['block_number']}", exact=False).first.wait_for()
        check(watcher, f"{name}-anchored")

    # The receipt verified on the contract page, in the browser, then saved byte for byte.
    page.get_by_role("button", name="Verify in your browser").click()
    page.get_by_text("Valid receipt", exact=True).wait_for(timeout=60_000)
    browser_checks = page.get_by_role("list", name="Checks")
    assert browser_checks.get_by_text("ok", exact=True).count() == browser_checks.locator(
        "li").count() > 0
    assert browser_checks.get_by_text(consumer_did, exact=False).count() > 0
    check(page, "provider-verified")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the receipt").click()
    assert download.value.suggested_filename == f"contract-{contract_id}-receipt.json"
    receipt = tmp_path / download.value.suggested_filename
    download.value.save_as(receipt)
    assert json.loads(receipt.read_bytes())["contract"]["status"] == "active"

    # The receipt checked in the browser, against the chain the app is configured with and
    # the ledger the API names.
    rpc_url = httpx.get(f"{stack.url}/config.json", timeout=30).json()["chainRpcUrl"]
    pin = httpx.get(f"{stack.url}/api/v1/ledger", timeout=30).json()["pin"]
    page.get_by_role("link", name="receipt verifier").click()
    page.get_by_role("heading", name="Verify a receipt").wait_for()
    verify_receipt(page, receipt, rpc_url, pin)
    page.get_by_text("Valid receipt").wait_for(timeout=30_000)
    assert page.get_by_text("failed", exact=True).count() == 0
    check(page, "verify-valid")

    # One byte of the provider's signature changed (the events resealed around it, as a
    # careful forger would): only the signature can tell, and the verdict names it.
    tampered = tmp_path / "tampered-receipt.json"
    tampered.write_bytes(TAMPERINGS["signature_altered"](receipt.read_bytes()))
    verify_receipt(page, tampered, rpc_url, pin)
    verdict = page.get_by_role("alert").filter(has_text="Invalid receipt")
    verdict.wait_for(timeout=30_000)
    assert f"the signature of {wallet.did}" in verdict.inner_text()
    page.get_by_text(f"signature:{wallet.did}", exact=True).wait_for()
    check(page, "verify-tampered-signature")
    # The wallet was asked for one signature in the whole journey: the contract's digest.
    typed = [params[1] for method, params in wallet.requests if method == "eth_signTypedData_v4"]
    assert len(typed) == 1
    message = (json.loads(typed[0]) if isinstance(typed[0], str) else typed[0])["message"]
    assert message["digest"] == "0x" + json.loads(receipt.read_bytes())["contract"]["digest"]

    # Nothing failed: waiting for the attachment's registration asks for nothing that is not
    # there yet, so the browser logs no failed resource.
    assert refused[0] + refused[1] == []
    for person_ in (consumer, provider):
        assert person_.console_errors == []


def verify_receipt(page: Any, path: Path, rpc_url: str, pin: str) -> None:
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Receipt file").click()
    chooser.value.set_files(str(path))
    page.get_by_label("Chain RPC URL").fill(rpc_url)
    page.get_by_label("Trusted ledger (CHAIN_ID:ADDRESS)").fill(pin)
    page.get_by_role("button", name="Verify receipt").click()
