"""The AWS resources' probes against moto: each table, bucket, queue and the bus answers with
its metadata; one that is missing or misconfigured is down (or degraded) and says why, by name,
to the operator."""

from __future__ import annotations

import uuid

import boto3
import pytest

from cms.adapters.dependency_probes import infrastructure_probes
from cms.adapters.tables import TABLE_SPECS
from cms.config import Settings
from cms.domain.health import Status
from cms.services.health import HealthService


@pytest.fixture(scope="module")
def resources(moto_dynamodb: dict[str, str]) -> dict[str, str]:
    """The contract tests' resources, with the deliveries and circuits queues and a bus."""
    sqs, events = boto3.client("sqs"), boto3.client("events")
    deliveries = sqs.create_queue(QueueName="contract-deliveries")["QueueUrl"]
    circuits = sqs.create_queue(QueueName="contract-circuits")["QueueUrl"]
    bus = f"cms-events-{uuid.uuid4().hex[:8]}"
    events.create_event_bus(Name=bus)
    return {**moto_dynamodb, "CMS_DELIVERIES_QUEUE_URL": deliveries,
            "CMS_CIRCUITS_QUEUE_URL": circuits, "CMS_EVENT_BUS_NAME": bus}


def check(variables: dict[str, str]):
    return HealthService(infrastructure_probes(Settings.from_environ(variables))).check()


def test_every_resource_answers(resources):
    report = check(resources)
    assert {name: c.finding.reason for name, c in report.checks.items()
            if c.status is not Status.OK} == {}
    assert report.checks["dynamodb:contracts"].finding.resource == resources[
        "CMS_CONTRACTS_TABLE"]
    assert report.checks["sqs:deliveries"].finding.resource == resources[
        "CMS_DELIVERIES_QUEUE_URL"]
    assert len([name for name in report.checks if name.startswith("dynamodb:")]) == len(
        TABLE_SPECS)


@pytest.mark.parametrize(("name", "variable", "value", "reason"), [
    ("dynamodb:audit", "CMS_AUDIT_TABLE", "no-such-table", "ResourceNotFoundException"),
    ("s3:documents", "CMS_DOCUMENTS_BUCKET", "no-such-bucket", "NoSuchBucket"),
    ("sqs:training", "CMS_TRAINING_QUEUE_URL",
     "http://127.0.0.1:1/123456789012/no-such-queue", "QueueDoesNotExist"),
    ("events:bus", "CMS_EVENT_BUS_NAME", "no-such-bus", "ResourceNotFoundException"),
])
def test_a_missing_resource_is_down_and_says_why(resources, name, variable, value, reason):
    report = check({**resources, variable: value})
    assert report.checks[name].status is Status.DOWN
    assert reason in report.checks[name].finding.reason
    assert report.checks[name].finding.resource == value  # which one, for the operator
    assert report.status is Status.DOWN


def test_a_bucket_that_keeps_no_versions_is_degraded(resources):
    bucket = f"unversioned-{uuid.uuid4().hex[:8]}"
    boto3.client("s3").create_bucket(Bucket=bucket)
    finding = check({**resources, "CMS_TEMPLATES_BUCKET": bucket}).checks["s3:templates"].finding
    assert (finding.status, finding.reason, finding.resource) == (
        Status.DEGRADED, "versioning is off", bucket)
