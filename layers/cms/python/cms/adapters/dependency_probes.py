"""Health probes of the AWS resources requests need: each table (DescribeTable), bucket
(GetBucketVersioning), queue (GetQueueAttributes) and the event bus (DescribeEventBus).

Metadata only: a probe reads no item, object or message, so the health function's role
needs no data access. A resource the function was not given fails with Misconfigured (its
definition is wrong), so it is reported down, never skipped. The clients fail fast (one
attempt, short timeouts): a health check must answer within its deadline.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from cms.config import Settings
from cms.domain.health import Finding, Status, ok, reason_of

# The queues the platform sends to (functions.registry: sends_to and FunctionSpec.queue).
PROBED_QUEUES = ("training", "circuits", "deliveries")
# A table serves requests in these states (UPDATING: an index or capacity change).
SERVING_TABLE_STATES = frozenset({"ACTIVE", "UPDATING"})
MAX_CONCURRENT_PROBES = 32  # connections per client: every table is described at once

Probe = Callable[[], Finding]
_CLIENTS: dict[str, Any] = {}
_CLIENTS_LOCK = threading.Lock()  # botocore clients are not safe to create concurrently


def probe_client(service: str) -> Any:
    with _CLIENTS_LOCK:
        if service not in _CLIENTS:
            import boto3
            from botocore.config import Config

            _CLIENTS[service] = boto3.client(service, config=Config(
                connect_timeout=1, read_timeout=2, retries={"max_attempts": 1},
                max_pool_connections=MAX_CONCURRENT_PROBES))
        return _CLIENTS[service]


def forget_probe_clients() -> None:
    """Make the clients again on next use (tests that point AWS elsewhere for a while)."""
    with _CLIENTS_LOCK:
        _CLIENTS.clear()


def queue_variable(name: str) -> str:
    return f"CMS_{name.upper()}_QUEUE_URL"


def infrastructure_probes(settings: Settings) -> dict[str, Probe]:
    """A probe per table, bucket and queue the platform has, and the bus."""
    from cms.adapters.object_store import BUCKET_SPECS
    from cms.adapters.tables import TABLE_SPECS

    probes: dict[str, Probe] = {}
    for table in TABLE_SPECS:
        probes[f"dynamodb:{table.key}"] = _bind(_table, settings, table.env_var)
    for bucket in BUCKET_SPECS:
        probes[f"s3:{bucket.key}"] = _bind(_bucket, settings, bucket.env_var)
    for queue in PROBED_QUEUES:
        probes[f"sqs:{queue}"] = _bind(_queue, settings, queue_variable(queue))
    probes["events:bus"] = _bind(_bus, settings, None)
    return probes


def _bind(probe: Callable[[str], Finding], settings: Settings, variable: str | None) -> Probe:
    """``probe`` of the resource ``variable`` names (None: the bus, whose name has a default);
    a missing name is Misconfigured (raised: no AWS is needed to report it)."""
    def bound() -> Finding:
        name = settings.resource(variable) if variable else settings.event_bus_name
        try:
            return probe(name)
        except Exception as error:  # whatever AWS says, the operator learns it, and where
            return Finding(Status.DOWN, reason_of(error), resource=name)

    return bound


def _table(name: str) -> Finding:
    state = probe_client("dynamodb").describe_table(TableName=name)["Table"]["TableStatus"]
    if state not in SERVING_TABLE_STATES:
        return Finding(Status.DOWN, f"the table is {state}", resource=name)
    return ok(name)


def _bucket(name: str) -> Finding:
    versioning = probe_client("s3").get_bucket_versioning(Bucket=name).get("Status")
    if versioning != "Enabled":
        # Writes still work, but replaced objects are lost: every document version a
        # contract names must stay readable.
        return Finding(Status.DEGRADED, f"versioning is {versioning or 'off'}", resource=name)
    return ok(name)


def _queue(url: str) -> Finding:
    probe_client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return ok(url)


def _bus(name: str) -> Finding:
    probe_client("events").describe_event_bus(Name=name)
    return ok(name)
