"""Training jobs under AI-training contracts: admission against the terms, the privacy budget
reserved atomically, visibility, and stopping (which releases what was not spent)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from cms.adapters.budget_store import BudgetStore
from cms.adapters.dynamo import WriteConflict
from cms.adapters.tables import TrainingJobRecord
from cms.domain.canonical import iso_utc, utc_now
from cms.domain.contracts import Contract, Status
from cms.domain.errors import Conflict, Forbidden, IllegalTransition, NotFound
from cms.domain.identity import Caller
from cms.domain.privacy import BudgetExceeded, JobRequest, TrainingTerms
from cms.services.contracts import ContractService


def job_json(job: TrainingJobRecord) -> dict[str, Any]:
    """Seed 003's training_jobs row, epsilon as exact decimal strings."""
    return {"id": job.job_id, "contract_id": job.contract_id, "consumer_did": job.consumer_did,
            "model_name": job.model_name, "status": job.status, "config": job.config,
            "metrics": job.metrics, "privacy_budget": str(job.privacy_budget),
            "privacy_budget_spent": str(job.privacy_budget_spent), "result": job.result,
            "error": job.error, "created_at": job.created_at, "updated_at": job.updated_at,
            "completed_at": job.completed_at}


class TrainingService:
    def __init__(self, contracts: ContractService, budgets: BudgetStore,
                 clock: Callable[[], datetime] = utc_now) -> None:
        self._contracts = contracts
        self._budgets = budgets
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
            raise BudgetExceeded(f"epsilon {request.epsilon} requested, {left} left",
                                 epsilon_available=str(left)) from None
        return job

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
        """Stop a pending job now, releasing its whole reservation. (A running job is
        stopped by its runner, which settles what it spent; that path comes with it.)"""
        job = self.get(caller, job_id)
        if caller.did != job.consumer_did:
            raise Forbidden("only the job's consumer may stop it")
        if job.status != "pending":
            raise IllegalTransition(f"cannot stop a {job.status} job here",
                                    current_status=job.status, allowed_from=["pending"])
        try:
            self._budgets.settle(job, "stopped", Decimal(0), iso_utc(self._clock()))
        except WriteConflict:
            raise Conflict("the job changed meanwhile; read it again") from None
        return self.get(caller, job_id)

    def budget(self, caller: Caller, contract_id: str) -> dict[str, Any]:
        contract = self._contracts.get(caller, contract_id)
        terms = TrainingTerms.of(contract.content.terms)
        stored = self._budgets.budget(contract_id)
        accounted = stored.to_json() if stored else {
            "epsilon_total": str(terms.epsilon), "epsilon_spent": "0",
            "epsilon_reserved": "0", "epsilon_available": str(terms.epsilon)}
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
