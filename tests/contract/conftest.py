"""The contract tests: each port's behaviour, checked on the in-memory adapter and on the
AWS adapter against moto's server (the local stack's, with DynamoDB serialised as real
DynamoDB serialises conflicting transactions; S3 with versioning and Object Lock; SQS; KMS).

``services`` is ``MemoryServices`` or ``Services`` on moto, so a contract test reaches a store
as a service would (``services.identity_store``); both run every test.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from cms.bootstrap import MemoryServices, Services
from cms.config import Settings
from tests.aws_environment import pointing_at

REGION = "us-east-1"


@pytest.fixture(scope="session")
def _moto() -> Iterator[tuple[dict[str, str], dict[str, str]]]:
    """moto's server, started once for every contract module (tests use fresh keys), with
    every table created from the models, every bucket, the enclave's queue and key. Yields
    the environment that points at it and the resources' variables."""
    from cms.adapters.tables import TABLE_SPECS
    from local_stack.moto_process import moto_in_own_process

    with moto_in_own_process() as port:
        yield from _provisioned(port, TABLE_SPECS)


def _provisioned(port: int, table_specs: tuple) -> Iterator[tuple[dict[str, str],
                                                              dict[str, str]]]:
    variables = {"AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}", "MOTO_PORT": str(port),
                 "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                 "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": REGION,
                 "AWS_REGION": REGION}
    with pointing_at(variables):
        tables = {spec.env_var: spec.model.Meta.table_name for spec in table_specs}
        Services(Settings.from_environ({**os.environ, **tables})).tables()
        for spec in table_specs:
            spec.model.create_table(wait=True)
        resources = {"AWS_REGION": REGION, **tables, **_buckets(), **_enclave_resources()}
    yield variables, resources


@pytest.fixture(scope="module")
def moto_dynamodb(_moto: tuple[dict[str, str], dict[str, str]]) -> Iterator[dict[str, str]]:
    """The environment pointing at moto's server while this module's tests run. Yields the
    resources' variables."""
    variables, resources = _moto
    with pointing_at(variables):
        yield resources


def _buckets() -> dict[str, str]:
    """Every bucket, versioned (and with Object Lock where the platform's has it)."""
    import boto3

    from cms.adapters.object_store import BUCKET_SPECS

    s3, names = boto3.client("s3", region_name=REGION), {}
    for spec in BUCKET_SPECS:
        name = f"contract-{spec.key}"
        s3.create_bucket(Bucket=name, ObjectLockEnabledForBucket=spec.object_lock)
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        names[spec.env_var] = name
    return names


def _enclave_resources() -> dict[str, str]:
    """The enclave's job queue and the training data key (KMS)."""
    import boto3

    queue = boto3.client("sqs", region_name=REGION).create_queue(QueueName="contract-jobs")
    key = boto3.client("kms", region_name=REGION).create_key(Description="training data")
    return {"CMS_TRAINING_QUEUE_URL": queue["QueueUrl"],
            "CMS_TRAINING_KEY_ID": key["KeyMetadata"]["KeyId"]}


@pytest.fixture(params=["memory", "dynamodb"])
def services(request: pytest.FixtureRequest) -> Services:
    if request.param == "memory":
        return MemoryServices()
    tables = request.getfixturevalue("moto_dynamodb")
    return Services(Settings.from_environ(tables))
