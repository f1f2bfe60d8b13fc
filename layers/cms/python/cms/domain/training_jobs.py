"""A training job and what its run reports: each epoch, the final metrics, the attested
result.

The reports come from the enclave through its parent instance; they are read strictly (types
and ranges) before anything is recorded or settled, so a malformed report fails the job with
the reason instead of storing what the API could not show.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from cms.domain.privacy import MAX_EPOCHS, delta, epsilon, epsilon_text
from cms.domain.standing import StopCause
from cms.domain.training_settings import TrainingSettings
from cms_wire.training import Statement

SHA256_HEX = re.compile(r"[0-9a-f]{64}")
MAX_ID_CHARS = 64
MAX_TEXT_CHARS = 200
STOP_REASONS = ("completed", "budget", "stopped")


class JobStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    STOPPED = "stopped"


OPEN = (JobStatus.PENDING, JobStatus.RUNNING)


def _number(data: dict[str, Any], name: str, low: float, high: float) -> float:
    value = data.get(name)
    if (isinstance(value, bool) or not isinstance(value, int | float)
            or not math.isfinite(value) or not low <= value <= high):
        raise ValueError(f"{name} must be a number from {low:g} to {high:g}")
    return float(value)


def _optional_number(data: dict[str, Any], name: str, low: float, high: float) -> float | None:
    return None if data.get(name) is None else _number(data, name, low, high)


def _count(data: dict[str, Any], name: str, low: int, high: int) -> int:
    value = data.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{name} must be an integer from {low} to {high}")
    return value


def _text(data: dict[str, Any], name: str, limit: int = MAX_TEXT_CHARS, *,
          pattern: re.Pattern[str] | None = None, empty: bool = False) -> str:
    value = data.get(name)
    if (not isinstance(value, str) or len(value) > limit or (not value and not empty)
            or (pattern is not None and not pattern.fullmatch(value))):
        raise ValueError(f"{name} must be a string of at most {limit} characters"
                         + (" in its format" if pattern is not None else ""))
    return value


def _object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(f"{what} must be an object")
    return value


MAX_RATE = 1e9  # samples a second: far beyond any enclave
MAX_SECONDS = 1e7  # an epoch of four months


@dataclass(frozen=True)
class EpochReport:
    """What leaves the enclave about one epoch (train loss and accuracy stay inside)."""

    epoch: int
    test_accuracy: float
    epsilon: float | None  # spent so far, as the accountant reports it (None: not private)
    seconds: float
    samples_per_second: float

    @classmethod
    def from_json(cls, data: Any) -> EpochReport:
        """ValueError unless every field has its type and range."""
        data = _object(data, "an epoch report")
        return cls(epoch=_count(data, "epoch", 1, MAX_EPOCHS),
                   test_accuracy=_number(data, "test_accuracy", 0, 1),
                   epsilon=_optional_number(data, "epsilon", 0, float(100)),
                   seconds=_number(data, "seconds", 0, MAX_SECONDS),
                   samples_per_second=_number(data, "samples_per_second", 0, MAX_RATE))

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class TrainingMetrics:
    """The epochs so far; once the run ends, its final figures besides."""

    epochs: tuple[EpochReport, ...] = ()
    test_accuracy: float | None = None
    noise_multiplier: float | None = None
    sample_rate: float | None = None
    samples_per_second: float | None = None

    @classmethod
    def from_json(cls, data: Any) -> TrainingMetrics:
        data = _object(data, "the metrics")
        epochs = data.get("epochs") or []
        if not isinstance(epochs, list) or len(epochs) > MAX_EPOCHS:
            raise ValueError(f"epochs must be a list of at most {MAX_EPOCHS} reports")
        return cls(epochs=tuple(map(EpochReport.from_json, epochs)),
                   test_accuracy=_optional_number(data, "test_accuracy", 0, 1),
                   noise_multiplier=_optional_number(data, "noise_multiplier", 0, 1e6),
                   sample_rate=_optional_number(data, "sample_rate", 0, 1),
                   samples_per_second=_optional_number(data, "samples_per_second", 0,
                                                       MAX_RATE))

    def to_json(self) -> dict[str, Any]:
        shown: dict[str, Any] = {"epochs": [epoch.to_json() for epoch in self.epochs]}
        for name in ("test_accuracy", "noise_multiplier", "sample_rate", "samples_per_second"):
            if getattr(self, name) is not None:
                shown[name] = getattr(self, name)
        return shown


@dataclass(frozen=True)
class JobProgress:
    """The last epoch a run reported: its number, epsilon spent so far (exact, what a failed
    job is charged), and where its sealed checkpoint is."""

    epoch: int
    epsilon_spent: Decimal
    checkpoint: str | None

    @classmethod
    def from_json(cls, data: Any) -> JobProgress:
        data = _object(data, "the progress")
        checkpoint = data.get("checkpoint")
        if checkpoint is not None and not isinstance(checkpoint, str):
            raise ValueError("checkpoint must be a string")
        return cls(_count(data, "epoch", 1, MAX_EPOCHS), epsilon(data.get("epsilon_spent")),
                   checkpoint)

    def to_json(self) -> dict[str, Any]:
        return {"epoch": self.epoch, "epsilon_spent": epsilon_text(self.epsilon_spent),
                "checkpoint": self.checkpoint}


@dataclass(frozen=True)
class ModelFile:
    """The trained model as stored: its S3 key and version, size and SHA-256."""

    key: str
    version: str | None
    size: int
    sha256: str

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class JobResult:
    """The attested result: the statement exactly as the enclave attested it, the attestation
    document (base64), whether the run was in an enclave at all and whether it was simulated,
    and the model."""

    statement: dict[str, Any]
    attestation: str
    attested: bool
    simulated: bool
    model: ModelFile

    def to_json(self) -> dict[str, Any]:
        return {"statement": self.statement, "attestation": self.attestation,
                "attested": self.attested, "simulated": self.simulated,
                "model": self.model.to_json()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> JobResult:
        """As stored (written by this module; not re-checked)."""
        model = data["model"]
        return cls(data["statement"], data["attestation"], bool(data.get("attested", True)),
                   bool(data.get("simulated")), ModelFile(model["key"], model.get("version"),
                                                          int(model["size"]), model["sha256"]))


def checked_statement(data: Any) -> Statement:
    """A ``cms-training-statement/v1`` whose every field has its type and range; ValueError
    says which does not (a hostile or corrupt bundle is a failed check, never a crash)."""
    statement = Statement.from_json(data)
    fields = statement.__dict__
    for name in ("job_id", "contract_id"):
        _text(fields, name, MAX_ID_CHARS)
    for name in ("contract_digest", "model_sha256", "dataset_sha256"):
        _text(fields, name, 64, pattern=SHA256_HEX)
    _text(fields, "model", MAX_ID_CHARS)
    for name in ("accountant", "accountant_version"):
        _text(fields, name, empty=True)
    if not isinstance(statement.epsilon_spent, str):
        raise ValueError("epsilon_spent must be a decimal string")
    try:
        epsilon(statement.epsilon_spent)
        if isinstance(statement.delta, bool | str):
            raise ValueError("must be a number")
        delta(statement.delta)
    except ValueError as error:
        raise ValueError(f"epsilon_spent or delta: {error}") from None
    _count(fields, "epochs", 0, MAX_EPOCHS)
    _number(fields, "test_accuracy", 0, 1)
    if statement.stopped not in STOP_REASONS:
        raise ValueError("stopped must be one of " + ", ".join(STOP_REASONS))
    return statement


@dataclass(frozen=True)
class TrainingJob:
    """A job under an AI-training contract: what it reserved and spent, how far it got."""

    job_id: str
    contract_id: str
    consumer_did: str
    model_name: str
    status: JobStatus
    settings: TrainingSettings
    privacy_budget: Decimal  # epsilon reserved
    privacy_budget_spent: Decimal
    created_at: str
    updated_at: str
    metrics: TrainingMetrics | None = None
    result: JobResult | None = None
    progress: JobProgress | None = None
    stop_requested: bool = False
    error: str | None = None
    completed_at: str | None = None
    stop_cause: StopCause | None = None  # who or what stopped it before it finished
    # The contract's provider, so that a provider's jobs are listed from an index (jobs
    # written before it was recorded have none).
    provider_did: str | None = None
    # The checkpoint key as KMS wrapped it (only the enclave unwraps it); never shown.
    checkpoint_key: bytes | None = field(default=None, repr=False)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    def to_json(self) -> dict[str, Any]:
        """Seed 003's training_jobs row, epsilon as exact decimal strings."""
        return {"id": self.job_id, "contract_id": self.contract_id,
                "consumer_did": self.consumer_did, "provider_did": self.provider_did,
                "model_name": self.model_name,
                "status": self.status.value, "config": self.settings.to_json(),
                "metrics": self.metrics.to_json() if self.metrics else None,
                "privacy_budget": epsilon_text(self.privacy_budget),
                "privacy_budget_spent": epsilon_text(self.privacy_budget_spent),
                "result": self.result.to_json() if self.result else None,
                "progress": self.progress.to_json() if self.progress else None,
                "stop_requested": self.stop_requested,
                "stop_cause": self.stop_cause.value if self.stop_cause else None,
                "error": self.error,
                "created_at": self.created_at, "updated_at": self.updated_at,
                "completed_at": self.completed_at}


def listing_key(job: TrainingJob) -> str:
    """The job's place in listings, newest first (the jobs indexes' sort key)."""
    return f"{job.created_at}#{job.job_id}"


def cursor_of_key(key: str) -> str:
    """The page cursor ("<created_at>_<job id>") standing for a listing key."""
    return key.replace("#", "_", 1)


def merged_jobs_page(reads: list[list[TrainingJob]], read_limit: int, page_limit: int,
                     keep: Callable[[TrainingJob], bool]) -> tuple[list[TrainingJob], str | None]:
    """One page from bounded reads of several indexes below the same position (each read up
    to ``read_limit``, newest first), filtered by ``keep``: newest first, each job once, and
    the listing key below which the next page starts (None at the end).

    An index that returned ``read_limit`` jobs may hold more below its last one, which the
    others' reads may have passed: the page stops at the newest such point, so that the next
    page misses nothing. It may therefore hold fewer than ``page_limit`` jobs, even none."""
    stops = [listing_key(read[-1]) for read in reads if len(read) >= read_limit]
    boundary = max(stops) if stops else None
    unique = {job.job_id: job for read in reads for job in read
              if boundary is None or listing_key(job) >= boundary}
    matching = sorted((job for job in unique.values() if keep(job)), key=listing_key,
                      reverse=True)
    if len(matching) > page_limit:
        return matching[:page_limit], listing_key(matching[page_limit - 1])
    return matching, boundary
