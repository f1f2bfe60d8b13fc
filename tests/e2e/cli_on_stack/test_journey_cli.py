"""Two people who only have ``cms``: each makes a key, registers and logs in; they make an
AI-training contract from a template, sign it, activate and verify it, check its receipt
against the chain, train a model under it and verify the result, and pay through the engine.
No token, no SDK: everything as typed at a terminal (output piped, so JSON)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from cms.domain.engine.callers import caller_address
from enclave_app.attestation_module import local_measurements
from tests.template_variables import training_variables
from tests.unit.test_enclave_jobs import mnist_archive

# A training run inside: its own waits (up to 360 s when the cores are busy) bound it, not
# pytest's default 300 s for the whole test.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]

PASSPHRASE = "a long passphrase for the journey"
QUICK_JOB = ("--epochs", "1", "--epsilon", "1.0", "--batch-size", "400", "--lr", "1.0")


class Person:
    """One person's terminal: their own configuration directory and passphrase."""

    def __init__(self, run_cms, home: Path) -> None:
        home.mkdir(mode=0o700)
        self._run, self._env = run_cms, {"CMS_CONFIG_DIR": str(home),
                                         "CMS_KEY_PASSPHRASE": PASSPHRASE}

    def __call__(self, *args: str, expect: int = 0, timeout: float = 120):
        done = self._run(*args, env=self._env, timeout=timeout)
        assert done.returncode == expect, f"cms {' '.join(args)}: {done.stdout}{done.stderr}"
        return json.loads(done.stdout) if done.stdout.strip() else None


def test_two_people_with_only_the_cli(run_cms, stack, tmp_path) -> None:
    provider, consumer = Person(run_cms, tmp_path / "ada"), Person(run_cms, tmp_path / "bob")
    provider_did = provider("key", "create", "--type", "eth", "--chain-id", "31337",
                            "ada")["did"]
    consumer_did = consumer("key", "create", "bob")["did"]  # Ed25519, did:key
    for person, name in ((provider, "Ada"), (consumer, "Bob")):
        person("register", "--name", name)
        person("login")
    assert provider("whoami")["did"] == provider_did

    pcr0 = local_measurements()[0].hex()
    variables = tmp_path / "variables.json"
    variables.write_text(json.dumps(training_variables(
        enclave_measurements=[{"pcr0": pcr0}])))
    contract = provider("contract", "create", "--template-id", "ai_training",
                        "--vars", str(variables), "--consumer-did", consumer_did,
                        "--title", "Digits, privately")
    contract_id = contract["id"]
    assert provider("contract", "submit", contract_id)["status"] == "review"
    provider("contract", "sign", contract_id)
    assert consumer("contract", "sign", contract_id)["status"] == "signed"
    assert consumer("contract", "activate", contract_id)["status"] == "active"
    assert provider("contract", "verify", contract_id)["valid"] is True
    assert [c["id"] for c in consumer("contract", "list", "--status", "active")] == \
        [contract_id]

    archive = tmp_path / "mnist.zip"
    archive.write_bytes(mnist_archive(train=400, test=100))
    assert provider("training", "dataset", "upload", contract_id, "mnist-train",
                    str(archive))["registered"] is True
    job = consumer("training", "job", "start", contract_id, *QUICK_JOB)
    watched = run_cms("-o", "jsonl", "training", "job", "watch", job["id"], "--interval",
                      "1", env=consumer._env, timeout=360)
    assert watched.returncode == 0, watched.stderr
    assert [json.loads(line)["epoch"] for line in watched.stdout.splitlines()] == [1]
    assert consumer("training", "result", "verify", job["id"], "--development-root",
                    os.environ["CMS_ATTESTATION_DEV_ROOT"])["valid"] is True

    token = provider("engine", "deploy", "erc20", "--name", "Journey credits", "--init",
                     "name=Journey credits", "--init", "symbol=JNY", "--init", "decimals=2",
                     "--init", "initial_supply=100000", "--governed-by", contract_id)
    paid = provider("engine", "call", token["address"], "transfer", "--arg",
                    f"to={caller_address(consumer_did)}", "--arg", "value=1200")
    assert paid["success"] is True

    _wait_until_anchored(provider, contract_id)
    receipt = tmp_path / "receipt.json"
    provider("contract", "receipt", contract_id, "--out", str(receipt))
    pin = provider("ledger", "info")["pin"]
    checked = run_cms("verify-receipt", str(receipt), "--rpc", stack.ledger.rpc_url,
                      "--ledger", pin)
    assert checked.returncode == 0, checked.stdout + checked.stderr

    provider("logout")
    # Logged out, and no passphrase to sign in again with: told to log in, exit 4.
    refused = run_cms("whoami", env={"CMS_CONFIG_DIR": str(tmp_path / "ada")})
    assert refused.returncode == 4 and "cms login" in refused.stderr


def _wait_until_anchored(person: Person, contract_id: str, timeout: float = 60) -> None:
    """Every event anchored, and the receipt holding each one's proof (the batch that holds
    the head must be final too)."""
    deadline = time.monotonic() + timeout
    while True:
        events = person("contract", "events", contract_id)
        if all(e["anchor"]["state"] == "anchored" for e in events) and all(
                e["anchor"] for e in person("contract", "receipt", contract_id)["events"]):
            return
        assert time.monotonic() < deadline, "the contract's events were not anchored"
        time.sleep(1)
