"""Least-privilege grants on CmsData's tables and buckets, for any role (functions, the enclave
parent). Written out instead of Table.grant_* / Bucket.grant_*: those allow ``index/*``,
``kms:GenerateDataKey*`` and whole buckets; these name each index, key action and prefix.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from aws_cdk import Aws
from aws_cdk import aws_iam as iam

from cdk.nag import acknowledge
from functions.permissions import Access

HEARTBEATS = "heartbeats"  # the TABLE_SPECS key of the components' heartbeats

if TYPE_CHECKING:
    from cdk.data_stack import DataStack


# DynamoDB data-plane actions (transactions are authorized per item with these), and the key
# actions DynamoDB performs with the caller's credentials for a customer-managed key.
_DYNAMODB_READ = (
    "dynamodb:DescribeTable",
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:Scan",
    "dynamodb:ConditionCheckItem",
)
_DYNAMODB_WRITE = (
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
)
DYNAMODB_ACTIONS: Mapping[Access, tuple[str, ...]] = {
    Access.DESCRIBE: ("dynamodb:DescribeTable",),
    Access.QUERY: ("dynamodb:DescribeTable", "dynamodb:Query"),
    Access.READ: _DYNAMODB_READ,
    Access.READ_WRITE: _DYNAMODB_READ + _DYNAMODB_WRITE,
}
S3_ACTIONS: Mapping[str, tuple[str, ...]] = {
    "read": ("s3:GetObject", "s3:GetObjectVersion"),  # also what presigned downloads need
    "write": ("s3:PutObject",),  # also what presigned uploads need
    "lock": ("s3:PutObjectRetention",),  # Object Lock on signed documents
    "delete": ("s3:DeleteObject", "s3:DeleteObjectVersion"),  # refused uploads
}
KMS_READ_ACTIONS = ("kms:Decrypt", "kms:DescribeKey")
KMS_WRITE_ACTIONS = (
    "kms:Encrypt",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext",
)


def grant_tables(role: iam.Role, data: DataStack, tables: Mapping[str, Access]) -> None:
    """DynamoDB on the tables (by TABLE_SPECS key) and their indexes, and CmsKey through
    DynamoDB only."""
    for key, access in sorted(tables.items()):
        table = data.tables[key]
        resources = [table.table_arn]
        if access is not Access.DESCRIBE:
            resources += [f"{table.table_arn}/index/{name}" for name in data.index_names[key]]
        role.add_to_policy(
            iam.PolicyStatement(actions=list(DYNAMODB_ACTIONS[access]), resources=resources)
        )
    levels = set(tables.values())
    if not levels & {Access.QUERY, Access.READ, Access.READ_WRITE}:
        return
    key_actions = list(KMS_READ_ACTIONS)
    if Access.READ_WRITE in levels:
        key_actions += KMS_WRITE_ACTIONS
    _grant_key_via(role, data, key_actions, "dynamodb")


def grant_buckets(role: iam.Role, data: DataStack,
                  buckets: Mapping[str, tuple[str, ...]]) -> None:
    """Object actions (S3_ACTIONS uses) under each bucket's one prefix (by BUCKET_SPECS key),
    and CmsKey through S3 only."""
    from cdk.data_stack import bucket_name

    specs = {spec.key: spec for spec in data.bucket_specs}
    for key, uses in sorted(buckets.items()):
        objects = f"arn:{Aws.PARTITION}:s3:::{bucket_name(specs[key])}/{specs[key].prefix}*"
        actions = [action for use in uses for action in S3_ACTIONS[use]]
        role.add_to_policy(iam.PolicyStatement(actions=actions, resources=[objects]))
        if "read" in uses:
            # Without it S3 answers a read of a missing key 403, not 404: the code's "not
            # there yet" (a dataset not uploaded, an upload already registered) would be an
            # outage. The bucket ARN alone: listing keys, no object access.
            role.add_to_policy(iam.PolicyStatement(
                actions=["s3:ListBucket"],
                resources=[f"arn:{Aws.PARTITION}:s3:::{bucket_name(specs[key])}"]))
        acknowledge(
            role.node.find_child("DefaultPolicy"),
            f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cms-{key}-"
            f"<AWS::AccountId>-<AWS::Region>/{specs[key].prefix}*]",
            "Objects are created at run time (a key per template version, document, upload, "
            "dataset or model), so the grant names the bucket's one prefix the code writes under.",
        )
    if not buckets:
        return
    key_actions = list(KMS_READ_ACTIONS)
    if any("write" in uses for uses in buckets.values()):
        key_actions += KMS_WRITE_ACTIONS
    _grant_key_via(role, data, key_actions, "s3")


def grant_heartbeat(role: iam.Role, data: DataStack, component: str) -> None:
    """PutItem into ``component``'s partition of the heartbeats table and nothing else: a
    writer reports for itself only (an enclave parent's host cannot pass for the anchor)."""
    role.add_to_policy(iam.PolicyStatement(
        actions=["dynamodb:PutItem"], resources=[data.tables[HEARTBEATS].table_arn],
        conditions={"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": [component]}}))
    _grant_key_via(role, data, [*KMS_READ_ACTIONS, *KMS_WRITE_ACTIONS], "dynamodb")


def grant_bucket_metadata(role: iam.Role, data: DataStack, buckets: tuple[str, ...]) -> None:
    """Each bucket's versioning state (a health probe): no object, no key listing."""
    from cdk.data_stack import bucket_name

    specs = {spec.key: spec for spec in data.bucket_specs}
    if buckets:
        role.add_to_policy(iam.PolicyStatement(
            actions=["s3:GetBucketVersioning"],
            resources=[f"arn:{Aws.PARTITION}:s3:::{bucket_name(specs[key])}"
                       for key in sorted(buckets)]))


def _grant_key_via(role: iam.Role, data: DataStack, actions: list[str], service: str) -> None:
    role.add_to_policy(
        iam.PolicyStatement(
            actions=actions,
            resources=[data.key.key_arn],
            conditions={
                "StringEquals": {"kms:ViaService": f"{service}.{Aws.REGION}.amazonaws.com"}
            },
        )
    )
