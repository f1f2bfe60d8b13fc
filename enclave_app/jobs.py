"""A training job inside the enclave: unwrap the keys, train under the reservation, attest.

The parent sends ``train`` with the job (as the queue carried it), the checkpoint key (and the
dataset key, when the data is a provider's upload) wrapped by KMS to a recipient key this
enclave made, the encrypted dataset, and the last sealed checkpoint if the job is resuming.
After every epoch the enclave reports the metrics, the epsilon spent so far and a sealed
checkpoint, and the parent answers whether to go on (a stop request ends the run there). The
result is the model, the metrics and an attestation document whose user_data binds the
statement (``cms_wire.training``, which the platform's verifier reads back).

The enclave decides the privacy parameters itself from the job: the reservation is the
trainer's hard budget, and only TrainingConfig's tuning fields come from the consumer.
"""

from __future__ import annotations

import base64
import io
import zipfile
from collections.abc import Callable
from dataclasses import asdict, fields
from decimal import Decimal
from functools import partial
from typing import Any

from cms_wire import datasets
from cms_wire.statements import statement_user_data
from cms_wire.training import Statement, spent_epsilon
from enclave_app import messages
from enclave_app.attestation_module import AttestationModule, unlisted_image
from enclave_app.key_release import Recipients
from enclave_app.training.checkpoint import Checkpointing
from enclave_app.training.data import (
    IDX_FILES,
    Dataset,
    DatasetError,
    dataset_from_idx,
    load_shipped_digits,
)
from enclave_app.training.trainer import EpochMetrics, TrainingConfig, TrainingResult, train

# What the consumer may tune; the model, budget, delta and privacy switch come from the job.
TUNABLE = {"epochs", "batch_size", "lr", "momentum", "cosine", "max_grad_norm",
           "noise_multiplier", "augmult", "ema_decay", "seed"}
PRIVATE_METRICS = {"loss", "train_accuracy"}
Converse = Callable[[dict[str, Any]], dict[str, Any]]


class JobError(ValueError):
    """A job the enclave refuses: bad configuration, keys or data (the reason goes back)."""


def run_job(message: dict[str, Any], recipients: Recipients, module: AttestationModule,
            converse: Converse) -> dict[str, Any]:
    job = _field(message, "job", dict)
    job_id = str(_field(job, "job_id", str))
    _check_image(job, module)
    recipient_id = str(_field(message, "recipient_id", str))
    try:
        keys = {name: recipients.open(recipient_id, _b64(wrapped, name))
                for name, wrapped in _field(message, "keys", dict).items()}
    finally:
        recipients.forget(recipient_id)
    config = job_config(job)
    dataset = _dataset(job, message.get("dataset"), keys.get("dataset"))
    checkpoint, latest = _checkpointing(job_id, keys, message.get("resume"))

    def on_epoch(metrics: EpochMetrics) -> bool:
        sealed = latest.pop() if latest else None
        reply = converse({"epoch": released(metrics), "checkpoint": sealed and
                          base64.b64encode(sealed).decode()})
        return reply.get("continue", True) is not False

    result = train(config, dataset, on_epoch=on_epoch, checkpoint=checkpoint)
    statement = _statement(job, result)
    document = module.attest(user_data=statement_user_data(statement))
    return {"statement": statement, "attestation": base64.b64encode(document).decode(),
            "simulated": module.simulated,
            "model": base64.b64encode(result.model_state).decode(),
            "metrics": {"epochs": [released(epoch) for epoch in result.epochs],
                        "test_accuracy": result.test_accuracy,
                        "noise_multiplier": result.noise_multiplier,
                        "sample_rate": result.sample_rate,
                        "samples_per_second": result.samples_per_second}}


def _check_image(job: dict[str, Any], module: AttestationModule) -> None:
    """Refuse, before training spends anything, a job whose contract does not allow this
    image: its result could never verify."""
    allowed = {str(value).lower() for value in job.get("enclave_measurements") or ()}
    pcr0 = unlisted_image(module, allowed)
    if pcr0 is not None:
        raise JobError(f"this enclave image (PCR0 {pcr0[:16]}…) is not among the "
                       f"contract's {len(allowed)} allowed measurements")


def released(metrics: EpochMetrics) -> dict[str, Any]:
    """What leaves the enclave about an epoch. Train loss and accuracy are statistics of the
    private data without noise of their own, so they stay inside; test accuracy (on the
    provider's held-out split), epsilon so far and throughput go out."""
    return {name: value for name, value in asdict(metrics).items()
            if name not in PRIVATE_METRICS}


def job_config(job: dict[str, Any]) -> TrainingConfig:
    """The trainer's configuration: tuning from the consumer, privacy from the reservation."""
    requested = job.get("config") or {}
    if not isinstance(requested, dict):
        raise JobError("config must be an object")
    tuning = {name: requested[name] for name in TUNABLE & set(requested)}
    known = {f.name for f in fields(TrainingConfig)}
    try:
        return TrainingConfig(**{name: value for name, value in tuning.items() if name in known},
                              model=str(job["model"]), private=True,
                              epsilon=float(Decimal(str(job["epsilon"]))),
                              delta=float(requested.get("delta", 1e-5)))
    except (TypeError, ValueError, ArithmeticError, KeyError) as error:
        raise JobError(f"the job's configuration is unusable: {error}") from None


def _statement(job: dict[str, Any], result: TrainingResult) -> dict[str, Any]:
    return Statement(
        job_id=job["job_id"], contract_id=job["contract_id"],
        contract_digest=job["contract_digest"], model=result.config.model,
        model_sha256=result.model_sha256, dataset_sha256=result.dataset_sha256,
        epsilon_spent=spent_epsilon(result.epsilon_spent), delta=result.config.delta,
        accountant=result.accountant or "", accountant_version=result.accountant_version or "",
        epochs=len(result.epochs), test_accuracy=result.test_accuracy,
        stopped=result.stopped).to_json()


def _checkpointing(job_id: str, keys: dict[str, bytes],
                   resume: Any) -> tuple[Checkpointing, list[bytes]]:
    if "checkpoint" not in keys:
        raise JobError("a checkpoint key is required")
    latest: list[bytes] = []
    checkpoint = Checkpointing(key=keys["checkpoint"], job_id=job_id, save=latest.append,
                               resume_from=_b64(resume, "resume") if resume else None)
    return checkpoint, latest


def _dataset(job: dict[str, Any], sealed: Any, key: bytes | None) -> Dataset:
    """The shipped digits, or the provider's IDX files (a zip) sealed under the dataset key."""
    if not job.get("dataset_uri"):
        return load_shipped_digits()
    if not sealed or key is None:
        raise JobError("the job names a dataset but its data or key was not sent")
    archive = open_dataset(_b64(sealed, "dataset"), key, str(job["dataset_uri"]))
    try:
        with zipfile.ZipFile(io.BytesIO(archive)) as files:
            parts = {stem: _member(files, name) for stem, name in IDX_FILES.items()}
        return dataset_from_idx(**parts, name=str(job["dataset_uri"]))
    except (zipfile.BadZipFile, KeyError, DatasetError) as error:
        raise JobError(f"the dataset is unusable: {error}") from None


def open_dataset(sealed: bytes, key: bytes, dataset_uri: str) -> bytes:
    """The provider's archive, sealed to its key and to where the dataset was registered."""
    try:
        return datasets.open_dataset(sealed, key, dataset_uri)
    except datasets.SealedDatasetError as error:
        raise JobError(str(error)) from None


def _member(files: zipfile.ZipFile, stem: str) -> bytes:
    for candidate in (stem, f"{stem}.gz"):
        if candidate in files.namelist():
            return files.read(candidate)
    raise KeyError(f"{stem} is missing from the archive")


_field = partial(messages.field, error=JobError)
_b64 = partial(messages.b64, error=JobError)
