"""The SageMaker runner against moto's server: start is idempotent, statuses map, stop works,
and a result is read back from the model archive only if it claims no attestation.

moto completes every training job at once, so the tests move a job to other states in the
server's backend (the server runs in this process). moto 5.2.5 has no StopTrainingJob: the
fixture gives the server one with SageMaker's behaviour (InProgress -> Stopping; anything else
is a ValidationException), so stop goes over HTTP like every other call.
"""

from __future__ import annotations

import io
import json
import tarfile
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.models import sagemaker_backends
from moto.sagemaker.responses import SageMakerResponse
from moto.server import ThreadedMotoServer

from enclave_app.training.trainer import TrainingConfig
from local_stack.stack import free_port
from tests.aws_environment import pointing_at
from training_runner.jobs import RunnerJob
from training_runner.sagemaker_runner import (
    SageMakerRunner,
    SageMakerRunnerError,
    TrainingJobNotFound,
)

REGION = "eu-west-1"
ROLE = "arn:aws:iam::123456789012:role/cms-sagemaker-training"
BUCKET = "cms-artifacts"


def _stop_training_job(self: SageMakerResponse) -> str:
    """StopTrainingJob as SageMaker does it (moto 5.2.5 lacks it)."""
    name = self._get_param("TrainingJobName")
    job = self.sagemaker_backend.training_jobs.get(name)
    if job is None or job.training_job_status != "InProgress":
        raise ValidationError(message=f"The training job {name} is not in progress.")
    job.training_job_status = job.secondary_status = "Stopping"
    return "{}"


@pytest.fixture(scope="module")
def aws() -> Iterator[None]:
    port = free_port()  # an ephemeral port, never moto's default 5000 (leaked executions)
    assert port != 5000
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    with pytest.MonkeyPatch.context() as patch, pointing_at({
            "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}", "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": REGION}):
        patch.setattr(SageMakerResponse, "stop_training_job", _stop_training_job, raising=False)
        boto3.client("s3", region_name=REGION).create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        yield
    server.stop()


@pytest.fixture
def runner(aws) -> SageMakerRunner:
    return SageMakerRunner(role_arn=ROLE, source_uri=f"s3://{BUCKET}/code/sourcedir.tar.gz",
                           region=REGION, session=boto3.Session(region_name=REGION),
                           kms_key_id="alias/cms-training")


@pytest.fixture
def job() -> RunnerJob:
    return RunnerJob(job_id=str(uuid.uuid4()), contract_id=str(uuid.uuid4()),
                     contract_digest="cd" * 32, model=TrainingConfig().model,
                     config={"epochs": 2, "epsilon": 1.5}, epsilon="2",
                     dataset_uri=f"s3://{BUCKET}/datasets/mnist/",
                     output_prefix=f"s3://{BUCKET}/training/")


def server_job(name: str) -> Any:
    """The job as moto's backend holds it, to put it in states moto never reaches itself."""
    return sagemaker_backends[DEFAULT_ACCOUNT_ID][REGION].training_jobs[name]


def move(name: str, status: str, secondary: str, reason: str | None = None) -> None:
    held = server_job(name)
    held.training_job_status, held.secondary_status = status, secondary
    held.failure_reason = reason


def test_start_creates_the_spec_once(runner, job) -> None:
    name = runner.start(job)
    sagemaker = boto3.client("sagemaker", region_name=REGION)
    described = sagemaker.describe_training_job(TrainingJobName=name)
    spec = runner.job_spec(job)
    assert described["HyperParameters"] == spec["HyperParameters"]
    assert described["EnableNetworkIsolation"] is True
    assert described["OutputDataConfig"] == spec["OutputDataConfig"]
    assert described["InputDataConfig"] == spec["InputDataConfig"]
    tags = sagemaker.list_tags(ResourceArn=described["TrainingJobArn"])["Tags"]
    assert {"Key": "cms:attested", "Value": "false"} in tags
    move(name, "InProgress", "Training")
    assert runner.start(job) == name  # not an error, and not created again
    assert runner.status(name).state == "running"


@pytest.mark.parametrize(("status", "secondary", "reason", "state"), [
    ("InProgress", "LaunchingMLInstances", None, "pending"),
    ("InProgress", "Training", None, "running"),
    ("Failed", "Failed", "AlgorithmError: DatasetError: labels", "failed"),
    ("Stopped", "MaxRuntimeExceeded", None, "stopped"),
    ("Completed", "Completed", None, "completed"),
])
def test_status_maps_sagemakers_states(runner, job, status, secondary, reason, state) -> None:
    name = runner.start(job)
    move(name, status, secondary, reason)
    current = runner.status(name)
    assert (current.state, current.reason, current.detail) == (state, reason, secondary)
    assert current.attested is False


def test_stop_stops_a_running_job_and_leaves_finished_ones(runner, job) -> None:
    name = runner.start(job)
    move(name, "InProgress", "Training")
    assert (runner.stop(name).state, runner.status(name).detail) == ("running", "Stopping")
    move(name, "Stopped", "Stopped")
    assert runner.stop(name).state == "stopped"  # again: nothing to do, no error
    done = runner.start(RunnerJob(**{**job.to_json(), "job_id": str(uuid.uuid4())}))
    assert runner.stop(done).state == "completed"


def test_an_unknown_job_is_reported_as_such(runner) -> None:
    with pytest.raises(TrainingJobNotFound):
        runner.status("cms-no-such-job")
    with pytest.raises(TrainingJobNotFound):
        runner.stop("cms-no-such-job")


def _upload_model(artifacts: str, record: dict) -> None:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w:gz") as tar:
        for member, data in {"model.pt": b"weights", "result.json": json.dumps(record).encode()
                             }.items():
            info = tarfile.TarInfo(member)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    bucket, _, key = artifacts.removeprefix("s3://").partition("/")
    boto3.client("s3", region_name=REGION).put_object(Bucket=bucket, Key=key,
                                                      Body=raw.getvalue())


def test_result_is_read_back_only_when_it_claims_no_attestation(runner, job) -> None:
    name = runner.start(job)
    artifacts = runner.status(name).model_artifacts
    assert artifacts == f"s3://{BUCKET}/training/{name}/output/model.tar.gz"
    record = {"attested": False, "job_id": job.job_id, "epsilon_spent": 1.49}
    _upload_model(artifacts, record)
    assert runner.result(name) == record
    _upload_model(artifacts, {**record, "attested": True, "attestation": "hEShATgioFkQ"})
    with pytest.raises(SageMakerRunnerError, match="attested"):
        runner.result(name)
    move(name, "InProgress", "Training")
    with pytest.raises(SageMakerRunnerError, match="is running: no result"):
        runner.result(name)
