"""A training job inside the enclave: keys released to its recipient key only, the dataset
sealed to its registration, per-epoch reports that can stop the run, resumable checkpoints,
and a result whose attestation the platform's verifier accepts."""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile

import numpy as np
import pytest

from cms.domain.attestation import development_root, verify_document
from cms.domain.datasets import seal_dataset
from cms.domain.training_result import Statement
from enclave_app.attestation_module import SimulatedModule, local_measurements
from enclave_app.jobs import JobError, job_config, run_job
from enclave_app.key_release import EnvelopeError, Recipients
from enclave_app.training.data import IDX_FILES, load_shipped_digits
from tests.unit.test_training import idx
from training_runner.key_release import envelope

DATASET_URI = "s3://cms-training/training/datasets/c-1/mnist.zip"


@pytest.fixture(scope="module")
def module() -> SimulatedModule:
    return SimulatedModule()


def mnist_archive(train: int = 300, test: int = 100) -> bytes:
    """A small IDX dataset (the four classic files, zipped) from the shipped digits."""
    shipped = load_shipped_digits()
    arrays = {"train_images": shipped.train_images[:train], "train_labels":
              shipped.train_labels[:train], "test_images": shipped.test_images[:test],
              "test_labels": shipped.test_labels[:test]}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as files:
        for name, tensor in arrays.items():
            array = tensor.numpy()
            if array.ndim == 4:
                array = np.rint(array[:, 0] * 255)
            files.writestr(IDX_FILES[name], idx(array))
    return buffer.getvalue()


@pytest.fixture(scope="module")
def archive() -> bytes:
    return mnist_archive()


def seal(archive: bytes, key: bytes, uri: str = DATASET_URI) -> str:
    return base64.b64encode(seal_dataset(archive, key, uri)).decode()


def message(recipients: Recipients, archive: bytes, *, epochs: int = 1, resume=None,
            dataset_key: bytes = b"d" * 32, sealed: str | None = None) -> dict:
    recipient_id, public = recipients.new()
    keys = {"checkpoint": envelope(b"c" * 32, public), "dataset": envelope(dataset_key, public)}
    return {"op": "train", "recipient_id": recipient_id,
            "keys": {name: base64.b64encode(key).decode() for name, key in keys.items()},
            "dataset": sealed or seal(archive, b"d" * 32), "resume": resume,
            "job": {"job_id": "j-1", "contract_id": "c-1", "contract_digest": "e" * 64,
                    "model": "mnist_cnn", "epsilon": "2.5", "dataset_uri": DATASET_URI,
                    "enclave_measurements": [local_measurements()[0].hex()],
                    "config": {"epochs": epochs, "batch_size": 60, "lr": 0.5,
                               "noise_multiplier": 4.0, "delta": 1e-5,
                               "epsilon": 99, "private": False}}}


def test_a_job_trains_reports_each_epoch_and_attests_its_statement(module, archive):
    reports = []

    def converse(progress):
        reports.append(progress)
        return {"continue": True}

    recipients = Recipients()
    out = run_job(message(recipients, archive, epochs=2), recipients, module, converse)
    statement = Statement.from_json(out["statement"])
    assert [report["epoch"]["epoch"] for report in reports] == [1, 2]
    assert set(reports[0]["epoch"]) == {"epoch", "test_accuracy", "epsilon", "seconds",
                                        "samples_per_second"}  # no train-set statistics
    assert all(report["checkpoint"] for report in reports)
    assert statement.stopped == "completed" and statement.epochs == 2
    assert 0 < float(statement.epsilon_spent) <= 2.5  # the reservation, not the config's 99
    assert statement.model_sha256 == hashlib.sha256(base64.b64decode(out["model"])).hexdigest()
    verified = verify_document(base64.b64decode(out["attestation"]),
                               trusted_roots=[development_root(module.root_pem)])
    assert verified.document.user_data == statement.user_data()


def test_a_stop_answer_ends_the_run_and_its_checkpoint_resumes_it(module, archive):
    recipients, checkpoints = Recipients(), []

    def stop_after_first(progress):
        checkpoints.append(progress["checkpoint"])
        return {"continue": False}

    stopped = run_job(message(recipients, archive, epochs=2), recipients, module,
                      stop_after_first)
    assert stopped["statement"]["stopped"] == "stopped" and stopped["statement"]["epochs"] == 1
    resumed = run_job(message(recipients, archive, epochs=2, resume=checkpoints[0]),
                      recipients, module, lambda progress: {"continue": True})
    assert resumed["statement"]["epochs"] == 2
    assert float(resumed["statement"]["epsilon_spent"]) > float(
        stopped["statement"]["epsilon_spent"])


def test_keys_wrapped_to_another_recipient_do_not_open(module, archive):
    recipients = Recipients()
    request = message(recipients, archive)
    original = dict(request["keys"])
    _, other_public = recipients.new()
    request["keys"]["checkpoint"] = base64.b64encode(envelope(b"c" * 32, other_public)).decode()
    with pytest.raises(EnvelopeError):
        run_job(request, recipients, module, lambda progress: {})
    with pytest.raises(EnvelopeError, match="unknown or expired"):  # a recipient key is used once
        run_job({**request, "keys": original}, recipients, module, lambda progress: {})


@pytest.mark.parametrize("change", ["tampered", "other_uri", "other_key", "not_zip"])
def test_a_dataset_that_does_not_open_is_refused(module, archive, change):
    recipients = Recipients()
    sealed = {"tampered": None, "other_uri": seal(archive, b"d" * 32, "s3://elsewhere"),
              "other_key": seal(archive, b"x" * 32), "not_zip": seal(b"junk", b"d" * 32)}[change]
    request = message(recipients, archive, sealed=sealed)
    if change == "tampered":
        raw = bytearray(base64.b64decode(request["dataset"]))
        raw[-1] ^= 1
        request["dataset"] = base64.b64encode(bytes(raw)).decode()
    with pytest.raises(JobError):
        run_job(request, recipients, module, lambda progress: {})


def test_a_contract_that_does_not_allow_this_image_is_refused_before_training(module, archive):
    recipients, reports = Recipients(), []
    request = message(recipients, archive)
    request["job"]["enclave_measurements"] = ["ab" * 48]
    with pytest.raises(JobError, match="not among the contract's 1 allowed"):
        run_job(request, recipients, module, reports.append)
    assert reports == []


def test_the_consumer_tunes_training_but_not_its_privacy():
    config = job_config({"model": "mnist_cnn", "epsilon": "1.25", "config": {
        "epochs": 3, "lr": 0.1, "private": False, "epsilon": 50, "augmult": 2}})
    assert (config.private, config.epsilon, config.epochs, config.augmult) == (
        True, 1.25, 3, 2)
    with pytest.raises(JobError):
        job_config({"model": "mnist_cnn", "epsilon": "1", "config": {"epochs": 0}})
