"""Training jobs under AI-training contracts: admission against the terms, the privacy budget
reserved atomically, the job handed to the runners' queue, visibility, stopping (which
releases what was not spent), and the result's verification and model download.

A job is admitted only while its contract allows work (active, within its validity, neither
party suspended: cms.domain.standing), asked again once the reservation is made, so that a
contract ending during admission leaves no job behind. The consumer, the provider and admins
may stop a job. The model is the consumer's as the contract's ``trained_models`` term says."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from cms.domain.attestation import TrustedRoot
from cms.domain.canonical import iso_utc, utc_now
from cms.domain.contracts import Contract, Status, content_digest
from cms.domain.contracts.listing import key_of_cursor
from cms.domain.errors import (
    DependencyUnavailable,
    Forbidden,
    IllegalTransition,
    NotFound,
)
from cms.domain.identity import Caller
from cms.domain.privacy import (
    MODELS_WITHDRAWN,
    Budget,
    BudgetExceeded,
    ModelWithdrawn,
    ResultUnavailable,
    TrainingTerms,
    epsilon_text,
)
from cms.domain.standing import StopCause, ended, refusal
from cms.domain.training_jobs import (
    JobStatus,
    TrainingJob,
    cursor_of_key,
    merged_jobs_page,
)
from cms.domain.training_settings import JobRequest, TrainingSettings
from cms.ports.errors import WriteConflict
from cms.ports.job_queue import JobQueue
from cms.ports.objects import ObjectStore
from cms.ports.training import BudgetStore
from cms.services.contracts import ContractService
from cms.services.datasets import DatasetService
from cms.services.stopping import ContractStandings, stop_job

if TYPE_CHECKING:
    from cms.domain.training_result import TrainingReport

MODEL_LINK_TTL_S = 300


@dataclass(frozen=True)
class PrivacyBudget:
    """A contract's budget as accounted, with the terms' delta and accountant, and its jobs
    (newest first)."""

    contract_id: str
    accounted: Budget
    delta: float
    accountant: str
    jobs: list[TrainingJob]


@dataclass(frozen=True)
class TrainingVerification:
    """A job's result bundle (what ``cms verify-training`` checks offline) and its report."""

    job_id: str
    report: TrainingReport
    simulated: bool
    bundle: dict[str, Any]


@dataclass(frozen=True)
class JobPage:
    items: list[TrainingJob]
    next_cursor: str | None


@dataclass(frozen=True)
class ModelLink:
    url: str
    sha256: str
    size: int
    expires_in: int


class TrainingService:
    def __init__(self, contracts: ContractService, budgets: BudgetStore, queue: JobQueue,
                 bucket: ObjectStore, datasets: DatasetService, *,
                 standings: ContractStandings, roots: tuple[TrustedRoot, ...] = (),
                 clock: Callable[[], datetime] = utc_now) -> None:
        self._contracts = contracts
        self._standings = standings
        self._budgets = budgets
        self._queue = queue
        self._bucket = bucket
        self._datasets = datasets
        self._roots = roots  # besides AWS's: a development root on the local stack only
        self._clock = clock

    def create(self, caller: Caller, contract_id: str, model: str,
               settings: TrainingSettings) -> TrainingJob:
        """A pending job whose epsilon is reserved; refused if the budget cannot cover it."""
        contract = self._contracts.get(caller, contract_id)
        if caller.did != contract.content.consumer_did:
            raise Forbidden("only the contract's consumer may start training under it")
        if contract.status != Status.ACTIVE:
            raise IllegalTransition("training needs an active contract",
                                    current_status=contract.status.value,
                                    allowed_from=[Status.ACTIVE.value])
        self._refuse_unless_allowed(contract.id)
        terms = TrainingTerms.of(contract.content.terms)
        request = JobRequest.of(model, settings, terms)
        now = iso_utc(self._clock())
        self._budgets.open_budget(contract_id, terms.epsilon, now)
        job = _new_job(contract, caller.did, request, now)
        try:
            self._budgets.reserve(job, now)
        except WriteConflict:
            budget = self._budgets.budget(contract_id)
            left = budget.available if budget else Decimal(0)
            raise BudgetExceeded(f"epsilon {request.epsilon} requested, {left} left",
                                 epsilon_available=epsilon_text(left)) from None
        self._enqueue(contract, terms, request, job, now)
        return job

    def _refuse_unless_allowed(self, contract_id: str) -> None:
        standing = self._standings.of(contract_id)
        if not standing.allows_work:
            raise refusal(standing)

    def _enqueue(self, contract: Contract, terms: TrainingTerms,
                 request: JobRequest, job: TrainingJob, now: str) -> None:
        """Hand the job to the runners; if the queue refuses it, the job fails at once and
        its reservation goes back (nothing is left half-done). The contract is asked again
        first: one that stopped allowing work while the job was admitted takes it back."""
        try:
            standing = self._standings.of(contract.id)
            if not standing.allows_work:
                with contextlib.suppress(IllegalTransition):  # stopped by the wind-down
                    stop_job(self._budgets, job, standing.cause or StopCause.CONTRACT_ENDED,
                             self._clock)
                raise refusal(standing)
            dataset = self._datasets.sealed(contract.id, request.datasets)
            self._queue.send({
                "job_id": job.job_id, "contract_id": contract.id,
                "contract_digest": content_digest(contract.id, contract.content),
                "model": job.model_name,
                "config": {**job.settings.to_json(), "delta": request.delta},
                "epsilon": epsilon_text(job.privacy_budget),
                "enclave_measurements": list(terms.enclave_measurements),
                "output_prefix": f"s3://{self._bucket.name}/training/jobs/{job.job_id}/",
                **(dataset.to_message() if dataset else {})})
        except DependencyUnavailable:
            with contextlib.suppress(WriteConflict):  # stopped meanwhile: settled already
                self._budgets.settle(job, JobStatus.FAILED, Decimal(0), now,
                                     error="the job could not be queued")
            raise

    def get(self, caller: Caller, job_id: str) -> TrainingJob:
        job = self._budgets.job(job_id)
        if job is None:
            raise NotFound(f"no training job {job_id}")
        try:
            self._contracts.get(caller, job.contract_id)  # parties and overseers see it
        except NotFound:
            raise NotFound(f"no training job {job_id}") from None
        return job

    def list(self, caller: Caller, *, status: JobStatus | None = None,
             contract_id: str | None = None, cursor: str | None = None,
             limit: int = 20) -> JobPage:
        """The caller's jobs across contracts, as consumer or provider, newest first; with
        ``contract_id``, that contract's jobs for whoever may read the contract (its parties,
        auditors, admins: as getTrainingJob). Each page reads at most ``limit + 1`` jobs per
        index; the status is filtered within those reads, so a page may hold fewer than
        ``limit`` jobs and still have a next cursor."""
        before = key_of_cursor(cursor) if cursor else None
        if contract_id is not None:
            self._contracts.get(caller, contract_id)  # NotFound unless the caller may read it
            sources = [("contract", contract_id)]
        else:
            sources = [("consumer", caller.did), ("provider", caller.did)]
        reads = [self._budgets.jobs_by(key, value, before=before, limit=limit + 1)  # type: ignore[arg-type]
                 for key, value in sources]
        items, next_key = merged_jobs_page(
            reads, limit + 1, limit, lambda job: status is None or job.status == status)
        return JobPage(items, None if next_key is None else cursor_of_key(next_key))

    def stop(self, caller: Caller, job_id: str) -> TrainingJob:
        """Stop a job (its consumer, the contract's provider, an admin): a pending one at
        once, releasing its whole reservation; a running one after its current epoch (its
        runner settles what the enclave attests it spent). A job its consumer stops keeps
        what it trained so far; one stopped by anyone else produces no model."""
        job = self.get(caller, job_id)
        cause = self._stopper(caller, job)
        return stop_job(self._budgets, job, cause, self._clock)

    def _stopper(self, caller: Caller, job: TrainingJob) -> StopCause:
        if caller.did == job.consumer_did:
            return StopCause.CONSUMER
        contract = self._contracts.get(caller, job.contract_id)
        if caller.did == contract.content.provider_did:  # the datasets are the provider's
            return StopCause.PROVIDER
        if caller.is_admin:
            return StopCause.ADMIN
        raise Forbidden("only the job's consumer, the contract's provider or an admin may "
                        "stop it")

    def verification(self, caller: Caller, job_id: str) -> TrainingVerification:
        """The result bundle (statement, attestation, contract content) and its report, as
        the offline verifier (``cms verify-training``) would produce it. Everything in it is
        checked, stored values too: an unusable one is a failed check, not an error."""
        # Here, not at module level: the attestation verifier (CBOR, X.509) costs the training
        # function's cold start about 45 ms, and only this route needs it.
        from cms.domain.training_result import result_bundle, verify_result

        job = self.get(caller, job_id)
        if job.result is None:
            raise ResultUnavailable(f"the job is {job.status.value} and has no attested result",
                                    status_now=job.status.value)
        contract = self._contracts.get(caller, job.contract_id)
        bundle = result_bundle(job.result.statement, job.result.attestation, contract.id,
                               contract.content.to_json())
        return TrainingVerification(job_id, verify_result(bundle, roots=self._roots),
                                    job.result.simulated, bundle)

    def model_link(self, caller: Caller, job_id: str) -> ModelLink:
        """A short-lived link to the trained model (the consumer's), with its hash to check."""
        job = self.get(caller, job_id)
        if caller.did != job.consumer_did:
            raise Forbidden("only the job's consumer may download the model")
        if job.result is None:
            raise ResultUnavailable(f"the job is {job.status.value} and has no model",
                                    status_now=job.status.value)
        contract = self._contracts.get(caller, job.contract_id)
        terms = TrainingTerms.of(contract.content.terms)
        if terms.trained_models == MODELS_WITHDRAWN and ended(contract, self._clock()):
            raise ModelWithdrawn("the contract has ended, and its terms withdraw the models "
                                 "trained under it (trained_models: withdrawn_at_end)",
                                 contract_status=contract.status.value)
        model = job.result.model
        url = self._bucket.download_url(model.key, model.version, ttl_s=MODEL_LINK_TTL_S,
                                        filename=f"{job_id}.pt")
        return ModelLink(url, model.sha256, model.size, MODEL_LINK_TTL_S)

    def budget(self, caller: Caller, contract_id: str) -> PrivacyBudget:
        contract = self._contracts.get(caller, contract_id)
        terms = TrainingTerms.of(contract.content.terms)
        stored = self._budgets.budget(contract_id)
        return PrivacyBudget(contract_id, stored or Budget(terms.epsilon, Decimal(0),
                                                           Decimal(0)),
                             terms.delta, terms.accountant,
                             self._budgets.jobs_of(contract_id))


def _new_job(contract: Contract, consumer: str, request: JobRequest, now: str) -> TrainingJob:
    return TrainingJob(
        job_id=str(uuid.uuid4()), contract_id=contract.id, consumer_did=consumer,
        provider_did=contract.content.provider_did,
        model_name=request.model, status=JobStatus.PENDING, settings=request.settings,
        privacy_budget=request.epsilon, privacy_budget_spent=Decimal(0), created_at=now,
        updated_at=now)
