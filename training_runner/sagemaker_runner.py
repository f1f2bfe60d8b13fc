"""SageMaker backend for NON-CONFIDENTIAL training: same job in, results NOT attested.

A contract whose data need no enclave can be trained on SageMaker: the queue's ``RunnerJob``
becomes a CreateTrainingJob request that runs the enclave's own DP trainer
(``sagemaker_entry.py``, script mode in AWS's PyTorch CPU training image), and the job's status
and ``result.json`` are read back. Nothing proves which code ran or that the data and the noise
stayed secret, so every job is tagged ``cms:attested=false``, every status says
``attested=False``, and a result is refused unless it says ``"attested": false`` and carries no
attestation document. The epsilon it reports is the trainer's accountant's, capped by the
job's reservation exactly as in the enclave.

SDK: ``sagemaker-core`` (the SageMaker Python SDK v3's core package; ``TrainingJob`` resource and
``image_uris``), pinned in requirements-dev.txt. The ``sagemaker`` meta-package 3.x would add 67
packages beside our pins (mlflow, databricks-sdk, SQLAlchemy, FastAPI, pyarrow, ...), for
nothing this runner calls; sagemaker-core adds 15 and changes none of our pins.

Choices that protect the contract's data and budget:
- EnableNetworkIsolation: the container reaches no network (so the source bundle carries any
  wheels the image lacks: see ``write_source_bundle``); inter-container traffic encryption on.
- One instance: the trainer is not distributed, and N instances would train N times.
- One KMS key, if given, for the output (model, result) and the training volume. (SageMaker
  refuses a volume key on instance types with local NVMe storage, e.g. ml.m5d: choose EBS ones.)
- The training job's name is a function of the job id alone, so ``start`` is idempotent.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import io
import json
import math
import re
import tarfile
from dataclasses import asdict, dataclass, fields
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal

import boto3
from botocore.exceptions import ClientError
from sagemaker.core import image_uris
from sagemaker.core.resources import TrainingJob
from sagemaker.core.utils.code_injection.codec import transform
from sagemaker.core.utils.utils import Unassigned

from training_runner.jobs import RunnerJob

REPO = Path(__file__).resolve().parents[1]
ENTRY_SCRIPT = Path(__file__).with_name("sagemaker_entry.py")
ENTRY_POINT = "sagemaker_entry.py"  # at the bundle's root, beside enclave_app/
# AWS's PyTorch training image: the newest the pinned SDK's table has (a CPU tag is picked from
# the instance type). The trainer's own torch is 2.13; the saved state_dict loads across both.
FRAMEWORK_VERSION = "2.10.0"
PY_VERSION = "py313"
# What the image lacks and the bundle must carry as wheels (installed offline at job start).
BUNDLE_REQUIREMENTS = ("opacus==1.6.0", "opt-einsum==3.4.0", "mlxtend==0.25.0",
                       "cryptography==50.0.2")
NAME_PREFIX = "cms-"
NAME_MAX = 63
_NAME = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}")
_TAG_VALUE = re.compile(r"[\w .:/=+\-@]{1,256}", re.ASCII)
_S3_URI = re.compile(r"s3://[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9](/.*)?")
HYPERPARAMETER_CHARS = 256
# Contract-level keys a job's config may carry that are not trainer settings (cms.domain.privacy).
NON_TRAINER_KEYS = frozenset({"datasets"})
# InProgress secondary statuses before any training step: ours is "pending" then.
_STARTING = frozenset({"Starting", "Pending", "LaunchingMLInstances", "PreparingTrainingStack",
                       "Downloading", "DownloadingTrainingImage"})
_TERMINAL = {"Completed": "completed", "Failed": "failed", "Stopped": "stopped"}
MAX_ARTIFACT_BYTES = 64 * 1024 * 1024
MAX_RESULT_BYTES = 1024 * 1024
State = Literal["pending", "running", "completed", "failed", "stopped"]


class SageMakerRunnerError(Exception):
    """A SageMaker job cannot be started, read or trusted; the message says why."""


class JobSpecError(SageMakerRunnerError, ValueError):
    """The RunnerJob cannot become a valid CreateTrainingJob request."""


class TrainingJobNotFound(SageMakerRunnerError):
    """SageMaker has no training job of that name (in this account and region)."""


@dataclass(frozen=True)
class RunnerStatus:
    """A training job's state in the runner's terms; SageMaker results are never attested."""

    name: str
    state: State
    reason: str | None = None  # SageMaker's FailureReason
    detail: str | None = None  # SageMaker's SecondaryStatus (e.g. MaxRuntimeExceeded)
    model_artifacts: str | None = None  # s3://.../model.tar.gz once completed
    attested: bool = False


def training_job_name(job_id: str) -> str:
    """``cms-<job id>`` when that is a valid name; else a readable part plus a hash of the id,
    so that distinct ids never share a name and the same id always gets the same one."""
    name = NAME_PREFIX + job_id
    if len(name) <= NAME_MAX and _NAME.fullmatch(name):
        return name
    if not job_id:
        raise JobSpecError("job_id is empty")
    slug = re.sub(r"[^a-zA-Z0-9]+", "-", job_id).strip("-")[:40]
    digest = hashlib.sha256(job_id.encode()).hexdigest()[:16]
    return "-".join(part for part in (NAME_PREFIX.rstrip("-"), slug, digest) if part)


@functools.lru_cache(maxsize=64)
def pytorch_image(region: str, instance_type: str) -> str:
    """AWS's PyTorch CPU training image for the region, from the SDK's offline table (read
    from disk on every call, hence the cache)."""
    try:
        uri = image_uris.retrieve("pytorch", region=region, version=FRAMEWORK_VERSION,
                                  py_version=PY_VERSION, instance_type=instance_type,
                                  image_scope="training")
    except ValueError as error:
        raise JobSpecError(f"no PyTorch training image: {error}") from None
    if "-cpu-" not in uri:
        raise JobSpecError(f"{instance_type} is not a CPU instance type: the trainer runs on CPU")
    return uri


def _float_at_most(amount: Decimal) -> float:
    """The largest float not above ``amount``: the trainer's budget never exceeds the decimal
    reservation (float(Decimal("0.1")) is above 0.1)."""
    value = float(amount)
    return value if Decimal(value) <= amount else math.nextafter(value, 0.0)


def _epsilon(value: Any, what: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise JobSpecError(f"{what} is not a number: {value!r}") from None
    if isinstance(value, bool) or not amount.is_finite() or amount <= 0:
        raise JobSpecError(f"{what} must be a positive number: {value!r}")
    return amount


def trainer_config(job: RunnerJob) -> dict[str, Any]:
    """The job's TrainingConfig, checked as the trainer checks it, with the budget capped by the
    reservation. Unknown keys are refused: a typo must not train with a default."""
    # Imported here: it brings torch and Opacus, which status, stop and result do not need.
    from enclave_app.training.trainer import TrainingConfig, TrainingConfigError

    settings = {k: v for k, v in job.config.items() if k not in NON_TRAINER_KEYS}
    unknown = sorted(set(settings) - {f.name for f in fields(TrainingConfig)})
    if unknown:
        raise JobSpecError(f"unknown training config keys: {', '.join(unknown)}")
    if settings.get("model", job.model) != job.model:
        raise JobSpecError(f"config model {settings['model']!r} is not the job's {job.model!r}")
    reserved = _epsilon(job.epsilon, "the epsilon reservation")
    asked = _epsilon(settings.get("epsilon", job.epsilon), "config epsilon")
    if asked > reserved:
        raise JobSpecError(f"config epsilon {asked} exceeds the reservation {reserved}")
    settings |= {"model": job.model, "epsilon": _float_at_most(asked)}
    try:
        return asdict(TrainingConfig(**settings))
    except (TypeError, TrainingConfigError) as error:
        raise JobSpecError(f"training config: {error}") from None


def _s3_uri(value: str | None, what: str) -> str:
    if not value or len(value) > 1024 or not _S3_URI.fullmatch(value):
        raise JobSpecError(f"{what} must be an s3://bucket/... URI, got {value!r}")
    return value


def _tag(key: str, value: str) -> dict[str, str]:
    if not _TAG_VALUE.fullmatch(value):
        raise JobSpecError(f"{key} {value!r} cannot be a tag value")
    return {"Key": key, "Value": value}


def hyperparameters(job: RunnerJob, name: str, extra: dict[str, Any]) -> dict[str, str]:
    """Script-mode hyperparameters: every value JSON-encoded into a string, as the SageMaker
    training toolkit decodes them (``SM_HPS``); ``extra`` are the toolkit's sagemaker_* keys."""
    binding = {"cms_job_id": job.job_id, "cms_contract_id": job.contract_id,
               "cms_contract_digest": job.contract_digest,
               "cms_epsilon_reserved": str(_epsilon(job.epsilon, "the epsilon reservation")),
               "cms_dataset_uri": job.dataset_uri}
    encoded = {key: json.dumps(value) for key, value in
               {**trainer_config(job), **binding, **extra, "sagemaker_job_name": name}.items()}
    long = sorted(key for key, value in encoded.items() if len(value) > HYPERPARAMETER_CHARS)
    if long:
        raise JobSpecError(f"hyperparameters over {HYPERPARAMETER_CHARS} chars: {long}")
    return encoded


def _value(field: Any) -> Any:
    """sagemaker-core marks fields a response lacks as Unassigned: None here."""
    return None if isinstance(field, Unassigned) else field


def _is_missing(error: ClientError) -> bool:
    # SageMaker answers a Describe of an unknown job with ValidationException, not a 404 code.
    code = error.response.get("Error", {}).get("Code", "")
    message = error.response.get("Error", {}).get("Message", "").lower()
    return code == "ResourceNotFound" or (
        code == "ValidationException" and ("not find" in message or "not found" in message))


def _error_code(error: ClientError) -> str:
    return error.response.get("Error", {}).get("Code", "")


def state_of(status: str, secondary: str | None) -> State:
    """SageMaker's TrainingJobStatus (+ SecondaryStatus) in our terms. ``Stopping`` is still
    running: the container has its grace period and the model may yet be uploaded."""
    if status in _TERMINAL:
        return _TERMINAL[status]  # type: ignore[return-value]
    if status == "InProgress":
        return "pending" if secondary in _STARTING else "running"
    if status == "Stopping":
        return "running"
    raise SageMakerRunnerError(f"unknown SageMaker training job status {status!r}")


def check_unattested(record: Any, job_id: str) -> dict[str, Any]:
    """A SageMaker result is accepted only if it claims no attestation and is the job's own."""
    if not isinstance(record, dict) or record.get("attested") is not False:
        raise SageMakerRunnerError("a SageMaker result must say \"attested\": false")
    if any("attestation" in key for key in record):
        raise SageMakerRunnerError("a SageMaker result must carry no attestation document")
    if record.get("job_id") != job_id:
        raise SageMakerRunnerError(f"result is for job {record.get('job_id')!r}, not {job_id!r}")
    return record


def read_result(archive: bytes) -> Any:
    """``result.json`` from SageMaker's model.tar.gz, read without extracting anything."""
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
        for member in tar:
            if member.isfile() and member.name.lstrip("./") == "result.json":
                if member.size > MAX_RESULT_BYTES:
                    raise SageMakerRunnerError("result.json is too large")
                return json.loads(tar.extractfile(member).read())  # type: ignore[union-attr]
    raise SageMakerRunnerError("the model archive has no result.json")


class SageMakerRunner:
    """Runs RunnerJobs as SageMaker training jobs through sagemaker-core; never attested.

    ``source_uri`` is the S3 location of the bundle ``write_source_bundle`` made;
    ``role_arn`` the execution role SageMaker assumes (it reads the dataset and source, writes
    the output prefix, uses the KMS key). The session's credentials and endpoint apply
    (``AWS_ENDPOINT_URL`` points it at a local emulator).
    """

    def __init__(self, *, role_arn: str, source_uri: str, region: str | None = None,
                 session: boto3.Session | None = None, instance_type: str = "ml.m5.xlarge",
                 volume_size_gb: int = 10, kms_key_id: str | None = None,
                 max_runtime_s: int = 4 * 3600, image_uri: str | None = None) -> None:
        self.session = session or boto3.Session(region_name=region)
        self.region = region or self.session.region_name
        if not self.region:
            raise JobSpecError("no region: pass region= or configure one")
        if not role_arn.startswith("arn:aws"):
            raise JobSpecError(f"role_arn must be an IAM role ARN, got {role_arn!r}")
        if not 1 <= volume_size_gb <= 16384 or not 1 <= max_runtime_s <= 28 * 86400:
            raise JobSpecError("volume_size_gb or max_runtime_s out of SageMaker's range")
        self.role_arn, self.instance_type = role_arn, instance_type
        self.source_uri = _s3_uri(source_uri, "source_uri")
        self.volume_size_gb, self.max_runtime_s = volume_size_gb, max_runtime_s
        self.kms_key_id = kms_key_id
        self.image_uri = image_uri or pytorch_image(self.region, instance_type)

    # --- the request -----------------------------------------------------------------------------

    def job_spec(self, job: RunnerJob) -> dict[str, Any]:
        """The exact CreateTrainingJob request for ``job`` (JobSpecError if it cannot be one)."""
        name = training_job_name(job.job_id)
        output = {"S3OutputPath": _s3_uri(job.output_prefix, "output_prefix")}
        resources: dict[str, Any] = {"InstanceType": self.instance_type, "InstanceCount": 1,
                                     "VolumeSizeInGB": self.volume_size_gb}
        if self.kms_key_id:
            output["KmsKeyId"] = resources["VolumeKmsKeyId"] = self.kms_key_id
        spec = {
            "TrainingJobName": name,
            "AlgorithmSpecification": self._algorithm(),
            "RoleArn": self.role_arn,
            "HyperParameters": hyperparameters(job, name, self._toolkit_settings()),
            "OutputDataConfig": output,
            "ResourceConfig": resources,
            "StoppingCondition": {"MaxRuntimeInSeconds": self.max_runtime_s},
            "EnableNetworkIsolation": True,
            "EnableInterContainerTrafficEncryption": True,
            "Tags": [_tag("cms:contract-id", job.contract_id), _tag("cms:job-id", job.job_id),
                     _tag("cms:attested", "false"), _tag("cms:backend", "sagemaker")],
        }
        if job.dataset_uri is not None:
            spec["InputDataConfig"] = [self._channel(_s3_uri(job.dataset_uri, "dataset_uri"))]
        return spec

    def _algorithm(self) -> dict[str, Any]:
        return {"TrainingImage": self.image_uri, "TrainingInputMode": "File",
                "MetricDefinitions": [
                    {"Name": "test:accuracy", "Regex": r"cms-epoch .*test_accuracy=(\S+)"},
                    {"Name": "train:epsilon", "Regex": r"cms-epoch .*epsilon=(\S+)"}]}

    def _toolkit_settings(self) -> dict[str, Any]:
        """What the PyTorch image's training toolkit needs to run a script from a bundle."""
        return {"sagemaker_program": ENTRY_POINT, "sagemaker_submit_directory": self.source_uri,
                "sagemaker_region": self.region, "sagemaker_container_log_level": 20}

    @staticmethod
    def _channel(uri: str) -> dict[str, Any]:
        return {"ChannelName": "train", "InputMode": "File", "CompressionType": "None",
                "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": uri,
                                                "S3DataDistributionType": "FullyReplicated"}}}

    # --- SageMaker calls -------------------------------------------------------------------------

    def start(self, job: RunnerJob) -> str:
        """Create the training job; one that already exists for this job is not an error."""
        spec = self.job_spec(job)
        name = spec["TrainingJobName"]
        if self._existing(name, job.job_id):
            return name
        try:
            TrainingJob.create(**transform(spec, "CreateTrainingJobRequest"),
                               session=self.session, region=self.region)
        except ClientError as error:
            # Another runner won the race between our Describe and our Create.
            if _error_code(error) != "ResourceInUse" or not self._existing(name, job.job_id):
                raise
        return name

    def status(self, name: str) -> RunnerStatus:
        """The job's state; TrainingJobNotFound if SageMaker has no such job."""
        return self._status(self._describe(name))

    @staticmethod
    def _status(job: TrainingJob) -> RunnerStatus:
        artifacts = _value(job.model_artifacts)
        return RunnerStatus(
            name=job.training_job_name,
            state=state_of(job.training_job_status, _value(job.secondary_status)),
            reason=_value(job.failure_reason),
            detail=_value(job.secondary_status),
            model_artifacts=_value(artifacts.s3_model_artifacts) if artifacts else None)

    def stop(self, name: str) -> RunnerStatus:
        """Ask SageMaker to stop the job; a job already finished or stopping is left as it is."""
        job = self._describe(name)
        if job.training_job_status == "InProgress":
            try:
                job.stop()
            except ClientError as error:  # it finished between the Describe and the Stop
                if _error_code(error) != "ValidationException":
                    raise
        return self.status(name)

    def result(self, name: str) -> dict[str, Any]:
        """The completed job's ``result.json``, checked to claim no attestation and to be the
        job's own (the job id the hyperparameters gave it)."""
        job = self._describe(name)
        current = self._status(job)
        if current.state != "completed" or not current.model_artifacts:
            raise SageMakerRunnerError(f"{name} is {current.state}: no result to read")
        bucket, _, key = current.model_artifacts.removeprefix("s3://").partition("/")
        body = self.session.client("s3", region_name=self.region).get_object(
            Bucket=bucket, Key=key)["Body"]
        archive = body.read(MAX_ARTIFACT_BYTES + 1)
        if len(archive) > MAX_ARTIFACT_BYTES:
            raise SageMakerRunnerError("the model archive is too large")
        return check_unattested(read_result(archive), self._job_id(job))

    def _describe(self, name: str) -> TrainingJob:
        try:
            return TrainingJob.get(training_job_name=name, session=self.session,
                                   region=self.region)
        except ClientError as error:
            if _is_missing(error):
                raise TrainingJobNotFound(f"no SageMaker training job {name!r}") from None
            raise

    def _existing(self, name: str, job_id: str) -> bool:
        """Whether ``name`` exists already, as this job's (another job's is a conflict)."""
        try:
            existing = self._describe(name)
        except TrainingJobNotFound:
            return False
        if self._job_id(existing) != job_id:
            raise SageMakerRunnerError(f"training job {name} belongs to another job")
        return True

    @staticmethod
    def _job_id(job: TrainingJob) -> str | None:
        encoded = (_value(job.hyper_parameters) or {}).get("cms_job_id")
        return json.loads(encoded) if encoded else None


# --- the source bundle ---------------------------------------------------------------------------


def bundle_files() -> dict[str, Path]:
    """Archive name -> file: the entry script at the root, the training core beside it."""
    training = REPO / "enclave_app" / "training"
    files = {ENTRY_POINT: ENTRY_SCRIPT, "enclave_app/__init__.py": REPO / "enclave_app" /
             "__init__.py"}
    files |= {f"enclave_app/training/{path.name}": path for path in sorted(training.glob("*.py"))}
    return files


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)  # fixed owner, mode and time: the same code, the same bytes
    info.size, info.mode = len(data), 0o644
    tar.addfile(info, io.BytesIO(data))


def write_source_bundle(destination: Path, wheelhouse: Path | None = None) -> str:
    """Write ``sourcedir.tar.gz`` for ``sagemaker_submit_directory``; returns its sha256.

    With network isolation the container cannot reach PyPI, so ``wheelhouse`` (made with
    ``pip download --only-binary=:all: --python-version 3.13 --platform manylinux2014_x86_64
    -d WHEELS`` + BUNDLE_REQUIREMENTS) is shipped as ``wheels/`` with a requirements.txt that
    installs from it alone. Without one the image must already hold those packages.
    """
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, path in bundle_files().items():
            _add(tar, name, path.read_bytes())
        if wheelhouse is not None:
            wheels = sorted(wheelhouse.glob("*.whl"))
            lines = ["--no-index", "--find-links wheels", *BUNDLE_REQUIREMENTS]
            _add(tar, "requirements.txt", ("\n".join(lines) + "\n").encode())
            for wheel in wheels:
                _add(tar, f"wheels/{wheel.name}", wheel.read_bytes())
    data = gzip.compress(raw.getvalue(), mtime=0)
    destination.write_bytes(data)
    return hashlib.sha256(data).hexdigest()
