"""Training jobs run end to end on the local stack: the queue, the parent service, the enclave
process (simulated attestation), KMS key release, S3 for checkpoints and the model, the budget
settled with the attested spend, and the result verified through the API and offline."""

from __future__ import annotations

import hashlib
import io
import json
import os
import time
import urllib.request
import zipfile
from decimal import Decimal

import boto3
import pytest

from enclave_app.attestation_module import local_measurements
from enclave_app.training.data import IDX_FILES, dataset_from_idx
from tests.e2e.test_contracts_api import expect_error
from tests.e2e.test_templates_api import training_variables

pytestmark = pytest.mark.e2e
QUICK = {"epochs": 1, "epsilon": 1.0, "batch_size": 400, "lr": 1.0}  # noise calibrated


def active_contract(new_party, pcr0: str | None = None):
    """An active ai_training contract (epsilon 3.0) allowing ``pcr0`` (default: the
    template example's, which no local enclave measures as)."""
    provider, consumer = new_party("eth"), new_party("ed25519")
    measured = {"enclave_measurements": [{"pcr0": pcr0}]} if pcr0 else {}
    contract = provider.client.create_contract({
        "template_id": "ai_training", "consumer_did": consumer.did,
        "variables": training_variables(**measured)})
    provider.client.transition(contract["id"], "submit")
    provider.client.sign_contract(contract["id"], provider.signer)
    consumer.client.sign_contract(contract["id"], consumer.signer)
    consumer.client.transition(contract["id"], "activate")
    return provider, consumer, contract["id"]


def start(client, contract_id, **config):
    return client._call("POST", "/api/v1/training-jobs", {
        "contract_id": contract_id, "model": "mnist_cnn", "config": {**QUICK, **config}})


def settled(client, job_id, timeout=300.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client._call("GET", f"/api/v1/training-jobs/{job_id}")
        if job["status"] not in ("pending", "running"):
            return job
        time.sleep(1)
    raise AssertionError(f"job {job_id} still {job['status']} after {timeout}s: {job}")


def budget(client, contract_id):
    return client._call("GET", f"/api/v1/contracts/{contract_id}/privacy-budget")


def test_a_job_trains_in_the_enclave_and_its_result_verifies(new_party, stack, tmp_path):
    provider, consumer, contract_id = active_contract(new_party, local_measurements()[0].hex())
    job = settled(consumer.client, start(consumer.client, contract_id)["id"])
    assert job["status"] == "completed", job
    spent = Decimal(job["privacy_budget_spent"])
    assert Decimal(0) < spent <= Decimal("1.0")
    assert [epoch["epoch"] for epoch in job["metrics"]["epochs"]] == [1]
    left = budget(provider.client, contract_id)
    assert Decimal(left["epsilon_available"]) == Decimal(3) - spent
    assert left["epsilon_reserved"] == "0.000000000"

    verification = provider.client._call("GET",
                                         f"/api/v1/training-jobs/{job['id']}/verification")
    assert verification["valid"] and verification["simulated"], verification["checks"]
    assert {check["name"] for check in verification["checks"]} == {
        "format", "attestation", "image", "binding", "contract", "budget"}

    link = consumer.client._call("GET", f"/api/v1/training-jobs/{job['id']}/model")
    with urllib.request.urlopen(link["url"], timeout=10) as response:  # moto, on loopback
        model = response.read()
    assert hashlib.sha256(model).hexdigest() == link["sha256"] == \
        verification["result"]["statement"]["model_sha256"]
    expect_error(lambda: provider.client._call(
        "GET", f"/api/v1/training-jobs/{job['id']}/model"), 403, "forbidden")

    offline = tmp_path / "result.json"
    offline.write_text(json.dumps(verification["result"]))
    (tmp_path / "model.pt").write_bytes(model)
    from cms_client.cli import main as cms

    root = os.environ["CMS_ATTESTATION_DEV_ROOT"]
    assert cms(["verify-training", str(offline), "--model", str(tmp_path / "model.pt"),
                "--development-root", root]) == 0
    assert cms(["verify-training", str(offline)]) == 2  # only AWS's root: not attested


def test_a_contract_that_does_not_allow_the_image_fails_the_job_without_spending(new_party):
    _, consumer, contract_id = active_contract(new_party, "ab" * 48)
    job = settled(consumer.client, start(consumer.client, contract_id)["id"])
    assert (job["status"], job["privacy_budget_spent"]) == ("failed", "0.000000000"), job
    assert "allowed measurements" in job["error"]
    assert budget(consumer.client, contract_id)["epsilon_available"] == "3.000000000"
    expect_error(lambda: consumer.client._call(
        "GET", f"/api/v1/training-jobs/{job['id']}/verification"), 409,
        "training_result_unavailable")


def test_a_budget_that_cannot_cover_one_epoch_fails_the_job_without_spending(new_party):
    _, consumer, contract_id = active_contract(new_party, local_measurements()[0].hex())
    job = settled(consumer.client, start(consumer.client, contract_id, epsilon=0.01,
                                         noise_multiplier=0.5)["id"])
    assert (job["status"], job["privacy_budget_spent"]) == ("failed", "0.000000000"), job
    assert "does not cover one epoch" in job["error"]


def _epochs_reported(job: dict) -> int:
    return len((job.get("metrics") or {}).get("epochs") or []) if job["status"] == "running" \
        else 0


def test_a_running_job_stops_after_its_epoch_and_pays_only_for_what_it_spent(new_party):
    _, consumer, contract_id = active_contract(new_party, local_measurements()[0].hex())
    created = start(consumer.client, contract_id, epochs=4, epsilon=2.0)
    deadline = time.monotonic() + 240
    # Stopped once an epoch is reported: a stop that lands before the key is released ends
    # the job before any training (nothing spent), which is not what this test is about.
    while not _epochs_reported(consumer.client._call(
            "GET", f"/api/v1/training-jobs/{created['id']}")):
        assert time.monotonic() < deadline, "the job never reported an epoch"
        time.sleep(0.5)
    stopping = consumer.client._call("POST", f"/api/v1/training-jobs/{created['id']}/stop")
    assert stopping["stop_requested"] is True
    job = settled(consumer.client, created["id"])
    assert job["status"] == "stopped" and len(job["metrics"]["epochs"]) < 4, job
    spent = Decimal(job["privacy_budget_spent"])
    assert Decimal(0) < spent < Decimal("2.0")
    assert Decimal(budget(consumer.client, contract_id)["epsilon_available"]) == \
        Decimal(3) - spent


def test_a_providers_dataset_is_checked_sealed_and_trained_on(new_party, stack):
    from tests.unit.test_enclave_jobs import mnist_archive

    provider, consumer, contract_id = active_contract(new_party, local_measurements()[0].hex())
    provider.client.upload_dataset(contract_id, "mnist-train", b"PK\x03\x04 not a zip")
    archive = mnist_archive(train=400, test=100)
    provider.client.upload_dataset(contract_id, "mnist-train", archive)
    [dataset] = wait(lambda: [d for d in provider.client.datasets(contract_id)
                              if d["registered"]])
    assert (dataset["sha256"], dataset["train_examples"], dataset["test_examples"]) == (
        hashlib.sha256(archive).hexdigest(), 400, 100)
    bucket = os.environ["CMS_TRAINING_BUCKET"]
    s3 = boto3.client("s3")
    wait(lambda: not s3.list_objects_v2(Bucket=bucket, Prefix=f"training/uploads/"
                                        f"{contract_id}/").get("KeyCount"))  # both deleted
    sealed = s3.get_object(Bucket=bucket, Key=f"training/datasets/{contract_id}/"
                                              "mnist-train.sealed")["Body"].read()
    assert sealed.startswith(b"CMSDATA1") and archive[30:200] not in sealed

    job = settled(consumer.client, start(consumer.client, contract_id,
                                         datasets=["mnist-train"])["id"])
    assert job["status"] == "completed", job
    verification = consumer.client._call("GET",
                                         f"/api/v1/training-jobs/{job['id']}/verification")
    assert verification["valid"], verification["checks"]
    uri = f"s3://{bucket}/training/datasets/{contract_id}/mnist-train.sealed"
    with zipfile.ZipFile(io.BytesIO(archive)) as files:  # what the enclave trained on
        parts = {name: files.read(stem) for name, stem in IDX_FILES.items()}
    assert verification["result"]["statement"]["dataset_sha256"] == \
        dataset_from_idx(**parts, name=uri).sha256()


def wait(check, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"not within {timeout}s")
