"""The contract page in Chromium, seen by each party of a contract made through the API (an
Ethereum provider and an Ed25519 consumer) in each state: the document (HTML and PDF) shown
once its hash matches, attachments uploaded with progress and their hash compared, the actions
each role may take, the live timeline with anchoring, the verification report, the receipt,
terminating with a reason, and a signing attempt whose payload the server altered refused
before the wallet is asked."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account

from tests.browser.wallet import TestWallet
from tests.template_variables import training_variables

REPO = Path(__file__).resolve().parents[2]


# ------------------------------------------------------------------ contracts through the API

def template_contract(provider: Any, consumer: Any, metadata: dict[str, Any] | None = None,
                      **variables: Any) -> dict[str, Any]:
    """A draft from the built-in template: it has a rendered HTML and PDF document."""
    body = {"template_id": "ai_training", "consumer_did": consumer.did,
            "variables": training_variables(**variables)}
    return provider.client.create_contract({**body, "metadata": metadata} if metadata else body)


def submitted(provider: Any, consumer: Any, metadata: dict[str, Any] | None = None,
              **variables: Any) -> str:
    contract = template_contract(provider, consumer, metadata, **variables)
    deadline = (datetime.now(UTC) + timedelta(days=5)).isoformat()
    provider.client.transition(contract["id"], "submit", {"signing_deadline": deadline})
    return contract["id"]


def signed_by_both(provider: Any, consumer: Any, **variables: Any) -> str:
    contract_id = submitted(provider, consumer, **variables)
    provider.client.sign_contract(contract_id, provider.signer)
    consumer.client.sign_contract(contract_id, consumer.signer)
    return contract_id


def wallet_of(party: Any) -> TestWallet:
    """The page's wallet holds the party's own key (it stays in this process)."""
    return TestWallet(account=Account.from_key(party.signer.private_key))


# ------------------------------------------------------------------ reading the page

def open_contract(person: Any, party: Any, contract_id: str, **options: Any) -> Any:
    page = person(**options).sign_in_as(party, f"/contracts/{contract_id}")
    page.get_by_role("heading", level=1).wait_for()
    return page


def actions_offered(page: Any) -> set[str]:
    section = page.get_by_role("region", name="What you can do")
    section.wait_for()
    headings = section.get_by_role("heading", level=3).all_inner_texts()
    return {heading.strip() for heading in headings}


def status_shown(page: Any, words: str) -> None:
    page.get_by_text(f"Status: {words}", exact=True).wait_for()


def no_horizontal_scroll(page: Any) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def signer_provided() -> bool:
    """Whether the app provides a SignerContext (the sign-in feature, built separately)."""
    pattern = re.compile(r"<SignerContext(\.Provider)?\s+value=")
    return any(pattern.search(path.read_text()) for path in (REPO / "web" / "src").rglob("*.tsx")
               if not path.name.endswith(".test.tsx"))


# ------------------------------------------------------------------ draft

def test_a_draft_shows_its_documents_and_takes_attachments(
        person, new_party, assert_accessible, screenshot) -> None:
    provider, consumer = new_party("eth"), new_party("ed25519")
    contract = template_contract(provider, consumer)
    page = open_contract(person, provider, contract["id"])
    status_shown(page, "Draft")
    assert actions_offered(page) == {"Edit the draft", "Submit for signing", "Terminate"}
    edit = page.get_by_role("link", name="Edit the draft")
    assert edit.get_attribute("href") == f"/contracts/{contract['id']}/edit"

    # The HTML document: in a sandbox without scripts, shown once its hash matched.
    frame = page.locator("iframe[title$='the document']")
    frame.wait_for()
    assert frame.get_attribute("sandbox") == ""
    html_hash = contract["metadata"]["document"]["html"]["sha256"]
    page.get_by_text(html_hash).wait_for()
    assert page.frame_locator("iframe[title$='the document']").locator("body").inner_text()

    # The terms as words, the JSON on demand.
    terms = page.get_by_role("region", name="Terms")
    terms.get_by_role("button", name="Show the JSON").click()
    shown = json.loads(terms.locator("pre").inner_text())
    assert shown == contract["terms"]
    assert_accessible(page)
    screenshot(page, "draft-provider-html")

    # The PDF: pdf.js draws the page; pages and zoom work from the keyboard.
    page.get_by_role("tab", name="Document (PDF)").click()
    page.get_by_text(contract["metadata"]["document"]["pdf"]["sha256"]).wait_for()
    viewer = page.get_by_role("region", name=re.compile(r"PDF page 1 of [1-9]"))
    viewer.wait_for()
    pages = int(re.search(r"of (\d+)", viewer.get_attribute("aria-label")).group(1))
    viewer.focus()
    page.keyboard.press("+")
    page.get_by_text("125%").wait_for()
    if pages > 1:
        page.keyboard.press("PageDown")
        page.get_by_role("region", name=re.compile(r"PDF page 2 of")).wait_for()
    page.wait_for_function("() => document.querySelector('canvas')?.width > 0")
    assert_accessible(page)
    screenshot(page, "draft-provider-pdf")

    # An attachment: hashed here, uploaded with progress, the server's hash compared.
    page.evaluate("""() => {
        window.__progress = [];
        new MutationObserver(() => {
            for (const bar of document.querySelectorAll('[role=progressbar]'))
                window.__progress.push(Number(bar.getAttribute('aria-valuenow')));
        }).observe(document.body, {subtree: true, childList: true, attributes: true});
    }""")
    content = b"annex: the dataset's data dictionary\n" * 2000
    # Waiting for the registration asks for nothing that is not there yet: no 404 in the
    # browser's console.
    refused: list[str] = []
    page.on("response", lambda answer: answer.status >= 400 and refused.append(
        f"{answer.request.method} {answer.status} {answer.url}"))
    page.locator("input[type=file]").set_input_files(
        files=[{"name": "annex.txt", "mimeType": "text/plain", "buffer": content}])
    page.get_by_role("button", name="Attach", exact=True).click()
    done = page.get_by_role("status").filter(has_text="annex.txt is attached")
    done.wait_for(timeout=60_000)
    expected = hashlib.sha256(content).hexdigest()
    assert expected in done.inner_text()
    assert 100 in page.evaluate("() => window.__progress")
    table = page.get_by_role("region", name="Attachments").get_by_role("table")
    table.get_by_text(expected).wait_for()
    assert "annex.txt" in table.inner_text()
    assert provider.client.get_contract(contract["id"])["metadata"]["attachments"][0][
        "sha256"] == expected
    assert refused == []
    assert_accessible(page)
    screenshot(page, "draft-provider-attached")

    # The consumer may only terminate a draft, and reads what it waits for; at phone width.
    other = open_contract(person, consumer, contract["id"], phone=True, color_scheme="dark")
    assert actions_offered(other) == {"Terminate"}
    other.get_by_text("The provider is still drafting").wait_for()
    other.get_by_role("button", name="Download annex.txt").wait_for()
    assert no_horizontal_scroll(other)
    assert_accessible(other)
    screenshot(other, "draft-consumer-phone-dark")

    # The provider submits it with a signing deadline: both now have it to sign.
    deadline = (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%dT12:00")
    page.get_by_label("Signing deadline").fill(deadline)
    page.get_by_role("button", name="Submit for signing").click()
    status_shown(page, "In review")
    assert actions_offered(page) == {"Sign", "Request changes", "Terminate"}
    expected_deadline = page.evaluate("local => new Date(local).toISOString()", deadline)
    assert provider.client.get_contract(contract["id"])["signing_deadline"] == expected_deadline


# ------------------------------------------------------------------ review and signing

def test_a_payload_the_server_altered_is_refused_before_the_wallet_is_asked(
        person, new_party, assert_accessible, screenshot) -> None:
    provider, consumer = new_party("eth"), new_party("ed25519")
    contract_id = submitted(provider, consumer)
    wallet = wallet_of(provider)
    visitor = person(wallet=wallet)

    def alter(field: str):
        def handle(route: Any) -> None:
            answer = route.fetch()
            payload = answer.json()
            if field == "digest":
                payload["digest"] = "0" * 64
            else:
                payload["typed_data"]["message"]["digest"] = "0x" + "0" * 64
            route.fulfill(response=answer, json=payload)
        return handle

    visitor.context.route("**/signing-payload", alter("digest"))
    page = visitor.sign_in_as(provider, f"/contracts/{contract_id}")
    status_shown(page, "In review")
    assert actions_offered(page) == {"Sign", "Request changes", "Terminate"}
    page.get_by_role("button", name="Review what you sign").click()
    refusal = page.get_by_role("alert").filter(has_text="Not signed")
    refusal.wait_for()
    assert "payload.digest" in refusal.inner_text() and "0" * 64 in refusal.inner_text()
    assert page.get_by_role("button", name="Sign with your wallet").count() == 0
    assert_accessible(page)
    screenshot(page, "review-refused-payload-digest")

    # The payload's digest right, the one inside the typed data (what the wallet signs) not.
    visitor.context.unroute("**/signing-payload")
    visitor.context.route("**/signing-payload", alter("typed_data"))
    page.get_by_role("button", name="Check again").click()
    refusal = page.get_by_role("alert").filter(has_text="typed_data.message.digest")
    refusal.wait_for()
    assert not [method for method, _ in wallet.requests if "sign" in method.lower()]
    assert provider.client.get_contract(contract_id)["signatures"] == []


def test_in_review_each_party_sees_what_it_signs_in_words(
        person, new_party, assert_accessible, screenshot) -> None:
    provider, consumer = new_party("eth"), new_party("ed25519")
    side_letter = "The consumer may also resell the data"
    contract_id = submitted(provider, consumer, {"side_letter": side_letter})
    contract = provider.client.get_contract(contract_id)

    page = open_contract(person, provider, contract_id)
    # Every metadata member the digest covers is shown: on the page and in what is signed.
    page.get_by_role("region", name="Other details").get_by_text(side_letter).wait_for()
    page.get_by_role("button", name="Review what you sign").click()
    page.get_by_text("What you sign").wait_for()
    others = page.get_by_role("group", name="Other details the digest covers")
    others.get_by_text(side_letter).wait_for()
    others.get_by_text("side_letter", exact=True).wait_for()
    for words in ("CMS Contract Signature, version 1", "31337 (a local development chain)",
                  "0x" + contract["digest"], provider.did):
        page.get_by_role("cell", name=words, exact=False).first.wait_for()
    checks = page.get_by_role("list").filter(has_text="recomputed here")
    assert checks.inner_text().count(contract["digest"]) == 4
    page.get_by_role("button", name="Sign with your wallet").wait_for()
    assert_accessible(page)
    screenshot(page, "review-provider-what-you-sign")

    other = open_contract(person, consumer, contract_id, phone=True)
    other.get_by_role("button", name="Review what you sign").click()
    message = other.locator("pre").filter(has_text="cms-contract-signature/v1")
    message.wait_for()
    assert message.inner_text() == (
        f"cms-contract-signature/v1\ncontract:{contract_id}\n"
        f"digest:sha256:{contract['digest']}\nsigner:{consumer.did}")
    other.get_by_role("button", name="Sign with your key").wait_for()
    assert no_horizontal_scroll(other)
    assert_accessible(other)
    screenshot(other, "review-consumer-phone")

    # Requesting changes sends it back to draft, with the reason in the timeline.
    other.get_by_label("What should change").fill("Lower the price")
    other.get_by_role("button", name="Request changes").click()
    status_shown(other, "Draft")
    other.get_by_text("Reason: Lower the price").wait_for()
    assert actions_offered(other) == {"Terminate"}


@pytest.mark.skipif(not signer_provided(),
                    reason="waits for the sign-in feature's SignerContext provider")
def test_the_provider_signs_through_its_wallet(person, new_party, screenshot) -> None:
    provider, consumer = new_party("eth"), new_party("ed25519")
    contract_id = submitted(provider, consumer)
    wallet = wallet_of(provider)
    page = person(wallet=wallet).sign_in_as(provider, f"/contracts/{contract_id}")
    page.get_by_role("button", name="Review what you sign").click()
    page.get_by_role("button", name="Sign with your wallet").click()
    # A wallet not connected in this tab yet is asked to connect first (the sign-in feature).
    recorded = page.get_by_role("status").filter(has_text="Your signature was recorded")
    connect = page.get_by_role("button", name=re.compile(r"^Connect Test Wallet"))
    recorded.or_(connect).first.wait_for(timeout=30_000)
    if connect.count():
        connect.click()
    recorded.wait_for(timeout=30_000)
    signed = [params for method, params in wallet.requests if method == "eth_signTypedData_v4"]
    assert len(signed) == 1
    typed = json.loads(signed[0][1]) if isinstance(signed[0][1], str) else signed[0][1]
    digest = provider.client.get_contract(contract_id)["digest"]
    assert typed["message"]["digest"] == "0x" + digest
    assert [s["signer_did"] for s in provider.client.get_contract(contract_id)["signatures"]] \
        == [provider.did]
    screenshot(page, "review-provider-signed")


@pytest.mark.skipif(not signer_provided(),
                    reason="waits for the sign-in feature's SignerContext provider")
def test_the_last_signer_keeps_its_confirmation_once_the_contract_is_signed(
        person, new_party, assert_accessible, screenshot) -> None:
    provider, consumer = new_party("eth"), new_party("ed25519")
    contract_id = submitted(provider, consumer)
    consumer.client.sign_contract(contract_id, consumer.signer)
    page = person(wallet=wallet_of(provider)).sign_in_as(provider, f"/contracts/{contract_id}")
    page.get_by_role("button", name="Review what you sign").click()
    page.get_by_role("button", name="Sign with your wallet").click()
    connect = page.get_by_role("button", name=re.compile(r"^Connect Test Wallet"))
    status = page.get_by_text(re.compile(r"^Status: (Signed|Active)$"))
    status.or_(connect).first.wait_for(timeout=30_000)
    if connect.count():
        connect.click()
    # The last signature moved the contract on, and the signing panel went away: the
    # confirmation stays.
    status.wait_for(timeout=30_000)
    confirmation = page.get_by_role("region", name="What you can do").get_by_role(
        "status").filter(has_text="You signed this contract")
    confirmation.wait_for()
    assert "Every party has signed" in confirmation.inner_text()
    assert_accessible(page)
    screenshot(page, "last-signer-confirmed")


# ------------------------------------------------------------------ signed, active, terminated

def test_a_signed_contract_not_yet_valid_explains_why_it_cannot_be_activated(
        person, new_party, assert_accessible, screenshot) -> None:
    provider, consumer = new_party("eth"), new_party("ed25519")
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    contract_id = signed_by_both(provider, consumer, start_date=tomorrow)

    page = open_contract(person, consumer, contract_id)
    status_shown(page, "Signed")
    assert actions_offered(page) == {"Activate", "Terminate"}
    assert page.get_by_role("button", name="Activate now").is_disabled()
    page.get_by_text("It can be activated from").wait_for()
    parties = page.get_by_role("region", name="Parties and signatures")
    assert parties.get_by_text("Signed", exact=True).count() == 2
    parties.get_by_text("EIP-712 typed data (Ethereum key) on chain 31337").wait_for()
    parties.get_by_text("Ed25519 over the prefixed digest").wait_for()
    assert_accessible(page)
    screenshot(page, "signed-consumer")


def active(provider: Any, consumer: Any) -> str:
    """Signed and valid from today: the lifecycle workflow activates it at once, or we do."""
    from cms_client import ApiError

    contract_id = signed_by_both(provider, consumer)
    try:
        provider.client.transition(contract_id, "activate")
    except ApiError as error:  # the workflow was first
        assert error.code == "illegal_transition", error
    assert provider.client.get_contract(contract_id)["status"] == "active"
    return contract_id


def all_anchored(page: Any, count: int) -> None:
    page.wait_for_function(
        "count => { const states = [...document.querySelectorAll('[data-anchor-state]')]"
        ".map(e => e.dataset.anchorState);"
        " return states.length === count && states.every(s => s === 'anchored'); }",
        arg=count, timeout=60_000)


def test_an_active_contract_verified_its_receipt_saved_and_terminated_live(
        person, new_party, assert_accessible, screenshot) -> None:
    provider, consumer = new_party("eth"), new_party("ed25519")
    contract_id = active(provider, consumer)

    page = open_contract(person, consumer, contract_id)
    status_shown(page, "Active")
    assert actions_offered(page) == {"Complete", "Terminate"}
    timeline = page.get_by_role("region", name="Timeline")
    timeline.get_by_text("5. Activated").wait_for()
    all_anchored(page, 5)
    first = provider.client.events(contract_id)[0]["anchor"]
    timeline.get_by_text(first["tx_hash"]).first.wait_for()
    timeline.get_by_text(f"Block {first['block_number']}", exact=False).first.wait_for()
    timeline.get_by_text(first["root"]).first.wait_for()
    assert_accessible(page)
    screenshot(page, "active-consumer-anchored")

    # Nothing changes any more: the next poll asks with the entity tag and gets a bodiless 304.
    with page.expect_response(lambda answer: "/events" in answer.url and answer.status == 304,
                              timeout=30_000) as unchanged:
        pass
    assert unchanged.value.request.headers.get("if-none-match")

    # The receipt verified in the browser (the SDK's verifier, the configured chain endpoint),
    # pinned to the ledger the platform names, and said to be the platform's word.
    page.get_by_role("button", name="Verify in your browser").click()
    page.get_by_text("Valid receipt", exact=True).wait_for(timeout=60_000)
    pinned = page.get_by_text("Checked in your browser through", exact=False)
    assert provider.client.ledger()["pin"] in pinned.inner_text()
    assert "as the platform names it" in pinned.inner_text()
    verifier = page.get_by_role("link", name="receipt verifier").first
    assert verifier.get_attribute("href") == "/verify"
    browser_checks = page.get_by_role("list", name="Checks")
    passed = browser_checks.get_by_text("ok", exact=True).count()
    assert passed == browser_checks.locator("li").count() > 0

    # The platform's own report, labelled as its claim.
    page.get_by_role("button", name="Ask the platform").click()
    checks = page.get_by_role("list", name="The platform's checks")
    checks.wait_for()
    report = provider.client.verify(contract_id)
    assert checks.get_by_role("listitem").count() == len(report["checks"])
    page.get_by_text("Reported passed: The digest is the hash of the content").wait_for()
    page.get_by_text(f"Reported passed: The signature of {provider.did} verifies").wait_for()
    page.get_by_text("The platform reports that every check passed", exact=False).wait_for()
    assert_accessible(page)

    # The receipt: the file saved is the receipt, byte for byte.
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the receipt").click()
    saved = Path(download.value.path()).read_bytes()
    assert download.value.suggested_filename == f"contract-{contract_id}-receipt.json"
    assert saved == consumer.client.receipt(contract_id)
    assert json.loads(saved)["contract"]["id"] == contract_id

    # The provider terminates, on a phone; the reason is required.
    provider_page = open_contract(person, provider, contract_id, phone=True)
    terminate = provider_page.get_by_role("button", name="Terminate the contract")
    assert terminate.is_disabled()
    provider_page.get_by_label("Reason for terminating").fill("The dataset was withdrawn")
    terminate.click()
    status_shown(provider_page, "Terminated")
    provider_page.get_by_text("Reason: The dataset was withdrawn").wait_for()
    provider_page.get_by_text("No action is open to you in this state.").wait_for()
    assert actions_offered(provider_page) == set()
    assert no_horizontal_scroll(provider_page)
    assert_accessible(provider_page)
    screenshot(provider_page, "terminated-provider-phone")
    assert provider.client.get_contract(contract_id)["status"] == "terminated"

    # The consumer's page, never reloaded, learns it live: the new event, its anchoring, the
    # new status; and its log tells screen readers.
    timeline.get_by_text("6. Terminated").wait_for()
    status_shown(page, "Terminated")
    all_anchored(page, 6)
    log = page.get_by_role("log", name="Timeline updates")
    assert "New event: Terminated." in log.inner_text()
    # As long as the anchoring itself may take (all_anchored): the log follows the same poll.
    page.wait_for_function(
        "() => document.querySelector('[role=log]').textContent.includes('anchored on chain')",
        timeout=60_000)
    screenshot(page, "terminated-consumer-live")


def test_a_party_completes_an_active_contract(person, new_party, assert_accessible) -> None:
    provider, consumer = new_party("eth"), new_party("ed25519")
    contract_id = active(provider, consumer)
    page = open_contract(person, provider, contract_id)
    page.get_by_role("button", name="Mark as completed").click()
    status_shown(page, "Completed")
    page.get_by_text("The contract is closed; nothing more can be done to it.").wait_for()
    assert actions_offered(page) == set()
    assert_accessible(page)
