"""What a function may touch in AWS: declared beside each function's definition
(``functions.registry.FUNCTIONS``), turned into its IAM role and its environment by the CDK.

A function is given a resource's name only if it may use the resource, so a permission left
out of a definition is also a variable left out: the function fails on first use, in the
local stack as in AWS. This module imports nothing from aws_cdk: the handlers' registry
imports it at run time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum


class Access(Enum):
    DESCRIBE = "describe"  # table metadata only (the health check)
    QUERY = "query"  # metadata and queries of one partition (the health check's heartbeats)
    READ = "read"
    READ_WRITE = "read_write"


@dataclass(frozen=True)
class Permissions:
    """What one function may touch. Anything not listed is denied."""

    tables: Mapping[str, Access] = field(default_factory=dict)  # by TABLE_SPECS key
    # By BUCKET_SPECS key: what it does with the objects ("read", "write", "lock", "delete").
    buckets: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    reads_signing_secret: bool = False
    reads_ledger: bool = False  # the ledger configuration parameter (where the chain is)
    starts_workflows: bool = False  # starts lifecycle executions
    resumes_workflows: bool = False  # sends task success/failure to the lifecycle
    publishes_events: bool = False  # puts events on the CMS bus
    manages_schedules: bool = False  # creates one-time schedules (passing the scheduler role)
    cancels_schedules: bool = False  # deletes them
    # Queues it sends messages to, by name: a FunctionSpec.queue (a function consumes it; made
    # in CmsApi) or a key of DataStack.queues (consumed elsewhere: training jobs, by the
    # enclave parent). The function gets the URL as CMS_<NAME>_QUEUE_URL.
    sends_to: tuple[str, ...] = ()
    signs_ledger: bool = False  # the ledger signer secret (writes, and its address)
    # kms:GenerateDataKey on the training key (CMS_TRAINING_KEY_ID): datasets are encrypted
    # for the enclave. The key's policy names these roles, so they get fixed names.
    generates_training_keys: bool = False
    # kms:GenerateDataKeyPairWithoutPlaintext on the training key: circuit contracts' input
    # key pairs, whose private half only the attested enclave can have released.
    generates_input_key_pairs: bool = False
    # Health probes: the metadata of these buckets (GetBucketVersioning) and queues
    # (GetQueueAttributes, by the names of sends_to), and of the bus (DescribeEventBus); never
    # an object, a message or an event.
    describes_buckets: tuple[str, ...] = ()
    describes_queues: tuple[str, ...] = ()
    describes_event_bus: bool = False
    # The background component (cms.domain.health: "anchor", "enclave-parent") whose heartbeat
    # it writes: PutItem into that partition of the heartbeats table, nothing else.
    heartbeat: str | None = None

    @property
    def uses_training_key(self) -> bool:
        return self.generates_training_keys or self.generates_input_key_pairs

    @property
    def uses_lifecycle(self) -> bool:
        return self.starts_workflows or self.resumes_workflows

    @property
    def uses_schedules(self) -> bool:
        return self.manages_schedules or self.cancels_schedules
