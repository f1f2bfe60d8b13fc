"""What a runner receives: one training job, as the queue carries it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class RunnerJob:
    job_id: str
    contract_id: str
    contract_digest: str  # the signed content's digest (sha256 hex) the result will bind
    model: str  # an architecture name the contract allows (enclave_app.training.model.MODELS)
    config: dict[str, Any] = field(default_factory=dict)  # TrainingConfig fields
    epsilon: str = "0"  # the reservation: training never spends more (exact decimal string)
    dataset_uri: str | None = None  # s3://bucket/key of a registered dataset; None: shipped
    dataset_version: str | None = None  # the S3 version the job trains on
    dataset_key: str | None = None  # its data key as KMS wrapped it (base64)
    dataset_sha256: str | None = None  # of the archive, before sealing
    output_prefix: str = ""  # s3://bucket/prefix/ for the model, checkpoints and result
    enclave_measurements: list[str] = field(default_factory=list)  # PCR0s the contract allows

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunnerJob:
        return cls(**{name: data[name] for name in cls.__dataclass_fields__ if name in data})
