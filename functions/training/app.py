"""Training function: training jobs under AI-training contracts and their privacy budgets."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body
from pydantic import BaseModel, ConfigDict, Field

from cms.api.http import SECURED, caller_of, create_resolver, json_response, lambda_entry
from cms.api.observability import count
from cms.services import container
from cms.services.training import job_json

app = create_resolver()
BASE = "/api/v1/training-jobs"
ONE = BASE + "/<job_id>"


class JobCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", protected_namespaces=())
    contract_id: str = Field(min_length=1, max_length=64)
    model: str = Field(min_length=1, max_length=100)
    # epochs, epsilon, delta?, datasets?, batch_size?, learning_rate?, max_grad_norm?, ...
    config: dict[str, Any]


@app.post(BASE, security=SECURED,
          summary="Start a training job under an active AI-training contract (its consumer); "
                  "the job's epsilon is reserved from the contract's budget")
def create(request: Annotated[JobCreate, Body()]) -> Response[dict]:
    job = container.training().create(caller_of(app), request.contract_id, request.model,
                                      request.config)
    count("TrainingJobsCreated")
    return json_response(job_json(job), 201, {"Location": f"{BASE}/{job.job_id}"})


@app.get(ONE, security=SECURED, summary="A training job (the contract's parties)")
def get(job_id: str) -> dict:
    return job_json(container.training().get(caller_of(app), job_id))


@app.post(ONE + "/stop", security=SECURED,
          summary="Stop a job: a pending one at once (its epsilon goes back), a running one "
                  "after its current epoch (what it did not spend goes back)")
def stop(job_id: str) -> dict:
    return job_json(container.training().stop(caller_of(app), job_id))


@app.get(ONE + "/verification", security=SECURED,
         summary="Verify the job's result: attestation chain, enclave image allowed by the "
                 "contract, user_data bound to model, job and contract, epsilon within budget")
def verification(job_id: str) -> dict:
    return container.training().verification(caller_of(app), job_id)


@app.get(ONE + "/model", security=SECURED,
         summary="A short-lived download link for the trained model, with its SHA-256")
def model(job_id: str) -> dict:
    return container.training().model_link(caller_of(app), job_id)


class DatasetUpload(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dataset_id: str = Field(min_length=1, max_length=64)
    size: int = Field(gt=0)


@app.post("/api/v1/contracts/<contract_id>/datasets", security=SECURED,
          summary="Upload one of the contract's datasets (its provider): a presigned POST for "
                  "a zip of the four MNIST IDX files, registered when S3 reports it")
def upload_dataset(contract_id: str, request: Annotated[DatasetUpload, Body()]
                   ) -> Response[dict]:
    grant = container.datasets().upload_grant(caller_of(app), contract_id, request.dataset_id,
                                              request.size)
    return json_response(grant, 201)


@app.get("/api/v1/contracts/<contract_id>/datasets", security=SECURED,
         summary="The contract's datasets: registered or not, digest, size, example counts")
def datasets(contract_id: str) -> dict:
    return {"items": container.datasets().datasets(caller_of(app), contract_id)}


@app.get("/api/v1/contracts/<contract_id>/privacy-budget", security=SECURED,
         summary="The contract's privacy budget: total, spent, reserved, available, jobs")
def budget(contract_id: str) -> dict:
    return container.training().budget(caller_of(app), contract_id)


handler = lambda_entry(app)
