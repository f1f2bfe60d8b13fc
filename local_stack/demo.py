"""The demo scenario ``make run`` plays: two parties with fresh keys agree on an AI-training
contract, and the consumer trains a model under it in the (simulated) enclave."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cms.domain.engine.callers import caller_address
from cms.domain.engine.circuit_library import comparator
from cms_client import CmsClient, Ed25519Signer, EthereumSigner
from cms_client.circuits import submit_input
from enclave_app.attestation_module import local_measurements
from local_stack.browser_key import new_seed, write_key_file

CONTRACTS = Path(__file__).resolve().parents[1] / "contracts" / "wasm"


def run_demo(base_url: str, rpc_url: str, receipt_dir: Path,
             log: Callable[[str], Any] = print, *,
             consumer_key_file: Path | None = None) -> dict[str, Any]:
    """``consumer_key_file``: where to leave the consumer's key for the web UI to import."""
    consumer_seed = new_seed()
    provider_key, consumer_key = EthereumSigner(chain_id=31337), Ed25519Signer(consumer_seed)
    if consumer_key_file is not None:
        write_key_file(consumer_seed, consumer_key_file)
    provider, consumer = CmsClient(base_url), CmsClient(base_url)
    log(f"  provider  {provider_key.did}  (Ethereum key, Sign-In with Ethereum)")
    log(f"  consumer  {consumer_key.did}  (Ed25519 key)")
    for client, key in ((provider, provider_key), (consumer, consumer_key)):
        client.register(key)
        client.sign_in(key)
    log("  both registered and signed in (challenge → signature → JWT)")
    contract = provider.create_contract({"template_id": "ai_training",
                                         "consumer_did": consumer_key.did,
                                         "variables": _training_variables(provider)})
    contract_id = contract["id"]
    pinned = contract["metadata"]["template"]
    log(f"  created   {contract_id} (draft) from template {pinned['id']} v{pinned['version']}"
        f" (sha256:{pinned['content_hash'][:16]}…): terms, validity and a Markdown/HTML/PDF "
        "document")
    dpia = b"Data protection impact assessment: MNIST digits, no personal data.\n"
    attachment_id = consumer.attach(contract_id, "dpia.txt", "text/plain", dpia)
    _wait_for_attachment(provider, contract_id, attachment_id, log)
    submitted = provider.transition(contract_id, "submit")
    log(f"  submitted digest sha256:{submitted['digest']} (review)")
    provider.sign_contract(contract_id, provider_key)
    log("  signed    by the provider (EIP-712 typed data)")
    signed = consumer.sign_contract(contract_id, consumer_key)
    log(f"  signed    by the consumer (Ed25519) → {signed['status']}")
    active = provider.transition(contract_id, "activate")
    log(f"  activated → {active['status']}")
    receipt_dir.mkdir(parents=True, exist_ok=True)
    document = receipt_dir / f"contract-{contract_id}.pdf"
    document.write_bytes(consumer.document(contract_id, "pdf"))  # checked against its SHA-256
    log(f"  document  {document} (the signed PDF, under S3 Object Lock)")
    report = consumer.verify(contract_id)
    for check in report["checks"]:
        log(f"    {'ok ' if check['ok'] else 'BAD'} {check['name']}: {check['detail']}")
    log(f"  verification: {'VALID' if report['valid'] else 'INVALID'}, "
        f"{len(consumer.events(contract_id))} audit events in the hash chain")
    _wait_for_anchor(provider, log)
    receipt = _save_receipt(consumer, contract_id, receipt_dir, rpc_url, log=log)
    training = _train(consumer, contract_id, receipt_dir, log)
    engine = _engine(provider, consumer, (provider_key.did, consumer_key.did), log)
    return {"contract_id": contract_id, "report": report, "provider_token": provider.token,
            "receipt": receipt, "training": training, "engine": engine,
            "consumer_did": consumer_key.did}


def _engine(provider: CmsClient, consumer: CmsClient, dids: tuple[str, str],
            log: Callable[[str], Any], timeout_s: float = 60) -> dict[str, str]:
    """The contract engine: an ERC20 payment token, a WebAssembly token, and a sealed
    comparison of the two parties' prices evaluated in the enclave."""
    to = caller_address(dids[1])
    credits = provider.deploy_engine_contract(
        "erc20", name="Data credits", init_args={"name": "Data credits", "symbol": "DCR",
                                                 "initial_supply": str(10**24)})
    batch = provider.execute_batch(credits["address"], [
        {"function": "transfer", "args": {"to": to, "value": str(n * 10**18)}}
        for n in (1, 2, 3)])
    log(f"  engine    ERC20 {credits['address']}: 3 transfers in one batch, "
        f"{batch['results'][0]['gas_used']:,} gas the first")
    code = (CONTRACTS / "token.wat").read_text()
    manifest = json.loads((CONTRACTS / "token.manifest.json").read_text())
    wasm = provider.deploy_engine_contract("wasm", name="WASM token", code=code,
                                           manifest=manifest, init_args={"supply": 1000})
    sent = provider.execute(wasm["address"], "transfer", {"to": to, "amount": 25})
    log(f"  engine    WebAssembly token {wasm['address']} (code {wasm['code_hash'][:18]}…): "
        f"transfer, {sent['gas_used']:,} gas metered by fuel")
    circuit = provider.deploy_engine_contract("circuit", name="Sealed price check", init_args={
        "circuit": comparator(32), "enclave_pcr0s": [local_measurements()[0].hex()],
        "parties": {"alice": caller_address(dids[0]), "bob": to}})
    submit_input(provider, circuit["address"], "alice", 1_250)  # the provider's ask
    submit_input(consumer, circuit["address"], "bob", 1_400)  # the consumer's bid
    consumer.execute(circuit["address"], "requestEvaluation")
    deadline, result = time.monotonic() + timeout_s, None
    while result is None and time.monotonic() < deadline:
        time.sleep(1)
        result = consumer.execute(circuit["address"], "result")["return_value"]
    outcome = result["outputs"] if result else "not evaluated in time"
    log(f"  engine    circuit {circuit['address']}: the provider's ask and the consumer's bid, "
        f"each encrypted to the enclave, compared inside it: {outcome} (ask above bid?)")
    return {"erc20": credits["address"], "wasm": wasm["address"],
            "circuit": circuit["address"]}



def _train(client: CmsClient, contract_id: str, directory: Path,
           log: Callable[[str], Any], timeout_s: float = 600) -> Path | None:
    """A small DP-SGD job on the shipped MNIST digits, then its verified, attested result."""
    # bench/dp_training.py's tuning for epsilon 1: ScatterNet features, a linear head.
    job = client._call("POST", "/api/v1/training-jobs", {
        "contract_id": contract_id, "model": "scatter_linear",
        "config": {"epochs": 10, "epsilon": 1.0, "batch_size": 1000, "lr": 2.0,
                   "max_grad_norm": 0.1}})
    log(f"  training  job {job['id']}: ScatterNet + linear, 10 epochs, epsilon 1.0 reserved "
        "of the contract's 3.0, in the enclave (simulated attestation)")
    deadline = time.monotonic() + timeout_s
    while job["status"] in ("pending", "running") and time.monotonic() < deadline:
        time.sleep(2)
        job = client._call("GET", f"/api/v1/training-jobs/{job['id']}")
    if job["status"] != "completed":
        log(f"  training  ended {job['status']}: {job.get('error')}")
        return None
    for epoch in job["metrics"]["epochs"]:
        log(f"    epoch {epoch['epoch']}: test accuracy {epoch['test_accuracy']:.3f}, "
            f"epsilon so far {epoch['epsilon']:.3f}")
    log(f"  trained   epsilon spent {job['privacy_budget_spent']} (PRV accountant); the rest "
        "went back to the contract's budget")
    verification = client._call("GET", f"/api/v1/training-jobs/{job['id']}/verification")
    for check in verification["checks"]:
        log(f"    {'ok ' if check['ok'] else 'BAD'} {check['name']}: {check['detail']}")
    result = directory / f"training-{job['id']}.json"
    result.write_text(json.dumps(verification["result"], indent=2))
    log(f"  result    {result} ({'VALID' if verification['valid'] else 'INVALID'}; verify it "
        "offline with `cms verify-training`)")
    return result


def _training_variables(client: CmsClient) -> dict[str, Any]:
    """The built-in AI-training template's example, starting today."""
    variables = client.template("ai_training")["example"]
    # The image this machine's simulated enclave measures as: the contract allows it.
    variables["enclave_measurements"] = [{"pcr0": local_measurements()[0].hex(),
                                          "description": "local enclave app (simulated)"}]
    variables["model_architectures"] = ["mnist_cnn", "scatter_linear"]
    today = datetime.now(UTC).date()
    variables.update(start_date=today.isoformat(),
                     end_date=(today + timedelta(days=364)).isoformat())
    half = variables["payment"]["total"] // 2
    variables["payment"]["installments"] = [
        {"due": (today + timedelta(days=days)).isoformat(), "amount": half}
        for days in (14, 180)]
    return variables


def _wait_for_attachment(client: CmsClient, contract_id: str, attachment_id: str,
                         log: Callable[[str], Any], timeout_s: float = 20) -> None:
    """S3 reports the upload through EventBridge; the triggers function hashes it."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        attachments = client.get_contract(contract_id)["metadata"].get("attachments", [])
        if any(a["id"] == attachment_id for a in attachments):
            record = next(a for a in attachments if a["id"] == attachment_id)
            log(f"  attached  {record['name']} sha256:{record['sha256'][:16]}… (uploaded to "
                "S3 by the consumer, hashed by the triggers function)")
            return
        time.sleep(0.3)
    log("  attached  the upload was not registered in time (see the triggers log)")


def _wait_for_anchor(client: CmsClient, log: Callable[[str], Any], timeout_s: float = 60) -> None:
    """The anchor schedule puts the events' Merkle root on the local chain within seconds."""
    deadline = time.monotonic() + timeout_s
    status = client.ledger_status()
    while status["unanchored"]["count"] and time.monotonic() < deadline:
        time.sleep(1)
        status = client.ledger_status()
    batch = status.get("last_batch")
    if status["unanchored"]["count"] or batch is None:
        log(f"  anchoring: {status['unanchored']['count']} events still waiting "
            f"({(status.get('problem') or {}).get('detail', 'see /api/v1/ledger/status')})")
        return
    log(f"  anchored  events {batch['first_seq']}..{batch['last_seq']} as Merkle root "
        f"{batch['root'][:16]}… in block {batch['block_number']} (tx {batch['tx_hash'][:18]}…) "
        f"on ContractLedger {status['ledger_address']}")


def _save_receipt(client: CmsClient, contract_id: str, directory: Path, rpc_url: str, *,
                  log: Callable[[str], Any], timeout_s: float = 30) -> Path | None:
    """Fetch the receipt once every event's batch is final, keep it, and verify it the way
    anyone would: against the chain alone."""
    from cms.adapters.ledger_view import LedgerView, ledger_runtime_code
    from cms.domain.receipts import TrustedLedger, verify_receipt

    deadline = time.monotonic() + timeout_s
    raw = client.receipt(contract_id)
    while not all(event["anchor"] for event in json.loads(raw)["events"]):
        if time.monotonic() > deadline:
            log("  receipt   not every event is anchored yet: fetch it again later")
            return None
        time.sleep(1)
        raw = client.receipt(contract_id)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"receipt-{contract_id}.json"
    path.write_bytes(raw)
    pin = client.ledger()["pin"]  # what the operator publishes
    report = verify_receipt(raw, LedgerView.connector(rpc_url), ledger_runtime_code(),
                            TrustedLedger.parse(pin))
    verdict = "VALID" if report.valid else "INVALID"
    log(f"  receipt   {path} ({len(raw)} bytes), checked against the chain alone: "
        f"{verdict}, {len(report.checks)} checks")
    return path
