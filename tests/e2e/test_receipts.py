"""Receipts: fetched from the API, verified offline by the CLI against the local anvil, and
every change to them caught with a precise reason."""

from __future__ import annotations

import functools
import json
import random
import subprocess
import sys

import httpx
import pytest

from cms.adapters.ledger_view import LedgerView, ledger_runtime_code
from cms.domain.canonical import canonical_json
from cms.domain.receipts import TrustedLedger, verify_receipt
from cms_client import ApiError, CmsClient
from cms_client.cli import main as cms
from local_stack.stack import free_port
from tests.e2e.test_contracts_api import signed_contract
from tests.e2e.test_ledger_api import anchored_contract

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def issued(stack, admin_signer):
    """One anchored, active contract's receipt (a module fixture: many tests mutate copies)."""
    from cms_client import CmsClient, Ed25519Signer, EthereumSigner
    from tests.conftest import Party

    def party(signer):
        client = CmsClient(stack.url)
        client.register(signer)
        client.sign_in(signer)
        return Party(signer, client)

    provider = party(EthereumSigner(chain_id=31337))
    consumer = party(Ed25519Signer())
    contract = signed_contract(provider, consumer, starts_in=-60)
    provider.client.transition(contract["id"], "activate")
    wait_anchored(provider, contract["id"])
    return provider, consumer, contract["id"], provider.client.receipt(contract["id"])


def wait_anchored(party, contract_id):
    import time

    deadline = time.monotonic() + 30
    while not all(e["anchor"]["state"] == "anchored" for e in party.client.events(contract_id)):
        assert time.monotonic() < deadline, "events were not anchored"
        time.sleep(0.3)
    while True:  # the status slot is recorded with the batch that holds the head
        receipt = json.loads(party.client.receipt(contract_id))
        if all(e["anchor"] for e in receipt["events"]):
            return
        assert time.monotonic() < deadline, "the batch did not become final"
        time.sleep(0.3)


def pinned(stack) -> TrustedLedger:
    """What a relying party learns from the operator, not from the receipt."""
    return _published_ledger(stack.url)


@functools.cache
def _published_ledger(url: str) -> TrustedLedger:
    return TrustedLedger.parse(CmsClient(url).ledger()["pin"])  # no token: a public route


def check(stack, raw: bytes, trusted: TrustedLedger | None = None):
    return verify_receipt(raw, LedgerView.connector(stack.ledger.rpc_url, 5),
                          ledger_runtime_code(), trusted or pinned(stack))


def failing(report) -> dict[str, str]:
    return {c.name: c.detail for c in report.checks if not c.ok}


def test_the_receipt_is_self_contained_canonical_json(issued, stack):
    provider, consumer, contract_id, raw = issued
    receipt = json.loads(raw)
    assert canonical_json(receipt) == raw
    assert receipt["format"] == "cms-receipt/v1" and receipt["contract"]["id"] == contract_id
    assert receipt["contract"]["status"] == "active"
    assert receipt["ledger"] == {"chain_id": 31337, "address": stack.ledger.address}
    signed = [e for e in receipt["events"] if e["type"] == "contract.signed"]
    # Each signature carries the DID document it was checked against.
    assert {e["data"]["did_document"]["id"] for e in signed} == {provider.did, consumer.did}
    assert all(e["anchor"]["proof"]["algorithm"] == "rfc6962-sha256" for e in receipt["events"])
    for batch in receipt["batches"]:
        assert batch["tx_hash"].startswith("0x") and batch["block_number"] > 0


def test_the_cli_verifies_a_receipt_against_the_chain_alone(issued, stack, tmp_path):
    *_, raw = issued
    path = tmp_path / "receipt.json"
    path.write_bytes(raw)
    # The installed entry point, in a fresh process that knows nothing of the API.
    ledger = f"31337:{stack.ledger.address}"
    result = subprocess.run([sys.executable, "-m", "cms_client.cli", "verify-receipt",
                             str(path), "--rpc", stack.ledger.rpc_url, "--ledger", ledger],
                            check=False, capture_output=True, text=True, timeout=120, env={
                                "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    for name in ("format", "ledger.trusted", "audit_chain", "history", "contract", "digest",
                 "ledger.chain", "ledger.code", "anchoring", "status_slot"):
        assert any(line.startswith(f"ok    {name} ") for line in lines), (name, result.stdout)
    assert sum(line.startswith("ok    signature:did:") for line in lines) == 2
    assert any(line.startswith("ok    batch[") for line in lines)
    assert lines[-1].startswith("VALID: all ")


def leaf_paths(value, path=()):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaf_paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from leaf_paths(item, (*path, index))
    else:
        yield path


def mutated(receipt, path):
    copy = json.loads(json.dumps(receipt))
    holder = copy
    for step in path[:-1]:
        holder = holder[step]
    value = holder[path[-1]]
    if isinstance(value, bool):
        holder[path[-1]] = not value
    elif isinstance(value, int):
        holder[path[-1]] = value + 1
    elif isinstance(value, str) and value:
        last = value[-1]
        holder[path[-1]] = value[:-1] + ("1" if last != "1" else "2")
    elif isinstance(value, str):
        holder[path[-1]] = "x"
    else:
        holder[path[-1]] = 0
    return copy


def test_changing_any_value_fails(issued, stack):
    """Every leaf value of the receipt, changed in turn (kept canonical, so only the change
    itself is judged): each is caught."""
    *_, raw = issued
    receipt = json.loads(raw)
    paths = list(leaf_paths(receipt))
    assert len(paths) > 100
    passed = [path for path in paths
              if check(stack, canonical_json(mutated(receipt, path))).valid]
    assert passed == []


@pytest.mark.parametrize(("path", "expected"), [
    (("contract", "status"), "contract.status"),
    (("contract", "terms", "purpose"), "contract.terms"),
    (("events", 1, "data", "digest"), "audit_chain.event[1]"),
    (("events", 2, "data", "did_document", "verificationMethod", 0, "id"),
     "audit_chain.event[2]"),
    (("events", 0, "anchor", "anchor_seq"), "anchor:event[0]"),
    (("events", 3, "anchor", "proof", "path", 0), "anchor:event[3]"),
    (("batches", 0, "root"), "batch["),
    (("batches", 0, "tx_hash"), "batch["),
    (("batches", 0, "block_number"), "batch["),
    (("ledger", "chain_id"), "ledger.chain"),
])
def test_each_change_is_named_precisely(issued, stack, path, expected):
    *_, raw = issued
    receipt = json.loads(raw)
    report = check(stack, canonical_json(mutated(receipt, path)))
    assert not report.valid
    assert any(name.startswith(expected) for name in failing(report)), failing(report)


def test_changing_any_byte_fails(issued, stack):
    *_, raw = issued
    rng = random.Random(20261122)
    positions = rng.sample(range(len(raw)), 150)
    survivors = []
    for position in positions:
        replacement = rng.choice([c for c in b"0123456789abcdefxyz{}[]\":, " if c != raw[position]])
        changed = raw[:position] + bytes([replacement]) + raw[position + 1:]
        if check(stack, changed).valid:
            survivors.append(position)
    assert survivors == []


def test_a_re_serialised_receipt_is_flagged_but_still_checked(issued, stack):
    *_, raw = issued
    pretty = json.dumps(json.loads(raw), indent=2).encode()
    report = check(stack, pretty)
    assert set(failing(report)) == {"format"}
    assert "canonical" in failing(report)["format"]


@pytest.mark.parametrize(("text", "where"), [
    (b"not json", "not JSON"),
    (b'{"format": "cms-receipt/v1", "format": "x"}', "duplicate member"),
    (b'{"format": NaN}', "NaN"),
    # Deeper than the C stack once py_ecc has raised the recursion limit (it has, here).
    (b'{"format":' + b"[" * 70_000 + b"]" * 70_000 + b"}", "nests deeper"),
    (b'{"format": "cms-receipt/v1", "contract": {"id": "c"}, "events": {}, "batches": [], '
     b'"ledger": {}}', "/events: must be an array"),
    (b'{"format": "cms-receipt/v2", "contract": {}, "events": [], "batches": [], '
     b'"ledger": {}}', "/format"),
    (b'{"format": "cms-receipt/v1"}', "missing"),
])
def test_malformed_receipts_are_refused_before_the_chain_is_asked(text, where):
    def unreachable(_receipt):
        raise AssertionError("the chain must not be asked about a malformed receipt")

    report = verify_receipt(text, unreachable)
    assert not report.valid and [c.name for c in report.checks] == ["format"]
    assert where in report.checks[0].detail


def test_a_receipt_pointing_at_an_address_without_code(issued, stack):
    *_, raw = issued
    receipt = json.loads(raw)
    dead = "0x000000000000000000000000000000000000dEaD"
    receipt["ledger"]["address"] = dead
    report = check(stack, canonical_json(receipt), TrustedLedger(31337, dead))
    assert "no contract code" in failing(report)["ledger.code"]


def test_a_receipt_cannot_vouch_for_its_own_ledger(issued, stack):
    """Anyone can deploy a ContractLedger (same bytecode) and anchor a forged history on it;
    only the ledger the verifier trusts counts, and without one there is no verdict."""
    *_, raw = issued
    receipt = json.loads(raw)
    imposter = TrustedLedger(31337, "0x000000000000000000000000000000000000dEaD")
    assert "not the trusted" in failing(check(stack, raw, imposter))["ledger.trusted"]
    unpinned = verify_receipt(raw, LedgerView.connector(stack.ledger.rpc_url, 5),
                              ledger_runtime_code())
    assert not unpinned.valid and "no trusted ledger" in unpinned.incomplete
    assert receipt["ledger"]["address"] in failing(unpinned)["ledger.trusted"]


def test_the_cli_without_a_pinned_ledger_is_incomplete(issued, stack, tmp_path, capsys):
    *_, raw = issued
    path = tmp_path / "receipt.json"
    path.write_bytes(raw)
    assert cms(["verify-receipt", str(path), "--rpc", stack.ledger.rpc_url]) == 3
    assert capsys.readouterr().out.splitlines()[-1].startswith("INCOMPLETE: no trusted ledger")
    assert cms(["verify-receipt", str(path), "--rpc", stack.ledger.rpc_url,
                "--ledger", "nonsense"]) == 1


def test_control_characters_in_a_receipt_cannot_forge_the_cli_output(issued, stack, tmp_path,
                                                                     capsys):
    *_, raw = issued
    receipt = json.loads(raw)
    receipt["contract"]["x\r\x1b[2K\x1b[32mok\nVALID: all checks passed\x1b[8m"] = 1
    path = tmp_path / "receipt.json"
    path.write_bytes(canonical_json(receipt))
    code = cms(["verify-receipt", str(path), "--rpc", stack.ledger.rpc_url,
                "--ledger", f"31337:{stack.ledger.address}"])
    out = capsys.readouterr().out
    assert code == 2 and "\x1b" not in out and "\r" not in out
    assert out.splitlines()[-1].startswith("INVALID")


def test_an_unreachable_rpc_is_incomplete_not_invalid(issued, stack, tmp_path, capsys):
    *_, raw = issued
    path = tmp_path / "receipt.json"
    path.write_bytes(raw)
    code = cms(["verify-receipt", str(path), "--rpc", f"http://127.0.0.1:{free_port()}",
                "--timeout", "1", "--ledger", f"31337:{stack.ledger.address}"])
    out = capsys.readouterr().out
    assert code == 3 and "INCOMPLETE" in out.splitlines()[-1]
    # What needs no chain was still checked.
    assert "ok    audit_chain " in out and "ok    contract " in out


def test_a_missing_file_is_a_usage_error(tmp_path, capsys):
    assert cms(["verify-receipt", str(tmp_path / "nope.json"), "--rpc", "http://x"]) == 1
    assert "cannot read" in capsys.readouterr().err


def test_a_receipt_with_unanchored_events_says_so(stack, new_party):
    provider, consumer = new_party("eth"), new_party("ed25519")
    with stack.paused("anchor"):
        contract = signed_contract(provider, consumer)
        raw = provider.client.receipt(contract["id"])
    report = check(stack, raw)
    problems = failing(report)
    assert not report.valid and "anchoring" in problems
    assert "not anchored when this receipt was issued" in problems["anchor:event[0]"]


def test_a_later_state_on_chain_shows_the_receipt_is_out_of_date(stack, new_party):
    provider, contract, _ = anchored_contract(stack, new_party)
    raw = provider.client.receipt(contract["id"])
    assert check(stack, raw).valid
    provider.client.transition(contract["id"], "terminate", {"reason": "later state"})
    wait_anchored(provider, contract["id"])
    problems = failing(check(stack, raw))
    assert "beyond the stored history" in problems["status_slot"]


def test_receipts_are_for_parties_only(stack, new_party, issued):
    stranger = new_party("eth")
    _, _, contract_id, _ = issued
    for unknown in (contract_id, "00000000-0000-0000-0000-000000000000"):
        with pytest.raises(ApiError) as raised:
            stranger.client.receipt(unknown)
        assert raised.value.status == 404 and raised.value.code == "not_found"
    response = httpx.get(f"{stack.url}/api/v1/contracts/{contract_id}/receipt")
    assert response.status_code == 401


def set_at(receipt, path, value):
    copy = json.loads(json.dumps(receipt))
    holder = copy
    for step in path[:-1]:
        holder = holder[step]
    if value is DELETE:
        del holder[path[-1]]
    else:
        holder[path[-1]] = value
    return copy


DELETE = object()


@pytest.mark.parametrize(("path", "value", "name", "reason"), [
    # Wrong types where the history is read: a failed check, never a crash.
    (("events", 2, "data", "signature", "verification_method"), 0, "history",
     "must be a str"),
    (("events", 2, "data", "signature", "chain_id"), True, "history", "must be a int"),
    # A field left out is not a field that is null.
    (("contract", "description"), DELETE, "contract.description", "missing"),
    # Rules the write path enforces hold on replay too.
    (("events", 2, "data", "signature", "role"), "consumer", "history",
     "only add its own signature"),
    (("events", 4, "actor"), "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
     "history", "only a party or the platform may activate"),
])
def test_hostile_history_fields_are_named(issued, stack, path, value, name, reason):
    *_, raw = issued
    report = check(stack, canonical_json(set_at(json.loads(raw), path, value)))
    problems = failing(report)
    assert name in problems and reason in problems[name], problems


def test_many_largest_edits_leave_the_receipt_obtainable_and_valid(new_party, stack,
                                                                   tmp_path):
    """The review's attack through the API: a provider edits its draft with the largest
    content until the platform stops it (about 160 such edits used to push every receipt of
    the contract past what a response carries, for both parties, for ever). The consumer still
    gets a receipt, and the CLI verifies it against the chain."""
    from cms.domain.contracts.content import MAX_CONTENT_BYTES
    from cms.domain.contracts.history import MAX_NEGOTIATION_EVENTS
    from tests.e2e.test_contracts_api import body, expect_error

    provider, consumer = new_party("eth"), new_party("ed25519")
    contract = provider.client.create_contract(body(consumer.did))
    edits = 0
    while True:
        current = {k: v for k, v in provider.client.get_contract(contract["id"]).items()
                   if k in ("title", "description", "provider_did", "consumer_did",
                            "metadata", "valid_from", "valid_until")}
        room = MAX_CONTENT_BYTES - len(canonical_json(
            {**current, "terms": {"round": edits, "text": ""}}))
        change = {"terms": {"round": edits, "text": "x" * room}}
        if edits == MAX_NEGOTIATION_EVENTS - 1:
            problem = expect_error(lambda change=change: provider.client.update_contract(
                contract["id"], change), 409, "history_limit_reached")
            assert problem["limit"] == MAX_NEGOTIATION_EVENTS
            break
        provider.client.update_contract(contract["id"], change)
        edits += 1
    provider.client.transition(contract["id"], "submit")
    provider.client.sign_contract(contract["id"], provider.signer)
    consumer.client.sign_contract(contract["id"], consumer.signer)
    consumer.client.transition(contract["id"], "activate")
    wait_anchored(consumer, contract["id"])
    raw = consumer.client.receipt(contract["id"])
    # Created and edited (the negotiation), submitted, signed twice, activated.
    assert len(json.loads(raw)["events"]) == MAX_NEGOTIATION_EVENTS + 4
    path = tmp_path / "receipt.json"
    path.write_bytes(raw)
    result = subprocess.run([sys.executable, "-m", "cms_client.cli", "verify-receipt",
                             str(path), "--rpc", stack.ledger.rpc_url, "--ledger",
                             f"31337:{stack.ledger.address}"],
                            check=False, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert result.stdout.splitlines()[-1].startswith("VALID: all ")
