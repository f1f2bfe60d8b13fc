"""Training: jobs under AI-training contracts, their results, privacy budgets, datasets.

Epsilon travels as an exact decimal string (the budget is accounted in decimals); requests
may also give it as a JSON number. Every setting's range is the one the domain checks
(cms.domain.training_settings), so a request the schema accepts is refused only for what the
contract's terms say.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from cms.api.schemas.common import (
    Did,
    Instant,
    JsonObject,
    JsonValue,
    Sha256Hex,
    Uuid,
)
from cms.domain.contracts.listing import CURSOR_EXAMPLE, CURSOR_PATTERN
from cms.domain.datasets import DATASET_ID, MAX_ARCHIVE_BYTES, MAX_EXAMPLES, MEDIA_TYPE
from cms.domain.privacy import ACCOUNTANTS, MAX_EPOCHS, MAX_NUMBER_CHARS, MAX_TERM_ITEMS
from cms.domain.standing import StopCause
from cms.domain.training_jobs import MAX_ID_CHARS, STOP_REASONS, JobStatus
from cms.domain.training_settings import EPOCHS, MODEL_ARCHITECTURES, TUNING
from cms_wire.training import STATEMENT_FORMAT

ModelArchitecture = Literal[MODEL_ARCHITECTURES]  # type: ignore[valid-type]
TrainingJobStatus = Literal[tuple(status.value for status in JobStatus)]  # type: ignore[misc]
Accountant = Literal[ACCOUNTANTS]  # type: ignore[valid-type]
StopReason = Literal[STOP_REASONS]  # type: ignore[valid-type]
JobStopCause = Literal[tuple(cause.value for cause in StopCause)]  # type: ignore[misc]

DATASET_ID_PATTERN = f"^{DATASET_ID.pattern}$"
DatasetId = Annotated[str, Field(pattern=DATASET_ID_PATTERN,
                                 description="One of the contract's datasets (terms.datasets)")]
# Any decimal above 0 and at most 100, written out (no exponent); more than nine places are
# rounded up to nine. Every string this matches is an epsilon the domain accepts.
EPSILON_INPUT_PATTERN = r"^(?:100(?:\.0+)?|[1-9][0-9]?(?:\.[0-9]+)?|0\.0*[1-9][0-9]*)$"
EpsilonInput = (
    Annotated[float, Field(gt=0, le=100)]
    | Annotated[str, Field(pattern=EPSILON_INPUT_PATTERN, max_length=MAX_NUMBER_CHARS)])
EpsilonText = Annotated[str, Field(
    pattern=r"^[0-9]{1,3}\.[0-9]{9}$", examples=["1.250000000"],
    description="Epsilon as an exact decimal with nine places (0 to 100)")]
# As the enclave writes it (Python's Decimal text: "0.912345679", "1E-9").
AttestedDecimal = Annotated[str, Field(pattern=r"^[0-9]+(?:\.[0-9]+)?(?:E[-+]?[0-9]+)?$",
                                       description="An exact decimal, as attested")]
Delta = Annotated[float, Field(gt=0, lt=1)]
JobCursor = Annotated[str, Field(
    pattern=CURSOR_PATTERN, examples=[CURSOR_EXAMPLE],
    description="Where the previous page ended: its last job's created_at and id joined by "
                "'_' (the page's next_cursor). The next page lists the jobs created before it.")]


def _tuning(name: str, description: str) -> object:
    return Field(default=None, description=description, **TUNING[name].bounds())


class TrainingSettings(BaseModel):
    """A job's settings. Epochs, epsilon, delta and datasets must be within the contract's
    terms; the tuning goes to the enclave's trainer (unset: its defaults)."""

    model_config = ConfigDict(extra="forbid", strict=True)
    epochs: int = Field(ge=EPOCHS.low, le=EPOCHS.high,
                        description="At most the contract's max_epochs")
    epsilon: EpsilonInput = Field(description=(
        "The epsilon to reserve from the contract's budget: the run never spends more. A "
        "number or an exact decimal string, above 0 and at most 100 (and what is left)"))
    delta: Delta | None = Field(default=None,
                                description="At most the contract's delta (default: it)")
    datasets: list[DatasetId] | None = Field(
        default=None, min_length=1, max_length=MAX_TERM_ITEMS,
        description="The contract's datasets to train on (default: all; the first "
                    "registered one is used)")
    batch_size: int | None = _tuning("batch_size", "Expected batch under Poisson sampling")
    lr: float | None = _tuning("lr", "Learning rate")
    momentum: float | None = _tuning("momentum", "SGD momentum")
    cosine: bool | None = Field(default=None,
                                description="Decay the learning rate along a half cosine")
    max_grad_norm: float | None = _tuning("max_grad_norm", "Per-example clipping bound")
    noise_multiplier: float | None = _tuning(
        "noise_multiplier", "Fixed noise (default: calibrated to spend epsilon over epochs)")
    augmult: int | None = _tuning("augmult", "Augmented views per example (0: none)")
    ema_decay: float | None = _tuning("ema_decay", "Average of the iterates")
    seed: int | None = _tuning("seed", "Fixes initialisation and augmentation")


class TrainingJobRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, protected_namespaces=(),
                              json_schema_extra={
        "examples": [{"contract_id": "7d5b0f7e-2a51-4a47-9c43-3f6f0e4f7a10",
                      "model": "mnist_cnn",
                      "config": {"epochs": 2, "epsilon": "1.5", "batch_size": 400,
                                 "lr": 1.0}}]})
    contract_id: Uuid = Field(description="An active AI-training contract (its consumer)")
    model: ModelArchitecture = Field(description="One of the contract's model_architectures")
    config: TrainingSettings


class TrainingEpoch(BaseModel):
    """What leaves the enclave about one epoch (train loss and accuracy stay inside)."""

    epoch: int = Field(ge=1, le=MAX_EPOCHS)
    test_accuracy: float = Field(ge=0, le=1)
    epsilon: float | None = Field(ge=0, description="Spent so far (None: not private)")
    seconds: float = Field(ge=0)
    samples_per_second: float = Field(ge=0)


class TrainingMetrics(BaseModel):
    epochs: list[TrainingEpoch]
    test_accuracy: float | None = Field(default=None, ge=0, le=1)
    noise_multiplier: float | None = Field(default=None, ge=0)
    sample_rate: float | None = Field(default=None, ge=0, le=1)
    samples_per_second: float | None = Field(default=None, ge=0)


class TrainingProgress(BaseModel):
    """The last epoch reported while running."""

    epoch: int = Field(ge=1, le=MAX_EPOCHS)
    epsilon_spent: EpsilonText
    checkpoint: str | None = Field(description="The sealed checkpoint's S3 key")


class TrainingStatement(BaseModel):
    """What the enclave attests about the run (``cms-training-statement/v1``); the
    attestation document's user_data is SHA-256 of its RFC 8785 JSON."""

    format: Literal[STATEMENT_FORMAT]  # type: ignore[valid-type]
    job_id: str = Field(max_length=MAX_ID_CHARS)
    contract_id: str = Field(max_length=MAX_ID_CHARS)
    contract_digest: Sha256Hex
    model: str = Field(max_length=MAX_ID_CHARS)
    model_sha256: Sha256Hex
    dataset_sha256: Sha256Hex
    epsilon_spent: AttestedDecimal
    delta: Delta
    accountant: str
    accountant_version: str
    epochs: int = Field(ge=0, le=MAX_EPOCHS)
    test_accuracy: float = Field(ge=0, le=1)
    stopped: StopReason


class TrainedModel(BaseModel):
    key: str = Field(description="The model's S3 key")
    version: str | None = Field(description="Its S3 version")
    size: int = Field(ge=0)
    sha256: Sha256Hex


class TrainingResult(BaseModel):
    statement: TrainingStatement
    attestation: str = Field(description="The attestation document (COSE_Sign1, base64)")
    attested: bool = Field(description="Trained in an enclave")
    simulated: bool = Field(description="A simulated enclave (the local stack)")
    model: TrainedModel


class TrainingJob(BaseModel):
    id: Uuid
    contract_id: Uuid
    consumer_did: Did
    provider_did: Did | None = Field(
        description="The contract's provider (absent on jobs recorded before it was kept)")
    model_name: ModelArchitecture
    status: TrainingJobStatus
    config: TrainingSettings
    metrics: TrainingMetrics | None
    privacy_budget: EpsilonText = Field(description="Epsilon reserved")
    privacy_budget_spent: EpsilonText = Field(description="Epsilon charged when settled")
    result: TrainingResult | None
    progress: TrainingProgress | None
    stop_requested: bool
    stop_cause: JobStopCause | None = Field(
        description="Who or what stopped the job before it finished: its consumer (the job "
                    "keeps what it trained), the contract's provider or an admin, the "
                    "contract's end (terminated, completed, expired) or a party's "
                    "suspension (the job produces no model)")
    error: str | None
    created_at: Instant
    updated_at: Instant
    completed_at: Instant | None


class TrainingJobPage(BaseModel):
    items: list[TrainingJob] = Field(description="Newest first")
    next_cursor: JobCursor | None = Field(description="The next page's cursor; null at the end")


class PrivacyBudget(BaseModel):
    """``epsilon_available = epsilon_total - epsilon_spent - epsilon_reserved``."""

    contract_id: Uuid
    epsilon_total: EpsilonText
    epsilon_spent: EpsilonText
    epsilon_reserved: EpsilonText
    epsilon_available: EpsilonText
    delta: Delta
    accountant: Accountant
    jobs: list[TrainingJob] = Field(description="The contract's jobs, newest first")


class TrainingCheck(BaseModel):
    name: Literal["format", "attestation", "image", "binding", "contract", "budget",
                  "model"]
    ok: bool
    detail: str


class BundledContractContent(BaseModel):
    """The contract's content, as its digest covers it."""

    title: str
    description: str
    provider_did: str
    consumer_did: str
    terms: JsonValue
    metadata: JsonObject
    valid_from: Instant
    valid_until: Instant


class BundledContract(BaseModel):
    id: Uuid
    content: BundledContractContent


class TrainingResultBundle(BaseModel):
    """Everything ``cms verify-training`` needs, offline."""

    format: Literal["cms-training-result/v1"]
    attested: bool
    statement: TrainingStatement
    attestation: str = Field(description="The attestation document (base64)")
    contract: BundledContract


class TrainingVerification(BaseModel):
    job_id: Uuid
    valid: bool
    checks: list[TrainingCheck]
    simulated: bool = Field(description="Trusted only through a development root")
    result: TrainingResultBundle


class ModelLink(BaseModel):
    url: str = Field(description="A presigned GET of the model's recorded version")
    sha256: Sha256Hex
    size: int = Field(ge=0)
    expires_in: int = Field(ge=0, description="Seconds")


class DatasetUploadRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra={
        "examples": [{"dataset_id": "mnist-train", "size": 11_594_722}]})
    dataset_id: DatasetId
    size: int = Field(ge=1, le=MAX_ARCHIVE_BYTES, description="The archive's size in bytes")


class PresignedPost(BaseModel):
    """Post ``fields`` (in order) and then the file as ``file`` to ``url``."""

    url: str
    fields: dict[str, str]


class DatasetUploadGrant(BaseModel):
    contract_id: Uuid
    dataset_id: DatasetId
    upload: PresignedPost
    media_type: Literal[MEDIA_TYPE]  # type: ignore[valid-type]
    expires_in: int = Field(ge=0, description="Seconds")


class Dataset(BaseModel):
    """One of the contract's datasets; the rest is set once it is registered."""

    id: DatasetId
    registered: bool
    sha256: Sha256Hex | None = None
    size: int | None = Field(default=None, ge=0, le=MAX_ARCHIVE_BYTES)
    train_examples: int | None = Field(default=None, ge=0, le=MAX_EXAMPLES)
    test_examples: int | None = Field(default=None, ge=0, le=MAX_EXAMPLES)
    uploader: Did | None = None
    registered_at: Instant | None = None
    version: str | None = Field(default=None, description="The sealed object's S3 version")


class DatasetList(BaseModel):
    items: list[Dataset]
