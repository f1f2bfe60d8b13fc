"""``cms training`` as a user types it, on the local stack: the provider uploads a dataset,
the consumer starts a one-epoch job, watches it to completion and verifies its result with
the development root; a job the contract's image refuses makes ``watch`` exit 12."""

from __future__ import annotations

import hashlib
import json
import os

import pytest

from enclave_app.attestation_module import local_measurements
from tests.e2e.test_training_runs import active_contract
from tests.unit.test_enclave_jobs import mnist_archive

# A training run inside: its own waits (up to 360 s when the cores are busy) bound it, not
# pytest's default 300 s for the whole test.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]
QUICK = ("--epochs", "1", "--epsilon", "1.0", "--batch-size", "400", "--lr", "1.0")


def test_a_dataset_a_job_watched_to_completion_and_its_result_verified(new_party, run_cms,
                                                                       tmp_path):
    pcr0 = local_measurements()[0].hex()
    provider, consumer, contract_id = active_contract(new_party, pcr0)
    as_provider, as_consumer = {"token": provider.client.token}, {"token": consumer.client.token}

    budget = json.loads(run_cms("training", "budget", contract_id, check=True,
                                **as_provider).stdout)
    assert budget["epsilon_available"] == "3.000000000"

    archive = tmp_path / "mnist.zip"
    archive.write_bytes(mnist_archive(train=400, test=100))
    uploaded = json.loads(run_cms("training", "dataset", "upload", contract_id, "mnist-train",
                                  str(archive), check=True, **as_provider).stdout)
    assert uploaded["registered"] is True
    assert uploaded["sha256"] == hashlib.sha256(archive.read_bytes()).hexdigest()
    listed = json.loads(run_cms("training", "dataset", "list", contract_id, check=True,
                                **as_consumer).stdout)
    assert {d["id"] for d in listed if d["registered"]} == {"mnist-train"}

    refused = run_cms("training", "job", "start", contract_id, *QUICK, "--image", "ab" * 48,
                      **as_consumer)
    assert refused.returncode == 8 and "does not allow the enclave image" in refused.stderr
    job = json.loads(run_cms("training", "job", "start", contract_id, *QUICK, "--dataset",
                             "mnist-train", "--image", pcr0, check=True, **as_consumer).stdout)
    assert job["status"] == "pending"

    watched = run_cms("-o", "jsonl", "training", "job", "watch", job["id"], "--interval", "1",
                      timeout=360, **as_consumer)
    assert watched.returncode == 0, watched.stderr
    epochs = [json.loads(line) for line in watched.stdout.splitlines()]
    assert [epoch["epoch"] for epoch in epochs] == [1] and "completed" in watched.stderr

    bundle, model = tmp_path / "result.json", tmp_path / "model.pt"
    verified = run_cms("training", "result", "verify", job["id"], "--out", str(bundle),
                       "--model-out", str(model), "--development-root",
                       os.environ["CMS_ATTESTATION_DEV_ROOT"], **as_consumer)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert json.loads(verified.stdout)["valid"] is True
    assert json.loads(bundle.read_text())["statement"]["model_sha256"] == \
        hashlib.sha256(model.read_bytes()).hexdigest()
    # Without the development root only AWS's is trusted: the simulated result is not attested.
    assert run_cms("training", "result", "verify", job["id"], **as_provider).returncode == 2

    downloaded = json.loads(run_cms("training", "model", job["id"], "--out",
                                    str(tmp_path / "again.pt"), check=True,
                                    **as_consumer).stdout)
    assert downloaded["sha256"] == hashlib.sha256(model.read_bytes()).hexdigest()
    jobs = json.loads(run_cms("training", "job", "list", "--contract-id", contract_id,
                              "--status", "completed", check=True, **as_provider).stdout)
    assert [item["id"] for item in jobs] == [job["id"]]
    settled = json.loads(run_cms("training", "job", "get", job["id"], check=True,
                                 **as_consumer).stdout)
    assert settled["status"] == "completed"
    assert run_cms("training", "job", "stop", job["id"], **as_consumer).returncode == 7


def test_watching_a_job_that_fails_exits_12_with_its_reason(new_party, run_cms):
    _, consumer, contract_id = active_contract(new_party, "ab" * 48)  # no local enclave
    as_consumer = {"token": consumer.client.token}
    job = json.loads(run_cms("training", "job", "start", contract_id, *QUICK, check=True,
                             **as_consumer).stdout)
    watched = run_cms("training", "job", "watch", job["id"], "--interval", "1", timeout=300,
                      **as_consumer)
    assert watched.returncode == 12
    assert "allowed measurements" in " ".join(watched.stderr.split())  # rich wraps lines
    assert json.loads(watched.stdout) == []
