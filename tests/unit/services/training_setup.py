"""What the training services' tests share: the in-memory services with contracts put in
place as the test needs them (an active AI-training contract, a draft, hostile terms), and
the parties to them."""

from __future__ import annotations

import base64
import copy
import gzip
import hashlib
import io
import struct
import uuid
import zipfile
from dataclasses import replace
from functools import cached_property
from pathlib import Path
from typing import Any

from cms.bootstrap import MemoryServices
from cms.config import Settings
from cms.domain.contracts import Content, Contract, Status, content_digest
from cms.domain.identity import Caller
from cms.domain.templates.builtin import builtin_templates
from cms.domain.training_jobs import JobResult, ModelFile, TrainingJob
from cms.domain.training_settings import TrainingSettings
from cms.ports.contracts import ContractPage
from cms.services.contracts import ContractService
from cms_client import Ed25519Signer
from cms_wire.statements import statement_user_data
from cms_wire.training import Statement
from enclave_app.attestation_module import SimulatedModule

NOW = "2026-12-07T06:00:00.000Z"
PCR0 = "cd" * 48


class ContractsOnFile:
    """The contracts the training services read (``get``), as the test put them."""

    def __init__(self) -> None:
        self._contracts: dict[str, Contract] = {}

    def get(self, contract_id: str) -> Contract | None:
        return self._contracts.get(contract_id)

    def put(self, contract: Contract) -> Contract:
        self._contracts[contract.id] = contract
        return contract

    def list_for_party(self, did: str, role: str | None, status: str | None,
                       before: str | None, limit: int) -> ContractPage:
        """Every match on one page (the wind-down pages through ContractStore's listing)."""
        return ContractPage([made for made in self._contracts.values()
                             if did in made.parties and status in (None, made.status.value)],
                            None)


class TrainingServices(MemoryServices):
    """MemoryServices whose contracts are put in place by the test: the training rules are
    under test here, not how a contract came to be active."""

    @cached_property
    def contract_file(self) -> ContractsOnFile:
        return ContractsOnFile()

    @cached_property
    def contract_store(self) -> ContractsOnFile:  # type: ignore[override]
        return self.contract_file

    @cached_property
    def contracts(self) -> ContractService:
        return ContractService(self.contract_file, self.resolver, self.settings)  # type: ignore[arg-type]


def training_terms(**changes: Any) -> dict[str, Any]:
    """The ai_training template's example terms (epsilon 3, delta 1e-6, 20 epochs, the
    mnist-train dataset), allowing PCR0, changed as given."""
    template = builtin_templates()["ai_training"]
    terms = copy.deepcopy(template.terms_for(template.definition["example"]))
    terms["enclave_measurements"] = [{"pcr0": PCR0}]
    terms.update(changes)
    return terms


def party() -> Caller:
    return Caller(Ed25519Signer().did)


def contract(services: TrainingServices, provider: Caller, consumer: Caller, *,
             status: Status = Status.ACTIVE, terms: Any = None) -> Contract:
    content = Content(title="Training licence", description="", provider_did=provider.did,
                      consumer_did=consumer.did,
                      terms=training_terms() if terms is None else terms, metadata={},
                      valid_from="2026-01-01T00:00:00.000Z",
                      valid_until="2027-12-31T00:00:00.000Z")
    return services.contract_file.put(Contract(
        id=str(uuid.uuid4()), content=content, status=status, digest=None, signatures=(),
        created_at=NOW, updated_at=NOW, version=1, head_hash="0" * 64))


def with_budget(terms: dict[str, Any], **budget: Any) -> dict[str, Any]:
    return {**terms, "privacy_budget": {**terms["privacy_budget"], **budget}}


def moved_to(services: TrainingServices, made: Contract, status: Status) -> Contract:
    return services.contract_file.put(replace(made, status=status))


# --- jobs and their runs ------------------------------------------------------------------------


def settings(**values: Any) -> TrainingSettings:
    return TrainingSettings.from_json({"epochs": 1, "epsilon": 1.0, **values})


def start(services: TrainingServices, caller: Caller, contract_id: str,
          model: str = "mnist_cnn", **values: Any) -> TrainingJob:
    return services.training.create(caller, contract_id, model, settings(**values))


def epoch(number: int, spent: float) -> dict[str, Any]:
    """An epoch report as the enclave sends it."""
    return {"epoch": number, "test_accuracy": 0.9, "epsilon": spent, "seconds": 1.5,
            "samples_per_second": 2000.0}


def statement_of(services: TrainingServices, job: TrainingJob, **changes: Any
                 ) -> dict[str, Any]:
    """The statement an enclave would attest for ``job``, changed as given."""
    made = services.contract_file.get(job.contract_id)
    assert made is not None
    return Statement(**{
        "job_id": job.job_id, "contract_id": job.contract_id,
        "contract_digest": content_digest(job.contract_id, made.content), "model": "mnist_cnn",
        "model_sha256": hashlib.sha256(b"model").hexdigest(), "dataset_sha256": "2" * 64,
        "epsilon_spent": "0.5", "delta": 1e-6, "accountant": "prv",
        "accountant_version": "opacus 1.6.0", "epochs": 1, "test_accuracy": 0.9,
        "stopped": "completed", **changes}).to_json()


def result_of(statement: dict[str, Any], attestation: str = "ZG9j",
              version: str | None = "v1") -> JobResult:
    return JobResult(statement, attestation, True, True,
                     ModelFile("training/jobs/j/model.pt", version, 5,
                               statement["model_sha256"]))


def attested_services(directory: Path) -> tuple[TrainingServices, SimulatedModule]:
    """Services trusting a simulated enclave, and that enclave."""
    module = SimulatedModule()
    root = directory / "root.pem"
    root.write_bytes(module.root_pem)
    return TrainingServices(Settings(attestation_dev_root=str(root))), module


def completed(services: TrainingServices, module: SimulatedModule, consumer: Caller,
              contract_id: str) -> TrainingJob:
    """A job run to completion with a result ``module`` attested, its model stored."""
    job = start(services, consumer, contract_id, epsilon=1.0)
    taken = services.training_runs.take(job.job_id, lambda: b"k")
    assert taken is not None
    statement = statement_of(services, job)
    document = module.attest(user_data=statement_user_data(statement))
    version = services.bucket("CMS_TRAINING_BUCKET").put("training/jobs/j/model.pt", b"model",
                                                         "application/octet-stream")
    services.training_runs.complete(
        taken, statement, result_of(statement, base64.b64encode(document).decode(), version),
        {})
    return job


# --- MNIST archives as providers upload them -----------------------------------------------------

STEMS = {"train_images": "train-images-idx3-ubyte", "train_labels": "train-labels-idx1-ubyte",
         "test_images": "t10k-images-idx3-ubyte", "test_labels": "t10k-labels-idx1-ubyte"}


def idx(count: int, rank: int, label: int = 3) -> bytes:
    shape = (count, 28, 28) if rank == 3 else (count,)
    body = bytes(count * 784) if rank == 3 else bytes([label]) * count
    return struct.pack(">HBB", 0, 8, rank) + struct.pack(f">{rank}I", *shape) + body


def archive(*, gzipped: bool = False, **files: bytes | None) -> bytes:
    contents = {"train_images": idx(30, 3), "train_labels": idx(30, 1),
                "test_images": idx(10, 3), "test_labels": idx(10, 1), **files}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        for name, data in contents.items():
            if data is not None:
                stem = STEMS[name] + (".gz" if gzipped else "")
                out.writestr(stem, gzip.compress(data) if gzipped else data)
    return buffer.getvalue()
