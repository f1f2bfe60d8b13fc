"""Training jobs under AI-training contracts: admission against the terms, the privacy budget
reserved atomically, the job handed to the runners' queue, visibility, stopping (which
releases what was not spent), and the result's verification and model download."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from cms.adapters.budget_store import BudgetStore
from cms.adapters.dynamo import WriteConflict
from cms.adapters.job_queue import JobQueue
from cms.adapters.object_store import Bucket
from cms.adapters.tables import TrainingJobRecord
from cms.domain.attestation import TrustedRoot
from cms.domain.canonical import iso_utc, utc_now
from cms.domain.contracts import Contract, Status, content_digest
from cms.domain.errors import (
    Conflict,
    DependencyUnavailable,
    Forbidden,
    IllegalTransition,
    NotFound,
)
from cms.domain.identity import Caller
from cms.domain.privacy import (
    Budget,
    BudgetExceeded,
    JobRequest,
    ResultUnavailable,
    TrainingTerms,
    epsilon_text,
)
from cms.services.contracts import ContractService
from cms.services.datasets import DatasetService

MODEL_LINK_TTL_S = 300


def job_json(job: TrainingJobRecord) -> dict[str, Any]:
    """Seed 003's training_jobs row, epsilon as exact decimal strings."""
    return {"id": job.job_id, "contract_id": job.contract_id, "consumer_did": job.consumer_did,
            "model_name": job.model_name, "status": job.status, "config": job.config,
            "metrics": job.metrics, "privacy_budget": epsilon_text(job.privacy_budget),
            "privacy_budget_spent": epsilon_text(job.privacy_budget_spent), "result": job.result,
            "progress": job.progress, "stop_requested": bool(job.stop_requested),
            "error": job.error, "created_at": job.created_at, "updated_at": job.updated_at,
            "completed_at": job.completed_at}


class TrainingService:
    def __init__(self, contracts: ContractService, budgets: BudgetStore, queue: JobQueue,
                 bucket: Bucket, datasets: DatasetService, *,
                 roots: tuple[TrustedRoot, ...] = (),
                 clock: Callable[[], datetime] = utc_now) -> None:
        self._contracts = contracts
        self._budgets = budgets
        self._queue = queue
        self._bucket = bucket
        self._datasets = datasets
        self._roots = roots  # besides AWS's: a development root on the local stack only
        self._clock = clock

    def create(self, caller: Caller, contract_id: str, model: str,
               config: dict[str, Any]) -> TrainingJobRecord:
        """A pending job whose epsilon is reserved; refused if the budget cannot cover it."""
        contract = self._contracts.get(caller, contract_id)
        if caller.did != contract.content.consumer_did:
            raise Forbidden("only the contract's consumer may start training under it")
        if contract.status != Status.ACTIVE:
            raise IllegalTransition("training needs an active contract",
                                    current_status=contract.status.value,
                                    allowed_from=[Status.ACTIVE.value])
        terms = TrainingTerms.of(contract.content.terms)
        request = JobRequest.of(model, config, terms)
        now = iso_utc(self._clock())
        self._budgets.open_budget(contract_id, terms.epsilon, now)
        job = _new_job(contract, caller.did, model, config, reserved=request.epsilon, now=now)
        try:
            self._budgets.reserve(job, request.epsilon, now)
        except WriteConflict:
            budget = self._budgets.budget(contract_id)
            left = budget.available if budget else Decimal(0)
            raise BudgetExceeded(f"epsilon {request.epsilon} requested, {epsilon_text(left)} left",
                                 epsilon_available=epsilon_text(left)) from None
        self._enqueue(contract, terms, request, job, now)
        return job

    def _enqueue(self, contract: Contract, terms: TrainingTerms,
                 request: JobRequest, job: TrainingJobRecord, now: str) -> None:
        """Hand the job to the runners; if the queue refuses it, the job fails at once and
        its reservation goes back (nothing is left half-done)."""
        try:
            dataset = self._datasets.sealed(contract.id, request.datasets)
            self._queue.send({
                "job_id": job.job_id, "contract_id": contract.id,
                "contract_digest": content_digest(contract.id, contract.content),
                "model": job.model_name, "config": {**job.config, "delta": request.delta},
                "epsilon": str(job.privacy_budget),
                "enclave_measurements": list(terms.enclave_measurements),
                "output_prefix": f"s3://{self._bucket.name}/training/jobs/{job.job_id}/",
                **(dataset.to_message() if dataset else {})})
        except DependencyUnavailable:
            self._budgets.settle(job, "failed", Decimal(0), now,
                                 error="the job could not be queued")
            raise

    def get(self, caller: Caller, job_id: str) -> TrainingJobRecord:
        job = self._budgets.job(job_id)
        if job is None:
            raise NotFound(f"no training job {job_id}")
        try:
            self._contracts.get(caller, job.contract_id)  # parties and overseers see it
        except NotFound:
            raise NotFound(f"no training job {job_id}") from None
        return job

    def stop(self, caller: Caller, job_id: str) -> TrainingJobRecord:
        """Stop a job: a pending one at once, releasing its whole reservation; a running one
        after its current epoch (its runner settles what it spent)."""
        job = self.get(caller, job_id)
        if caller.did != job.consumer_did:
            raise Forbidden("only the job's consumer may stop it")
        now = iso_utc(self._clock())
        try:
            if job.status == "pending":
                self._budgets.settle(job, "stopped", Decimal(0), now)
            elif job.status == "running":
                self._budgets.request_stop(job, now)
            else:
                raise IllegalTransition(f"cannot stop a {job.status} job",
                                        current_status=job.status,
                                        allowed_from=["pending", "running"])
        except WriteConflict:
            raise Conflict("the job changed meanwhile; read it again") from None
        return self.get(caller, job_id)

    def verification(self, caller: Caller, job_id: str) -> dict[str, Any]:
        """The result bundle (statement, attestation, contract content) and its report, as
        the offline verifier (``cms verify-training``) would produce it."""
        # Here, not at module level: the attestation verifier (CBOR, X.509) costs the training
        # function's cold start about 45 ms, and only this route needs it.
        from cms.domain.training_result import Statement, bundle, verify_result

        job = self.get(caller, job_id)
        if not job.result or "attestation" not in job.result:
            raise ResultUnavailable(f"the job is {job.status} and has no attested result",
                                    status_now=job.status)
        contract = self._contracts.get(caller, job.contract_id)
        result = bundle(Statement.from_json(job.result["statement"]),
                        base64.b64decode(job.result["attestation"]),
                        contract.content.to_json())
        report = verify_result(result, roots=self._roots)
        return {"job_id": job_id, "valid": report.valid, "checks": report.to_json()["checks"],
                "simulated": bool(job.result.get("simulated")), "result": result}

    def model_link(self, caller: Caller, job_id: str) -> dict[str, Any]:
        """A short-lived link to the trained model (the consumer's), with its hash to check."""
        job = self.get(caller, job_id)
        if caller.did != job.consumer_did:
            raise Forbidden("only the job's consumer may download the model")
        model = (job.result or {}).get("model")
        if not model:
            raise ResultUnavailable(f"the job is {job.status} and has no model",
                                    status_now=job.status)
        url = self._bucket.download_url(model["key"], model.get("version"),
                                        ttl_s=MODEL_LINK_TTL_S, filename=f"{job_id}.pt")
        return {"url": url, "sha256": model["sha256"], "size": model["size"],
                "expires_in": MODEL_LINK_TTL_S}

    def budget(self, caller: Caller, contract_id: str) -> dict[str, Any]:
        contract = self._contracts.get(caller, contract_id)
        terms = TrainingTerms.of(contract.content.terms)
        stored = self._budgets.budget(contract_id)
        accounted = (stored or Budget(terms.epsilon, Decimal(0), Decimal(0))).to_json()
        return {"contract_id": contract_id, **accounted, "delta": terms.delta,
                "accountant": terms.accountant,
                "jobs": [job_json(job) for job in self._budgets.jobs_of(contract_id)]}


def _new_job(contract: Contract, consumer: str, model: str, config: dict[str, Any], *,
             reserved: Decimal, now: str) -> TrainingJobRecord:
    job_id = str(uuid.uuid4())
    return TrainingJobRecord(
        job_id, contract_id=contract.id, consumer_did=consumer, model_name=model,
        status="pending", config=config, privacy_budget=reserved,
        privacy_budget_spent=Decimal(0), created_at=now, created_key=f"{now}#{job_id}",
        updated_at=now)
