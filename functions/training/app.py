"""Training function: training jobs under AI-training contracts and their privacy budgets."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query

from cms.api.http import caller_of, http_entry, json_response
from cms.api.idempotency import IDEMPOTENCY_ERRORS, IdempotencyKey, idempotent
from cms.api.observability import count
from cms.api.operations import COMPUTE, READ, TRAINING, UPLOAD, WRITE, Api
from cms.api.schemas import training as wire
from cms.api.schemas.common import UUID_PATTERN, Uuid
from cms.domain import training_jobs, training_settings
from cms.domain.contracts import ValidityEnded
from cms.domain.errors import Conflict, Forbidden, IllegalTransition, NotFound, ValidationFailed
from cms.domain.privacy import (
    BudgetExceeded,
    ModelWithdrawn,
    NotATrainingContract,
    ResultUnavailable,
    epsilon_text,
)
from cms.domain.standing import PartySuspended
from cms.runtime import FunctionRuntime
from cms.services.datasets import UploadGrant
from cms.services.training import PrivacyBudget, TrainingVerification

api = Api("training")
runtime = FunctionRuntime()
BASE = "/api/v1/training-jobs"
ONE = BASE + "/<job_id>"
DATASETS = "/api/v1/contracts/<contract_id>/datasets"
JobId = Annotated[str, Path(pattern=UUID_PATTERN, description="A training job's id")]
ContractId = Annotated[str, Path(pattern=UUID_PATTERN, description="A contract's id")]
# Every route reads the contract; one whose stored snapshot cannot be decoded answers so.
CORRUPT_CONTRACT = (500, "corrupt_record")


def _job(job: training_jobs.TrainingJob) -> wire.TrainingJob:
    return wire.TrainingJob.model_validate(job.to_json())


@api.post(BASE, "createTrainingJob", limit=TRAINING, status=201,
          summary="Start a training job under an active AI-training contract (its consumer); "
                  "the job's epsilon is reserved from the contract's budget",
          errors=(NotFound, Forbidden, IllegalTransition, ValidityEnded, PartySuspended,
                  NotATrainingContract, BudgetExceeded, ValidationFailed, CORRUPT_CONTRACT,
                  *IDEMPOTENCY_ERRORS))
def create(request: Annotated[wire.TrainingJobRequest, Body()],
           idempotency_key: IdempotencyKey = None) -> Response[wire.TrainingJob]:
    caller = caller_of(api)

    def make() -> dict[str, Any]:
        settings = training_settings.TrainingSettings.from_json(
            request.config.model_dump(mode="json", exclude_none=True))
        job = runtime.services.training.create(caller, request.contract_id, request.model,
                                               settings)
        count("TrainingJobsCreated")
        return job.to_json()

    job = wire.TrainingJob.model_validate(idempotent(
        api, runtime, idempotency_key, make, operation="createTrainingJob",
        request=request.model_dump(mode="json")))
    return json_response(job, 201, {"Location": f"{BASE}/{job.id}"})


@api.get(BASE, "listTrainingJobs", limit=READ,
         summary="The caller's training jobs across contracts (as consumer or provider), "
                 "newest first; with contract_id, that contract's jobs (its parties, auditors, "
                 "admins)",
         errors=(NotFound, CORRUPT_CONTRACT))
def list_jobs(
    status: Annotated[wire.TrainingJobStatus, Query(
        description="Only jobs in this state")] = None,
    contract_id: Annotated[Uuid, Query(description="Only this contract's jobs")] = None,
    cursor: Annotated[wire.JobCursor, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> wire.TrainingJobPage:
    """Each page reads a bounded number of jobs and filters the status within them: a page
    may hold fewer than ``limit`` jobs, even none, and still have a ``next_cursor``; follow it
    until it is absent to see every match (newest first, each once)."""
    page = runtime.services.training.list(
        caller_of(api), status=training_jobs.JobStatus(status) if status else None,
        contract_id=contract_id, cursor=cursor, limit=limit)
    return wire.TrainingJobPage(items=[_job(job) for job in page.items],
                                next_cursor=page.next_cursor)


@api.get(ONE, "getTrainingJob", limit=READ, summary="A training job (the contract's parties)",
         errors=(NotFound, CORRUPT_CONTRACT))
def get(job_id: JobId) -> wire.TrainingJob:
    return _job(runtime.services.training.get(caller_of(api), job_id))


@api.post(ONE + "/stop", "stopTrainingJob", limit=WRITE,
          summary="Stop a job (its consumer, the contract's provider, an admin): a pending "
                  "one at once (its epsilon goes back), a running one after its current "
                  "epoch (what it did not spend goes back)",
          errors=(NotFound, Forbidden, IllegalTransition, Conflict, CORRUPT_CONTRACT))
def stop(job_id: JobId) -> wire.TrainingJob:
    return _job(runtime.services.training.stop(caller_of(api), job_id))


@api.get(ONE + "/verification", "getTrainingVerification", limit=COMPUTE,
         summary="Verify the job's result: attestation chain, enclave image allowed by the "
                 "contract, user_data bound to model, job and contract, epsilon within budget",
         errors=(NotFound, ResultUnavailable, CORRUPT_CONTRACT))
def verification(job_id: JobId) -> wire.TrainingVerification:
    return _verification(runtime.services.training.verification(caller_of(api), job_id))


def _verification(verified: TrainingVerification) -> wire.TrainingVerification:
    report = verified.report.to_json()
    return wire.TrainingVerification.model_validate({
        "job_id": verified.job_id, "valid": report["valid"], "checks": report["checks"],
        "simulated": verified.simulated, "result": verified.bundle})


@api.get(ONE + "/model", "getTrainingModel", limit=READ,
         summary="A short-lived download link for the trained model, with its SHA-256 "
                 "(the consumer's, as the contract's trained_models term says)",
         errors=(NotFound, Forbidden, ResultUnavailable, ModelWithdrawn, NotATrainingContract,
                 CORRUPT_CONTRACT))
def model(job_id: JobId) -> wire.ModelLink:
    link = runtime.services.training.model_link(caller_of(api), job_id)
    return wire.ModelLink.model_validate(link, from_attributes=True)


@api.post(DATASETS, "createDatasetUpload", limit=UPLOAD, status=201,
          summary="Upload one of the contract's datasets (its provider): a presigned POST for "
                  "a zip of the four MNIST IDX files, registered when S3 reports it",
          description="With an Idempotency-Key, a repeat answers a form for the same upload "
                      "signed anew (a full expires_in from the repeat), after the same "
                      "checks, so an expired first form is never answered again.",
          errors=(NotFound, Forbidden, IllegalTransition, NotATrainingContract,
                  ValidationFailed, CORRUPT_CONTRACT, *IDEMPOTENCY_ERRORS))
def upload_dataset(contract_id: ContractId,
                   request: Annotated[wire.DatasetUploadRequest, Body()],
                   idempotency_key: IdempotencyKey = None) -> Response[wire.DatasetUploadGrant]:
    caller, datasets = caller_of(api), runtime.services.datasets

    def grant_for(upload_id: str | None = None) -> UploadGrant:
        return datasets.upload_grant(caller, contract_id, request.dataset_id, request.size,
                                     upload_id)

    grant = idempotent(
        api, runtime, idempotency_key, grant_for, operation="createDatasetUpload",
        request={"contract_id": contract_id, **request.model_dump(mode="json")},
        # The form expires long before the key: only the upload's id is kept.
        keep=lambda made: {"upload_id": made.upload_id},
        replay=lambda kept: grant_for(kept["upload_id"]))
    return json_response(wire.DatasetUploadGrant.model_validate(grant, from_attributes=True),
                         201)


@api.get(DATASETS, "listDatasets", limit=READ,
         summary="The contract's datasets: registered or not, digest, size, example counts",
         errors=(NotFound, NotATrainingContract, CORRUPT_CONTRACT))
def datasets(contract_id: ContractId) -> wire.DatasetList:
    items = runtime.services.datasets.datasets(caller_of(api), contract_id)
    return wire.DatasetList(items=[wire.Dataset.model_validate(item, from_attributes=True)
                                   for item in items])


@api.get("/api/v1/contracts/<contract_id>/privacy-budget", "getPrivacyBudget", limit=READ,
         summary="The contract's privacy budget: total, spent, reserved, available, jobs",
         errors=(NotFound, NotATrainingContract, CORRUPT_CONTRACT))
def budget(contract_id: ContractId) -> wire.PrivacyBudget:
    return _budget(runtime.services.training.budget(caller_of(api), contract_id))


def _budget(budget: PrivacyBudget) -> wire.PrivacyBudget:
    accounted = budget.accounted
    return wire.PrivacyBudget(
        contract_id=budget.contract_id, epsilon_total=epsilon_text(accounted.total),
        epsilon_spent=epsilon_text(accounted.spent),
        epsilon_reserved=epsilon_text(accounted.reserved),
        epsilon_available=epsilon_text(accounted.available), delta=budget.delta,
        accountant=budget.accountant, jobs=[_job(job) for job in budget.jobs])


handler = http_entry(api, runtime)
