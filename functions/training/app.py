"""Training function: training jobs under AI-training contracts and their privacy budgets."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body
from pydantic import BaseModel, ConfigDict, Field

from cms.api.http import caller_of, http_entry, json_response
from cms.api.observability import count
from cms.api.operations import Api
from cms.domain.datasets import DatasetRejected
from cms.domain.errors import (
    AttestationInvalid,
    Conflict,
    Forbidden,
    IllegalTransition,
    NotFound,
    ValidationFailed,
)
from cms.domain.privacy import BudgetExceeded, NotATrainingContract, ResultUnavailable
from cms.runtime import FunctionRuntime
from cms.services.training import job_json

api = Api("training")
runtime = FunctionRuntime()
BASE = "/api/v1/training-jobs"
ONE = BASE + "/<job_id>"


class JobCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", protected_namespaces=())
    contract_id: str = Field(min_length=1, max_length=64)
    model: str = Field(min_length=1, max_length=100)
    # epochs, epsilon, delta?, datasets?, batch_size?, learning_rate?, max_grad_norm?, ...
    config: dict[str, Any]


@api.post(BASE, "createTrainingJob", status=201,
          summary="Start a training job under an active AI-training contract (its consumer); "
                  "the job's epsilon is reserved from the contract's budget",
          errors=(NotFound, Forbidden, IllegalTransition, NotATrainingContract, BudgetExceeded,
                  ValidationFailed, Conflict))
def create(request: Annotated[JobCreate, Body()]) -> Response[dict]:
    job = runtime.services.training.create(caller_of(api), request.contract_id, request.model,
                                           request.config)
    count("TrainingJobsCreated")
    return json_response(job_json(job), 201, {"Location": f"{BASE}/{job.job_id}"})


@api.get(ONE, "getTrainingJob", summary="A training job (the contract's parties)",
         errors=(NotFound,))
def get(job_id: str) -> dict:
    return job_json(runtime.services.training.get(caller_of(api), job_id))


@api.post(ONE + "/stop", "stopTrainingJob",
          summary="Stop a job: a pending one at once (its epsilon goes back), a running one "
                  "after its current epoch (what it did not spend goes back)",
          errors=(NotFound, Forbidden, IllegalTransition, Conflict))
def stop(job_id: str) -> dict:
    return job_json(runtime.services.training.stop(caller_of(api), job_id))


@api.get(ONE + "/verification", "getTrainingVerification",
         summary="Verify the job's result: attestation chain, enclave image allowed by the "
                 "contract, user_data bound to model, job and contract, epsilon within budget",
         errors=(NotFound, ResultUnavailable, NotATrainingContract, AttestationInvalid))
def verification(job_id: str) -> dict:
    return runtime.services.training.verification(caller_of(api), job_id)


@api.get(ONE + "/model", "getTrainingModel",
         summary="A short-lived download link for the trained model, with its SHA-256",
         errors=(NotFound, ResultUnavailable))
def model(job_id: str) -> dict:
    return runtime.services.training.model_link(caller_of(api), job_id)


class DatasetUpload(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dataset_id: str = Field(min_length=1, max_length=64)
    size: int = Field(gt=0)


@api.post("/api/v1/contracts/<contract_id>/datasets", "createDatasetUpload", status=201,
          summary="Upload one of the contract's datasets (its provider): a presigned POST for "
                  "a zip of the four MNIST IDX files, registered when S3 reports it",
          errors=(NotFound, Forbidden, IllegalTransition, NotATrainingContract,
                  DatasetRejected))
def upload_dataset(contract_id: str, request: Annotated[DatasetUpload, Body()]
                   ) -> Response[dict]:
    grant = runtime.services.datasets.upload_grant(caller_of(api), contract_id,
                                                   request.dataset_id, request.size)
    return json_response(grant, 201)


@api.get("/api/v1/contracts/<contract_id>/datasets", "listDatasets",
         summary="The contract's datasets: registered or not, digest, size, example counts",
         errors=(NotFound, NotATrainingContract))
def datasets(contract_id: str) -> dict:
    return {"items": runtime.services.datasets.datasets(caller_of(api), contract_id)}


@api.get("/api/v1/contracts/<contract_id>/privacy-budget", "getPrivacyBudget",
         summary="The contract's privacy budget: total, spent, reserved, available, jobs",
         errors=(NotFound, NotATrainingContract))
def budget(contract_id: str) -> dict:
    return runtime.services.training.budget(caller_of(api), contract_id)


handler = http_entry(api, runtime)
