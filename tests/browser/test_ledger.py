"""The Ledger screen in Chromium on the local stack: after a contract's events were anchored,
it shows the chain, the ledger and the pin receipt verifiers use (as the API publishes it),
the signer's balance in exact ETH, the last batch, the queue, and the anchoring lag of recent
batches as a chart with an accessible name, a sentence and a table; in both themes and at
phone width. A chain that cannot be reached is told in words (the status as the API answers
it then, served to the page: stopping the shared chain would stop every other test's)."""

from __future__ import annotations

import json
import re
import time
from decimal import Decimal
from typing import Any

import httpx

from tests.browser.test_contract_page import signed_by_both

ANCHORING_S = 60
CSP_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(event.violatedDirective + " " + (event.blockedURI || "inline"));
});
"""


def anchored(provider: Any, contract_id: str) -> list[dict[str, Any]]:
    """The contract's events, once every one of them is anchored."""
    deadline = time.monotonic() + ANCHORING_S
    while True:
        events = provider.client.events(contract_id)
        if all(event["anchor"]["state"] == "anchored" for event in events):
            return events
        assert time.monotonic() < deadline, "the events were not anchored"
        time.sleep(0.5)


def open_ledger(person: Any, party: Any, **options: Any) -> Any:
    visitor = person(**options)
    visitor.context.add_init_script(CSP_VIOLATIONS)
    page = visitor.sign_in_as(party, "/")
    if options.get("phone"):
        page.get_by_role("button", name="Open navigation").click()
    page.get_by_role("navigation").get_by_role("link", name="Ledger", exact=True).click()
    page.wait_for_url(re.compile(r"/ledger$"))
    page.get_by_role("heading", name="Ledger", level=1).wait_for()
    return visitor


def no_horizontal_scroll(page: Any) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_the_ledger_screen_shows_the_chain_the_pin_the_last_batch_and_the_lag(
        person, new_party, stack, assert_accessible, screenshot) -> None:
    provider, consumer = new_party("eth"), new_party("ed25519")
    contract_id = signed_by_both(provider, consumer)
    events = anchored(provider, contract_id)
    pin = httpx.get(f"{stack.url}/api/v1/ledger", timeout=30).json()["pin"]
    recent = provider.client.ledger_batches(limit=30)["batches"]
    mine = next(batch for batch in recent if batch["root"] == events[-1]["anchor"]["root"])

    for scheme in ("light", "dark"):
        visitor = open_ledger(person, provider, color_scheme=scheme)
        page = visitor.page
        chain = page.get_by_role("region", name="Chain and ledger")
        chain.get_by_text("31337 (a local development chain)").wait_for()
        chain.get_by_text(pin, exact=True).wait_for()

        # The signer's balance: wei and ETH shown exactly, the one the other divided by 10**18.
        signer = page.get_by_role("region", name="Signer")
        ether = signer.get_by_text(re.compile(r"^[0-9,]+(\.[0-9]+)? ETH$"))
        ether.wait_for()
        wei = signer.locator("dt", has_text="Balance in wei").locator("xpath=../dd").inner_text()
        assert re.fullmatch(r"[0-9,]+", wei)
        shown = Decimal(ether.inner_text().removesuffix(" ETH").replace(",", ""))
        assert shown == Decimal(wei.replace(",", "")) / 10**18

        # The last batch is one the API lists; this contract's batch is in the lag table.
        last = page.get_by_role("region", name="Last batch")
        last.get_by_text(re.compile(r"^0x[0-9a-f]{64}$")).wait_for()
        roots = {batch["root"] for batch in provider.client.ledger_batches(limit=50)["batches"]}
        assert last.get_by_text(re.compile(r"^[0-9a-f]{64}$")).inner_text() in roots
        page.get_by_role("region", name="Waiting to be anchored").wait_for()

        lag = page.get_by_role("region", name="Anchoring lag")
        figure = lag.get_by_role("figure", name=re.compile(r"^Anchoring lag of the recent batches"))
        figure.wait_for()
        figure.locator("svg.recharts-surface").first.wait_for()
        assert "the latest batch," in figure.inner_text()
        first, last_seq = mine["first_seq"], mine["last_seq"]
        label = f"#{first}" if first == last_seq else f"#{first}\u2013{last_seq}"  # an en dash
        lag.get_by_role("table").get_by_role("cell", name=label, exact=True).wait_for()

        assert_accessible(page)
        screenshot(page, f"ledger-{scheme}")
        assert page.evaluate("() => window.__cspViolations") == []
        assert visitor.console_errors == []


def test_the_ledger_screen_fits_a_phone(person, new_party, assert_accessible,
                                        screenshot) -> None:
    visitor = open_ledger(person, new_party("ed25519"), phone=True)
    page = visitor.page
    page.get_by_role("region", name="Chain and ledger").get_by_text(
        "31337 (a local development chain)").wait_for()
    page.get_by_role("region", name="Anchoring lag").wait_for()
    assert no_horizontal_scroll(page)
    assert_accessible(page)
    screenshot(page, "ledger-phone")


def test_a_chain_that_cannot_be_reached_is_said_in_words(
        person, new_party, stack, assert_accessible, screenshot) -> None:
    party = new_party("eth")
    status = party.client.ledger_status()
    # What the API answers while the chain's endpoint is down (see the status service).
    down = {**status, "reachable": False, "signer_balance_wei": None, "next_seq": None,
            "block_number": None,
            "problem": {"code": "ledger_unavailable",
                        "detail": "the chain's JSON-RPC endpoint is unreachable"}}
    visitor = person(color_scheme="dark")
    visitor.page.route("**/api/v1/ledger/status", lambda route: route.fulfill(
        status=200, content_type="application/json", body=json.dumps(down)))
    page = visitor.sign_in_as(party, "/ledger")
    alert = page.get_by_role("alert").filter(has_text="The chain cannot be reached")
    alert.wait_for()
    assert "the chain's JSON-RPC endpoint is unreachable" in alert.inner_text()
    signer = page.get_by_role("region", name="Signer")
    assert signer.locator("dt", has_text="Balance").first.locator(
        "xpath=../dd").inner_text() == "Not known"
    # What does not need the chain is still there.
    page.get_by_role("region", name="Chain and ledger").get_by_text(
        "31337 (a local development chain)").wait_for()
    assert_accessible(page)
    screenshot(page, "ledger-chain-down-dark")
