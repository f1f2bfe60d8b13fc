"""/verify in Chromium: anyone, not signed in, checks a receipt in the browser against the
stack's anvil through the RPC URL they give, with the ledger they pin; a tampered receipt is
rejected with the tampered part named. Keyboard, drag and drop, axe, phone width, both themes."""

from __future__ import annotations

import pytest

from tests.e2e.test_receipts import issued  # noqa: F401 - the module fixture: one anchored receipt
from tests.vectors.receipt_tampering import TAMPERINGS


@pytest.fixture(scope="module")
def receipts(issued, tmp_path_factory):  # noqa: F811 - the imported fixture
    *_, raw = issued
    folder = tmp_path_factory.mktemp("receipts")
    files = {}
    for kind in ("valid", "proof_sibling_altered", "contract_terms_changed",
                 "signature_altered"):
        files[kind] = folder / f"{kind}.json"
        files[kind].write_bytes(TAMPERINGS[kind](raw))
    return files


def fill_chain(page, stack, *, pin: bool = True) -> None:
    page.get_by_label("Chain RPC URL").fill(stack.ledger.rpc_url)
    page.get_by_label("Trusted ledger (CHAIN_ID:ADDRESS)").fill(
        f"31337:{stack.ledger.address}" if pin else "")


def choose_with_keyboard(page, path) -> None:
    """Tab to the file control and open the file chooser with Enter, as a keyboard user."""
    page.get_by_role("heading", name="Verify a receipt").wait_for()
    control = page.get_by_role("button", name="Receipt file")
    with page.expect_file_chooser() as chooser:
        control.press("Enter")
    chooser.value.set_files(str(path))


def drop(page, path) -> None:
    """Drop a file on the drop area, as a pointer user dragging it from their desktop."""
    page.evaluate("""([name, text]) => {
        const transfer = new DataTransfer();
        transfer.items.add(new File([text], name, {type: 'application/json'}));
        const area = document.querySelector('input[type=file]').closest('.mantine-Paper-root');
        area.dispatchEvent(new DragEvent('drop', {dataTransfer: transfer, bubbles: true,
                                                  cancelable: true}));
    }""", [path.name, path.read_text()])


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_a_valid_receipt_verifies_in_the_browser_without_signing_in(
        person, stack, receipts, assert_accessible, screenshot, color_scheme) -> None:
    visitor = person(color_scheme=color_scheme)
    page = visitor.open("/")
    page.get_by_role("link", name="Verify a receipt").click()
    choose_with_keyboard(page, receipts["valid"])
    fill_chain(page, stack)
    assert_accessible(page)
    screenshot(page, f"verify-form-{color_scheme}")
    page.get_by_role("button", name="Verify receipt").click()
    page.get_by_text("Valid receipt").wait_for()
    checks = page.get_by_role("list", name="Checks").get_by_role("listitem")
    assert checks.count() > 10
    assert page.get_by_text("failed", exact=True).count() == 0
    for name in ("format", "ledger.trusted", "audit_chain", "history", "contract", "digest",
                 "ledger.chain", "ledger.code", "anchoring", "status_slot"):
        assert page.get_by_text(name, exact=True).count() == 1, name
    assert_accessible(page)
    screenshot(page, f"verify-valid-{color_scheme}")
    assert "/sign-in" not in page.url and visitor.console_errors == []


def test_a_tampered_receipt_is_rejected_with_the_tampered_part_named(
        person, stack, receipts, assert_accessible, screenshot) -> None:
    visitor = person()
    page = visitor.open("/verify")
    page.get_by_role("heading", name="Verify a receipt").wait_for()
    drop(page, receipts["proof_sibling_altered"])
    fill_chain(page, stack)
    page.get_by_role("button", name="Verify receipt").click()
    page.get_by_text("Invalid receipt", exact=False).wait_for()
    verdict = page.get_by_role("alert")
    assert "the Merkle proof of event" in verdict.inner_text()
    assert page.get_by_text("failed", exact=True).count() >= 2
    assert_accessible(page)
    screenshot(page, "verify-tampered-proof")
    # Another file, another tampering: the contract's terms.
    choose_with_keyboard(page, receipts["contract_terms_changed"])
    page.get_by_role("button", name="Verify receipt").click()
    page.get_by_role("alert").get_by_text('the contract\'s field "terms"', exact=False).wait_for()
    screenshot(page, "verify-tampered-terms")


def test_without_a_pinned_ledger_the_verdict_is_incomplete(person, stack, receipts) -> None:
    visitor = person()
    page = visitor.open("/verify")
    choose_with_keyboard(page, receipts["valid"])
    fill_chain(page, stack, pin=False)
    page.get_by_role("button", name="Verify receipt").click()
    page.get_by_text("Incomplete: neither proven nor disproven").wait_for()
    assert "no trusted ledger given" in page.get_by_role("alert").inner_text()


def test_a_broken_signature_is_invalid_without_a_pin_and_a_new_pin_clears_it(
        person, stack, receipts) -> None:
    """As `cms verify-receipt` (exit 2): without a pin nothing is proven, but a signature that
    does not verify disproves the receipt whichever ledger is trusted."""
    visitor = person()
    page = visitor.open("/verify")
    choose_with_keyboard(page, receipts["signature_altered"])
    fill_chain(page, stack, pin=False)
    page.get_by_role("button", name="Verify receipt").click()
    page.get_by_text("Invalid receipt", exact=False).wait_for()
    assert "the signature of" in page.get_by_role("alert").inner_text()
    assert page.get_by_text("Incomplete: neither proven nor disproven").count() == 0
    # The verdict was reached without a pin: pinning one (or changing the chain) clears it.
    page.get_by_label("Trusted ledger (CHAIN_ID:ADDRESS)").fill(f"31337:{stack.ledger.address}")
    page.get_by_role("heading", name="Result").wait_for(state="detached")
    page.get_by_role("button", name="Verify receipt").click()
    page.get_by_text("Invalid receipt", exact=False).wait_for()
    page.get_by_label("Chain RPC URL").fill(stack.ledger.rpc_url + "/")
    page.get_by_role("heading", name="Result").wait_for(state="detached")


def test_the_form_says_what_is_missing_next_to_each_field(person) -> None:
    visitor = person()
    page = visitor.open("/verify")
    page.get_by_role("heading", name="Verify a receipt").wait_for()
    page.get_by_label("Chain RPC URL").fill("")
    page.get_by_label("Trusted ledger (CHAIN_ID:ADDRESS)").fill("nonsense")
    page.get_by_role("button", name="Verify receipt").click()
    page.get_by_text("Choose or drop a receipt file.").wait_for()
    page.get_by_text("Enter the http(s) URL of a JSON-RPC endpoint").wait_for()
    page.get_by_text("Write it as CHAIN_ID:ADDRESS").wait_for()


def test_verifying_at_phone_width(person, stack, receipts, assert_accessible, screenshot) -> None:
    visitor = person(phone=True)
    page = visitor.open("/verify")
    choose_with_keyboard(page, receipts["proof_sibling_altered"])
    fill_chain(page, stack)
    page.get_by_role("button", name="Verify receipt").click()
    page.get_by_text("Invalid receipt", exact=False).wait_for()
    assert_accessible(page)
    screenshot(page, "verify-phone")
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
