"""The SageMaker runner's job specification, its result checks, the entry script SageMaker runs
(trained here on temp dirs named by SageMaker's variables) and the source bundle it runs from."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import re
import struct
import subprocess
import sys
import tarfile
import uuid
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import boto3
import pytest
import torch
from botocore.stub import Stubber
from botocore.validate import validate_parameters
from sagemaker.core.utils.utils import SageMakerClient

from enclave_app.training.trainer import TrainingConfig
from training_runner import sagemaker_entry
from training_runner.jobs import RunnerJob
from training_runner.sagemaker_runner import (
    FRAMEWORK_VERSION,
    JobSpecError,
    SageMakerRunner,
    SageMakerRunnerError,
    check_unattested,
    read_result,
    state_of,
    training_job_name,
    write_source_bundle,
)

REGION = "eu-west-1"
ROLE = "arn:aws:iam::123456789012:role/cms-sagemaker-training"
KEY = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
SOURCE = "s3://cms-code/training/sourcedir.tar.gz"
MODEL = TrainingConfig().model  # the trainer's default architecture, whatever it is named
_NAME_RULE = r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}"


def _session() -> boto3.Session:
    return boto3.Session(region_name=REGION, aws_access_key_id="testing",
                         aws_secret_access_key="testing")


@pytest.fixture
def runner() -> SageMakerRunner:
    return SageMakerRunner(role_arn=ROLE, source_uri=SOURCE, region=REGION, session=_session(),
                           kms_key_id=KEY)


@pytest.fixture
def job() -> RunnerJob:
    return RunnerJob(job_id=str(uuid.uuid4()), contract_id="c-" + uuid.uuid4().hex,
                     contract_digest="ab" * 32, model=MODEL,
                     config={"epochs": 3, "batch_size": 250, "epsilon": 2.5,
                             "datasets": ["mnist"]},
                     epsilon="3", dataset_uri="s3://cms-data/datasets/mnist/",
                     output_prefix="s3://cms-artifacts/training/")


def decoded(spec: dict) -> dict:
    """The hyperparameters as the training toolkit hands them to the script (SM_HPS)."""
    return {key: json.loads(value) for key, value in spec["HyperParameters"].items()
            if not key.startswith("sagemaker_")}


# --- the job specification ----------------------------------------------------------------------


def test_spec_is_a_valid_create_training_job_request(runner, job) -> None:
    spec = runner.job_spec(job)
    model = _session().client("sagemaker").meta.service_model
    validate_parameters(spec, model.operation_model("CreateTrainingJob").input_shape)
    assert spec["RoleArn"] == ROLE
    assert spec["StoppingCondition"] == {"MaxRuntimeInSeconds": runner.max_runtime_s}
    image = spec["AlgorithmSpecification"]["TrainingImage"]
    assert image.startswith(f"763104351884.dkr.ecr.{REGION}.amazonaws.com/pytorch-training:")
    assert f"{FRAMEWORK_VERSION}-cpu-py" in image


def test_training_job_names_follow_sagemakers_rules_and_the_job_id() -> None:
    plain = str(uuid.UUID(int=7))
    assert training_job_name(plain) == f"cms-{plain}"
    odd = ["a" * 200, "job_with_underscores", "ÜNICODE ✓", "--x--", "a" * 59 + "_"]
    names = [training_job_name(job_id) for job_id in odd]
    for name in names:
        assert len(name) <= 63 and re.fullmatch(_NAME_RULE, name), name
    assert len(set(names)) == len(odd)
    assert names == [training_job_name(job_id) for job_id in odd]  # a function of the id
    assert training_job_name("a" * 200) != training_job_name("a" * 201)


def test_hyperparameters_are_the_checked_config_as_strings(runner, job) -> None:
    spec = runner.job_spec(job)
    assert all(isinstance(v, str) and len(v) <= 256 for v in spec["HyperParameters"].values())
    hps = decoded(spec)
    assert {k: hps[k] for k in ("model", "epochs", "batch_size", "epsilon")} == {
        "model": MODEL, "epochs": 3, "batch_size": 250, "epsilon": 2.5}
    assert "datasets" not in hps  # a contract-level key, not a trainer setting
    assert TrainingConfig(**{k: v for k, v in hps.items() if not k.startswith("cms_")})
    assert hps["cms_job_id"] == job.job_id and hps["cms_epsilon_reserved"] == "3"
    assert hps["cms_dataset_uri"] == job.dataset_uri
    raw = spec["HyperParameters"]
    assert json.loads(raw["sagemaker_program"]) == "sagemaker_entry.py"
    assert json.loads(raw["sagemaker_submit_directory"]) == SOURCE
    assert json.loads(raw["sagemaker_job_name"]) == spec["TrainingJobName"]


def test_the_trainers_budget_never_exceeds_the_decimal_reservation(runner, job) -> None:
    spec = runner.job_spec(replace(job, config={"epochs": 1}, epsilon="0.1"))
    budget = decoded(spec)["epsilon"]
    assert Decimal(budget) <= Decimal("0.1") and budget == pytest.approx(0.1)
    with pytest.raises(JobSpecError, match="exceeds the reservation"):
        runner.job_spec(replace(job, config={"epochs": 1, "epsilon": 3.5}))


def test_encryption_isolation_and_one_instance(runner, job) -> None:
    spec = runner.job_spec(job)
    assert spec["EnableNetworkIsolation"] is True
    assert spec["EnableInterContainerTrafficEncryption"] is True
    assert spec["OutputDataConfig"] == {"S3OutputPath": job.output_prefix, "KmsKeyId": KEY}
    assert spec["ResourceConfig"] == {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1,
                                      "VolumeSizeInGB": 10, "VolumeKmsKeyId": KEY}
    plain = SageMakerRunner(role_arn=ROLE, source_uri=SOURCE, region=REGION, session=_session())
    spec = plain.job_spec(job)
    assert "KmsKeyId" not in spec["OutputDataConfig"]
    assert "VolumeKmsKeyId" not in spec["ResourceConfig"]


def test_tags_mark_the_job_as_not_attested(runner, job) -> None:
    tags = {tag["Key"]: tag["Value"] for tag in runner.job_spec(job)["Tags"]}
    assert tags == {"cms:contract-id": job.contract_id, "cms:job-id": job.job_id,
                    "cms:attested": "false", "cms:backend": "sagemaker"}


def test_train_channel_from_the_dataset_or_none_for_the_shipped_digits(runner, job) -> None:
    [channel] = runner.job_spec(job)["InputDataConfig"]
    assert channel["ChannelName"] == "train"
    assert channel["DataSource"]["S3DataSource"] == {
        "S3DataType": "S3Prefix", "S3Uri": job.dataset_uri,
        "S3DataDistributionType": "FullyReplicated"}
    spec = runner.job_spec(replace(job, dataset_uri=None))
    assert "InputDataConfig" not in spec and decoded(spec)["cms_dataset_uri"] is None


@pytest.mark.parametrize(("change", "message"), [
    ({"config": {"epochs": 3, "epoch": 4}}, "unknown training config keys: epoch"),
    ({"config": {"model": "other"}}, "is not the job's"),
    ({"config": {"epochs": 0}}, "out of range: epochs"),
    ({"config": {"epochs": "3"}}, "training config"),
    ({"model": "resnet50", "config": {}}, "out of range: model"),
    ({"epsilon": "abc"}, "not a number"),
    ({"epsilon": "0"}, "positive"),
    ({"config": {"epsilon": True}}, "not a number"),
    ({"output_prefix": ""}, "output_prefix"),
    ({"output_prefix": "/tmp/out"}, "output_prefix"),
    ({"dataset_uri": "https://example.org/mnist"}, "dataset_uri"),
    ({"contract_id": "c#1"}, "cannot be a tag value"),
    ({"contract_digest": "ab" * 200}, "over 256 chars"),
    ({"job_id": ""}, "job_id is empty"),
])
def test_bad_jobs_are_refused_with_the_reason(runner, job, change, message) -> None:
    with pytest.raises(JobSpecError, match=message):
        runner.job_spec(replace(job, **change))


@pytest.mark.parametrize(("options", "message"), [
    ({"instance_type": "ml.g5.xlarge"}, "not a CPU instance type"),
    ({"region": "xx-nowhere-1"}, "no PyTorch training image"),
    ({"role_arn": "cms-role"}, "IAM role ARN"),
    ({"source_uri": "sourcedir.tar.gz"}, "source_uri"),
    ({"max_runtime_s": 0}, "out of SageMaker's range"),
])
def test_bad_runner_settings_are_refused(options, message) -> None:
    settings = {"role_arn": ROLE, "source_uri": SOURCE, "region": REGION,
                "session": _session(), **options}
    with pytest.raises(JobSpecError, match=message):
        SageMakerRunner(**settings)


# --- statuses and results -----------------------------------------------------------------------


@pytest.mark.parametrize(("status", "secondary", "state"), [
    ("InProgress", "Starting", "pending"),
    ("InProgress", "Downloading", "pending"),
    ("InProgress", "Training", "running"),
    ("InProgress", "Uploading", "running"),
    ("Stopping", "Stopping", "running"),
    ("Completed", "Completed", "completed"),
    ("Failed", "Failed", "failed"),
    ("Stopped", "MaxRuntimeExceeded", "stopped"),
])
def test_sagemaker_statuses_map_to_ours(status, secondary, state) -> None:
    assert state_of(status, secondary) == state


def test_an_unknown_status_is_an_error_not_a_guess() -> None:
    with pytest.raises(SageMakerRunnerError, match="unknown"):
        state_of("Paused", None)


@pytest.mark.parametrize(("record", "message"), [
    ({"attested": True, "job_id": "j"}, "attested"),
    ({"job_id": "j"}, "attested"),
    ({"attested": "false", "job_id": "j"}, "attested"),
    ({"attested": False, "attestation_document": "hQ==", "job_id": "j"}, "no attestation"),
    ({"attested": False, "job_id": "other"}, "not 'j'"),
    ([], "attested"),
])
def test_results_claiming_attestation_or_another_job_are_refused(record, message) -> None:
    with pytest.raises(SageMakerRunnerError, match=message):
        check_unattested(record, "j")


def _stub_describe(stubber: Stubber, job_id: str, name: str,
                   status: tuple[str, str] = ("InProgress", "Starting")) -> None:
    stubber.add_response("describe_training_job", {
        "TrainingJobName": name, "TrainingJobArn": f"arn:aws:sagemaker:{REGION}:1:training-job/x",
        "ModelArtifacts": {"S3ModelArtifacts": ""}, "TrainingJobStatus": status[0],
        "SecondaryStatus": status[1], "CreationTime": 0,
        "HyperParameters": {"cms_job_id": json.dumps(job_id)},
        "AlgorithmSpecification": {"TrainingInputMode": "File"},
        "ResourceConfig": {"VolumeSizeInGB": 10}, "StoppingCondition": {}})


def _stubbed(runner: SageMakerRunner) -> Stubber:
    """A stubber on the very client sagemaker-core uses for this runner's session."""
    client = SageMakerClient(session=runner.session, region_name=REGION).get_client("sagemaker")
    return Stubber(client)


def test_start_after_losing_the_create_race_returns_the_existing_job(runner, job) -> None:
    name = training_job_name(job.job_id)
    with _stubbed(runner) as stubber:
        stubber.add_client_error("describe_training_job", "ValidationException",
                                 "Requested resource not found.")
        stubber.add_client_error("create_training_job", "ResourceInUse", "already exists",
                                 expected_params=runner.job_spec(job))
        _stub_describe(stubber, job.job_id, name)
        assert runner.start(job) == name
        stubber.assert_no_pending_responses()


def test_a_name_held_by_another_job_is_a_conflict(runner, job) -> None:
    with _stubbed(runner) as stubber:
        _stub_describe(stubber, "someone-else", training_job_name(job.job_id))
        with pytest.raises(SageMakerRunnerError, match="another job"):
            runner.start(job)


def test_stop_of_a_job_that_finished_meanwhile_is_not_an_error(runner, job) -> None:
    name = training_job_name(job.job_id)
    with _stubbed(runner) as stubber:
        _stub_describe(stubber, job.job_id, name, ("InProgress", "Uploading"))
        stubber.add_client_error("stop_training_job", "ValidationException", "not in progress",
                                 expected_params={"TrainingJobName": name})
        _stub_describe(stubber, job.job_id, name, ("Completed", "Completed"))
        assert runner.stop(name).state == "completed"
        stubber.assert_no_pending_responses()


def test_result_json_is_read_from_the_model_archive_without_extracting() -> None:
    assert read_result(_archive({"attested": False})) == {"attested": False}
    with pytest.raises(SageMakerRunnerError, match=r"no result\.json"):
        read_result(_archive(None))


def _archive(record: dict | None) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w:gz") as tar:
        for name, data in {"model.pt": b"weights",
                           "result.json": json.dumps(record).encode()}.items():
            if record is None and name == "result.json":
                continue
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return raw.getvalue()


# --- the entry script, run here as SageMaker would run it ---------------------------------------


def sagemaker_env(tmp_path: Path, spec: dict, channel: Path | None = None) -> dict[str, str]:
    env = {"SM_HPS": json.dumps(decoded(spec)), "SM_MODEL_DIR": str(tmp_path / "model"),
           "SM_OUTPUT_DIR": str(tmp_path / "output")}
    if channel is not None:
        env["SM_CHANNEL_TRAIN"] = str(channel)
    return env


def test_entry_trains_the_shipped_digits_and_writes_an_unattested_result(
        runner, job, tmp_path) -> None:
    job = replace(job, config={"epochs": 1, "batch_size": 500, "noise_multiplier": 2.0},
                  dataset_uri=None)
    env = sagemaker_env(tmp_path, runner.job_spec(job))
    assert sagemaker_entry.main(env) == 0
    record = json.loads((tmp_path / "model" / "result.json").read_text())
    assert check_unattested(record, job.job_id) is record
    assert (record["contract_id"], record["contract_digest"]) == (job.contract_id,
                                                                  job.contract_digest)
    assert 0 < record["epsilon_spent"] <= 3 and record["epsilon_reserved"] == "3"
    assert record["accountant"] == "prv" and record["delta"] == 1e-5
    assert record["stopped"] == "completed" and len(record["metrics"]["epochs"]) == 1
    assert record["metrics"]["test_accuracy"] > 0.2  # one noisy epoch, well above chance
    model = (tmp_path / "model" / "model.pt").read_bytes()
    assert hashlib.sha256(model).hexdigest() == record["model_sha256"]
    assert torch.load(io.BytesIO(model), weights_only=True)


def _write_idx(directory: Path, train: int, test: int) -> None:
    """A small, valid MNIST-format dataset (random pixels) in the four classic files."""
    generator = torch.Generator().manual_seed(5)
    for prefix, count in (("train", train), ("t10k", test)):
        pixels = torch.randint(0, 256, (count * 28 * 28,), generator=generator, dtype=torch.uint8)
        labels = torch.arange(count, dtype=torch.uint8) % 10
        images = struct.pack(">IIII", 0x803, count, 28, 28) + pixels.numpy().tobytes()
        (directory / f"{prefix}-images-idx3-ubyte.gz").write_bytes(gzip.compress(images))
        (directory / f"{prefix}-labels-idx1-ubyte").write_bytes(
            struct.pack(">II", 0x801, count) + labels.numpy().tobytes())


def test_entry_needs_the_channel_of_a_named_dataset(runner, job, tmp_path) -> None:
    env = sagemaker_env(tmp_path, runner.job_spec(replace(job, config={"epochs": 1})))
    assert sagemaker_entry.main(env) == 1
    assert (tmp_path / "output" / "failure").read_text().startswith("EntryError: dataset")
    assert not (tmp_path / "model" / "result.json").exists()


def test_entry_refuses_hyperparameters_it_does_not_know(tmp_path) -> None:
    env = {"SM_HPS": json.dumps({"epochs": 1, "learning_rate": 0.1}),
           "SM_MODEL_DIR": str(tmp_path / "model"), "SM_OUTPUT_DIR": str(tmp_path / "output")}
    assert sagemaker_entry.main(env) == 1
    failure = (tmp_path / "output" / "failure").read_text()
    assert "unknown ['learning_rate']" in failure and "cms_job_id" in failure


# --- the source bundle --------------------------------------------------------------------------


def test_bundle_is_reproducible_and_carries_offline_requirements(tmp_path) -> None:
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    (wheels / "opacus-1.6.0-py3-none-any.whl").write_bytes(b"wheel")
    first = write_source_bundle(tmp_path / "a.tar.gz", wheels)
    assert first == write_source_bundle(tmp_path / "b.tar.gz", wheels)
    with tarfile.open(tmp_path / "a.tar.gz") as tar:
        names = tar.getnames()
        requirements = tar.extractfile("requirements.txt").read().decode().split("\n")
    assert {"sagemaker_entry.py", "enclave_app/__init__.py", "enclave_app/training/trainer.py",
            "wheels/opacus-1.6.0-py3-none-any.whl"} <= set(names)
    assert requirements[:3] == ["--no-index", "--find-links wheels", "opacus==1.6.0"]


def test_bundled_entry_trains_a_train_channel_from_the_bundle_alone(
        runner, job, tmp_path) -> None:
    """The bundle as SageMaker unpacks it into /opt/ml/code, run as its toolkit runs it."""
    code, channel = tmp_path / "code", tmp_path / "train"
    channel.mkdir()
    _write_idx(channel, train=200, test=50)
    write_source_bundle(tmp_path / "sourcedir.tar.gz")
    with tarfile.open(tmp_path / "sourcedir.tar.gz") as tar:
        tar.extractall(code, filter="data")
    spec = runner.job_spec(replace(job, config={"epochs": 1, "batch_size": 50,
                                                   "noise_multiplier": 2.0}))
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    completed = subprocess.run(
        [sys.executable, "sagemaker_entry.py"], cwd=code, capture_output=True, text=True,
        env={**env, **sagemaker_env(tmp_path, spec, channel)}, timeout=120, check=False)
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "cms-epoch epoch=1 " in completed.stdout  # what the MetricDefinitions match
    record = json.loads((tmp_path / "model" / "result.json").read_text())
    assert check_unattested(record, job.job_id)["dataset_uri"] == job.dataset_uri
    assert record["stopped"] == "completed" and record["config"]["batch_size"] == 50
