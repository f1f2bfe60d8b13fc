"""The local stack checks each function's AWS calls against its role in the template, so a
permission missing from a function's definition fails here as it would in AWS."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError

from local_stack.iam import FunctionPolicy, Statement, acting_as, requests


def policy_of(stack, name: str) -> FunctionPolicy:
    return next(f.policy for f in stack.functions.values() if f.name == name)


def table(stack, name: str, key: str) -> str:
    return next(f.environment[key] for f in stack.functions.values() if f.name == name)


def test_a_function_may_do_what_its_role_allows(stack):
    contracts = table(stack, "contracts", "CMS_CONTRACTS_TABLE")
    with acting_as(policy_of(stack, "contracts")):
        boto3.client("dynamodb").describe_table(TableName=contracts)


def test_a_function_may_not_write_a_table_it_only_reads(stack):
    audit_table = table(stack, "audit", "CMS_CONTRACTS_TABLE")
    with acting_as(policy_of(stack, "audit")), pytest.raises(ClientError) as denied:
        boto3.client("dynamodb").put_item(TableName=audit_table,
                                          Item={"contract_id": {"S": "forged"}})
    assert denied.value.response["Error"]["Code"] == "AccessDeniedException"
    assert "dynamodb:PutItem" in denied.value.response["Error"]["Message"]


def test_a_function_may_not_touch_another_functions_table(stack):
    webhooks = table(stack, "webhooks", "CMS_WEBHOOKS_TABLE")
    with acting_as(policy_of(stack, "engine")), pytest.raises(ClientError):
        boto3.client("dynamodb").scan(TableName=webhooks)


def test_calls_outside_any_function_are_not_checked(stack):
    boto3.client("dynamodb").list_tables()


def test_transactions_are_authorized_item_by_item():
    found = requests("dynamodb", "TransactWriteItems", {"TransactItems": [
        {"Put": {"TableName": "a"}}, {"ConditionCheck": {"TableName": "b"}}]})
    assert [(r.action, r.resource.rsplit("/", 1)[1]) for r in found] == [
        ("dynamodb:PutItem", "a"), ("dynamodb:ConditionCheckItem", "b")]


def test_deny_wins_and_wildcards_match():
    policy = FunctionPolicy("f", (
        Statement(True, ("s3:Get*",), ("arn:aws:s3:::bucket/docs/*",)),
        Statement(False, ("s3:GetObject",), ("arn:aws:s3:::bucket/docs/secret",))))
    assert policy.allows("s3:GetObject", "arn:aws:s3:::bucket/docs/a.pdf", {})
    assert not policy.allows("s3:GetObject", "arn:aws:s3:::bucket/docs/secret", {})
    assert not policy.allows("s3:PutObject", "arn:aws:s3:::bucket/docs/a.pdf", {})


def test_conditions_on_keys_the_request_shows_are_enforced():
    policy = FunctionPolicy("f", (Statement(
        True, ("kms:GenerateDataKeyPairWithoutPlaintext",), ("*",),
        {"StringEquals": {"kms:DataKeyPairSpec": "ECC_NIST_P256"}}),))
    [p256] = requests("kms", "GenerateDataKeyPairWithoutPlaintext",
                      {"KeyId": "k", "KeyPairSpec": "ECC_NIST_P256"})
    [rsa] = requests("kms", "GenerateDataKeyPairWithoutPlaintext",
                     {"KeyId": "k", "KeyPairSpec": "RSA_4096"})
    assert policy.allows(p256.action, p256.resource, p256.context)
    assert not policy.allows(rsa.action, rsa.resource, rsa.context)


def test_a_missing_object_is_404_only_to_who_may_list_the_bucket(stack):
    bucket = table(stack, "contracts", "CMS_DOCUMENTS_BUCKET")
    reader = FunctionPolicy("reader", (
        Statement(True, ("s3:GetObject",), (f"arn:aws:s3:::{bucket}/contracts/*",)),))
    lister = FunctionPolicy("lister", (*reader.statements, Statement(
        True, ("s3:ListBucket",), (f"arn:aws:s3:::{bucket}",))))
    s3 = boto3.client("s3")
    with acting_as(reader), pytest.raises(ClientError) as refused:
        s3.head_object(Bucket=bucket, Key="contracts/nothing-here")
    assert refused.value.response["Error"]["Code"] == "AccessDenied"
    with acting_as(lister), pytest.raises(ClientError) as missing:
        s3.head_object(Bucket=bucket, Key="contracts/nothing-here")
    assert missing.value.response["Error"]["Code"] in ("404", "NoSuchKey")


def test_every_function_that_reads_a_bucket_may_list_it(stack):
    from cms.adapters.object_store import BUCKET_SPECS

    readers = 0
    for function in stack.functions.values():
        for spec in BUCKET_SPECS:
            bucket = function.environment.get(spec.env_var)
            if bucket and function.policy.allows(
                    "s3:GetObject", f"arn:aws:s3:::{bucket}/{spec.prefix}x", {}):
                readers += 1
                assert function.policy.allows("s3:ListBucket", f"arn:aws:s3:::{bucket}", {}), (
                    function.name, spec.env_var)
    assert readers >= 4  # contracts, templates, triggers, training at least
