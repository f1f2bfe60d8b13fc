"""The contract engine in Chromium on the local stack: an ERC20 and a WebAssembly token
deployed and called through the forms the ABI generates (the gas estimated first, then the
result and its event), a failed call's revert reason in words, a manifest refused field by
field, a circuit contract whose two parties encrypt their inputs in their browsers and see the
attested result, and the engine's metrics as charts with their table."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from cms.domain.engine.callers import caller_address
from cms.domain.engine.circuit_library import comparator
from enclave_app.attestation_module import local_measurements

REPO = Path(__file__).resolve().parents[2]
WASM = REPO / "contracts" / "wasm"
ADDRESS_PATH = re.compile(r"/engine/0x[0-9a-fA-F]{40}$")


def call(page: Any, function: str, **args: str) -> None:
    """Fill the call form for ``function`` and estimate its gas."""
    page.get_by_label("Function", exact=True).select_option(function)
    for name, value in args.items():
        page.get_by_label(re.compile(rf"^{name} \(")).fill(value)
    page.get_by_role("button", name="Estimate gas").click()


def run(page: Any, function: str) -> None:
    expect(page.get_by_test_id("gas-estimate")).to_contain_text("Estimated gas:")
    page.get_by_role("button", name=f"Run {function}").click()


def console_errors(visitor: Any) -> list[str]:
    """What the page logged as errors besides the refusals the test provokes on purpose (a
    revert is a 422, a refused manifest a 400: Chromium logs each failed request)."""
    return [text for text in visitor.console_errors
            if not re.fullmatch(r"Failed to load resource: .* status of (400|422) .*", text)]


def no_horizontal_scroll(page: Any) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_an_erc20_transfer_and_a_failed_call_in_words(person, new_party, assert_accessible,
                                                      screenshot):
    alice, bob = new_party("eth"), new_party("ed25519")
    visitor = person()
    page = visitor.sign_in_as(alice, "/engine")
    expect(page.get_by_role("heading", name="Contract engine", level=1)).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Token name").fill("Data credits")
    page.get_by_label("Symbol").fill("DCR")
    page.get_by_label("Initial supply").fill("1000")
    page.get_by_role("button", name="Deploy the token").click()
    expect(page).to_have_url(ADDRESS_PATH)
    expect(page.get_by_role("heading", name="Data credits", level=1)).to_be_visible()
    address = page.url.rsplit("/", 1)[1]

    receiver = caller_address(bob.did)
    call(page, "transfer", to=receiver, value="250")
    run(page, "transfer")
    expect(page.get_by_text("transfer succeeded")).to_be_visible()
    expect(page.get_by_text(re.compile(rf"Transfer: from 0x[0-9a-fA-F]{{40}}, to {receiver}, "
                                       r"value 250"))).to_be_visible()
    assert_accessible(page)
    screenshot(page, "erc20-transfer")

    # Alice has 750 left: 5,000 would revert, and the estimate already says why, in words.
    call(page, "transfer", to=receiver, value="5000")
    expect(page.get_by_role("alert")).to_contain_text(
        "has a balance of 750, less than the 5000 this needs.")
    assert_accessible(page)
    screenshot(page, "erc20-revert-reason")

    # Bob reads his balance on a phone: the form fits, the result is his 250.
    phone = person(phone=True)
    page = phone.sign_in_as(bob, f"/engine/{address}")
    call(page, "balanceOf", account=receiver)
    run(page, "balanceOf")
    expect(page.get_by_text("balanceOf succeeded")).to_be_visible()
    expect(page.get_by_text("Result: 250")).to_be_visible()
    assert no_horizontal_scroll(page)
    assert_accessible(page)
    screenshot(page, "erc20-call-form-phone")
    expect(page.get_by_role("table", name="Executions, newest first")).to_contain_text("transfer")
    assert console_errors(visitor) == [] and console_errors(phone) == []


def test_a_webassembly_transfer_and_a_manifest_refused_by_field(person, new_party,
                                                                assert_accessible, screenshot):
    alice, bob = new_party("eth"), new_party("eth")
    visitor = person()
    page = visitor.sign_in_as(alice, "/engine")
    page.get_by_role("tab", name="WebAssembly").click()
    page.get_by_label("Contract name").fill("Token module")
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Module", exact=True).click()
    chooser.value.set_files(str(WASM / "token.wat"))
    manifest = (WASM / "token.manifest.json").read_text(encoding="utf-8")
    # A type the ABI does not have: refused, and said against the manifest's field.
    amount = '{"name": "amount", "type": "u64"}'
    bad = manifest.replace(amount, amount.replace("u64", "u7"), 1)
    page.get_by_label("Manifest (JSON)").fill(bad)
    page.get_by_label("supply (u64)").fill("1000")
    page.get_by_role("button", name="Deploy the module").click()
    refused = page.get_by_role("alert").filter(has_text="The manifest was refused")
    field = " \u203a ".join(["functions", "transfer", "params", "1", "type"])
    expect(refused).to_contain_text(field)
    assert_accessible(page)
    screenshot(page, "wasm-manifest-refused")

    page.get_by_label("Manifest (JSON)").fill(manifest)
    page.get_by_role("button", name="Deploy the module").click()
    expect(page).to_have_url(ADDRESS_PATH)
    expect(page.get_by_role("heading", name="Token module", level=1)).to_be_visible()
    receiver = caller_address(bob.did)
    call(page, "transfer", to=receiver, amount="100")
    run(page, "transfer")
    expect(page.get_by_text("transfer succeeded")).to_be_visible()
    expect(page.get_by_text(re.compile(rf"Transfer: from 0x[0-9a-fA-F]{{40}}, to {receiver}, "
                                       r"amount 100"))).to_be_visible()
    assert_accessible(page)
    screenshot(page, "wasm-transfer")

    # A batch: two calls, each with its outcome (the second one fails on its own).
    call(page, "transfer", to=receiver, amount="1")
    page.get_by_role("button", name="Add to batch").click()
    page.get_by_label(re.compile(r"^amount \(")).fill("999999")
    page.get_by_role("button", name="Add to batch").click()
    page.get_by_role("button", name="Run the batch").click()
    expect(page.get_by_text("1 succeeded, 1 failed.")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "wasm-batch")
    assert console_errors(visitor) == []


def test_two_parties_encrypt_in_their_browsers_and_see_the_attested_result(
        person, new_party, assert_accessible, screenshot):
    alice, bob = new_party("eth"), new_party("ed25519")
    deployer = person().sign_in_as(alice, "/engine")
    deployer.get_by_role("tab", name="Circuit").click()
    deployer.get_by_label("Contract name").fill("Who bids more")
    deployer.get_by_label("Circuit (cms-circuit/v1 JSON)").fill(json.dumps(comparator(16)))
    deployer.get_by_label("Address of party alice (16-bit input)").fill(caller_address(alice.did))
    deployer.get_by_label("Address of party bob (16-bit input)").fill(caller_address(bob.did))
    deployer.get_by_label(re.compile("^Enclave images allowed")).fill(
        local_measurements()[0].hex())
    deployer.get_by_role("button", name="Deploy the circuit").click()
    expect(deployer).to_have_url(ADDRESS_PATH)
    assert_accessible(deployer)
    contract = {"address": deployer.url.rsplit("/", 1)[1]}
    path = f"/engine/{contract['address']}"
    pages = {}
    for party, value in ((alice, "41000"), (bob, "39500")):
        page = person().sign_in_as(party, path)
        page.get_by_label(re.compile(r"^Your secret value as")).fill(value)
        page.get_by_role("button", name="Encrypt and submit").click()
        expect(page.get_by_role("button", name="Encrypt and submit")).to_have_count(0)
        pages[party.did] = page
    page = pages[bob.did]
    page.reload()
    expect(page.get_by_text("Every input is in.")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Request the evaluation").click()
    result = page.get_by_text("The attested result")
    expect(result).to_be_visible(timeout=90_000)
    expect(page.get_by_text("a_greater: yes")).to_be_visible()
    expect(page.get_by_text(re.compile("development root"))).to_be_visible()
    assert_accessible(page)
    screenshot(page, "circuit-result")
    # Only ciphertexts were sent: the server never saw 41000 in the clear.
    history = alice.client.engine_history(contract["address"])["items"]
    submits = [r for r in history if r["function"] == "submitInput"]
    assert len(submits) == 2 and all(r["success"] for r in submits)


def test_the_engine_metrics_in_both_themes_and_my_deployments(person, new_party,
                                                                  assert_accessible, screenshot):
    alice = new_party("eth")
    alice.client.deploy_engine_contract("erc20", name="Metered", init_args={
        "name": "Metered", "symbol": "MTR", "initial_supply": "10"})
    for scheme in ("light", "dark"):
        visitor = person(color_scheme=scheme)
        page = visitor.sign_in_as(alice, "/engine")
        metrics = page.get_by_role("region", name="Engine metrics")
        figure = metrics.get_by_role("figure", name="Rates (percent)")
        expect(figure.locator("svg.recharts-surface")).to_be_visible()
        expect(metrics.get_by_role("figure", name="Executions").locator("svg.recharts-surface")
               ).to_be_visible()
        table = metrics.get_by_role("table", name="Engine metrics as figures")
        expect(table).to_contain_text("Success rate")
        expect(table).to_contain_text("Gas consumed")
        assert_accessible(page)
        screenshot(page, f"engine-metrics-{scheme}")
        assert visitor.console_errors == []
    # Her deployments are listed (newest first) and each opens its page.
    mine = page.get_by_role("table", name="My deployed contracts, newest first")
    mine.get_by_role("link", name="Metered").click()
    expect(page).to_have_url(ADDRESS_PATH)
    expect(page.get_by_role("heading", name="Metered", level=1)).to_be_visible()
