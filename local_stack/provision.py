"""Create the template's stateful resources in moto: tables, secrets, KMS keys, log groups.

Table names are the models' defaults (the same names the code uses when no environment is
given), looked up through the environment variable each function receives for the table.
"""

from __future__ import annotations

import secrets
from typing import Any

import boto3

from cms.adapters.tables import TABLE_SPECS
from local_stack.template import Templates, referenced_logical_id

TABLE_PROPERTIES = ("KeySchema", "AttributeDefinitions", "GlobalSecondaryIndexes",
                    "LocalSecondaryIndexes", "BillingMode", "StreamSpecification")


def provision(templates: Templates, log: Any = print) -> dict[str, str]:
    """Create everything; returns {environment variable: physical table name}."""
    table_names = _table_names(templates)
    _create_keys(templates)
    _create_secrets(templates, log)
    _create_parameters(templates, log)
    _create_tables(templates, table_names, log)
    buckets = _create_buckets(templates, log)
    _create_queues(templates, log)
    _create_event_buses(templates, log)
    _create_schedule_groups(templates)
    return {**{spec.env_var: spec.model.Meta.table_name for spec in TABLE_SPECS}, **buckets}


def _table_names(templates: Templates) -> dict[tuple[str, str], str]:
    """Map each table resource to its spec through the functions' environment variables."""
    by_env = {spec.env_var: spec for spec in TABLE_SPECS}
    names: dict[tuple[str, str], str] = {}
    for function in templates.resources("AWS::Lambda::Function"):
        variables = function.properties.get("Environment", {}).get("Variables", {})
        for env_var, value in variables.items():
            spec = by_env.get(env_var)
            if spec is None:
                continue
            logical_id = _table_logical_id(templates, function.stack, value)
            if logical_id is not None:
                names[logical_id] = spec.model.Meta.table_name
    for key, name in names.items():
        templates.assign(*key, name, Arn=f"arn:aws:dynamodb:us-east-1:123456789012:table/{name}")
    return names


def _table_logical_id(templates: Templates, stack: str, value: Any) -> tuple[str, str] | None:
    """A function's env value is a Ref in the same stack or an import from the data stack."""
    direct = referenced_logical_id(value)
    if direct is not None and direct in templates.stacks[stack].get("Resources", {}):
        return stack, direct
    if isinstance(value, dict) and "Fn::ImportValue" in value:
        export = templates.resolve(stack, value["Fn::ImportValue"])
        for other, template in templates.stacks.items():
            for output in template.get("Outputs", {}).values():
                name = output.get("Export", {}).get("Name")
                if name is not None and templates.resolve(other, name) == export:
                    found = referenced_logical_id(output["Value"])
                    if found is not None:
                        return other, found
    return None


def _create_tables(templates: Templates, names: dict[tuple[str, str], str], log: Any) -> None:
    client = boto3.client("dynamodb")
    for table in templates.resources("AWS::DynamoDB::Table"):
        name = names.get((table.stack, table.logical_id))
        if name is None:
            raise RuntimeError(f"table {table.logical_id} is used by no function")
        params = {key: table.properties[key] for key in TABLE_PROPERTIES
                  if key in table.properties}
        params.setdefault("BillingMode", "PAY_PER_REQUEST")
        if "StreamSpecification" in params:  # CloudFormation's form omits StreamEnabled
            params["StreamSpecification"] = {"StreamEnabled": True,
                                             **params["StreamSpecification"]}
        created = client.create_table(TableName=name, **params)["TableDescription"]
        if "LatestStreamArn" in created:
            templates.assign(table.stack, table.logical_id, name,
                             Arn=created["TableArn"], StreamArn=created["LatestStreamArn"])
        ttl = table.properties.get("TimeToLiveSpecification")
        if ttl and ttl.get("Enabled"):
            client.update_time_to_live(TableName=name, TimeToLiveSpecification={
                "Enabled": True, "AttributeName": ttl["AttributeName"]})
        log(f"  table     {name}  ({table.stack}/{table.logical_id})")


def _create_buckets(templates: Templates, log: Any) -> dict[str, str]:
    """The template's buckets (versioning, Object Lock, EventBridge notifications as
    declared); returns {environment variable: bucket name}."""
    client = boto3.client("s3")
    names = {}
    for bucket in templates.resources("AWS::S3::Bucket"):
        spec = (templates.stacks[bucket.stack]["Resources"][bucket.logical_id]
                .get("Metadata", {}).get("cms:bucket"))
        if spec is None:
            continue  # the access-log bucket: nothing runs against it locally
        name = templates.resolve(bucket.stack, bucket.properties["BucketName"])
        lock = bucket.properties.get("ObjectLockEnabled", False)
        client.create_bucket(Bucket=name, **({"ObjectLockEnabledForBucket": True} if lock
                                             else {}))
        if bucket.properties.get("VersioningConfiguration", {}).get("Status") == "Enabled":
            client.put_bucket_versioning(Bucket=name,
                                         VersioningConfiguration={"Status": "Enabled"})
        if bucket.properties.get("NotificationConfiguration", {}).get(
                "EventBridgeConfiguration", {}).get("EventBridgeEnabled") or spec["events"]:
            client.put_bucket_notification_configuration(
                Bucket=name, NotificationConfiguration={"EventBridgeConfiguration": {}})
        templates.assign(bucket.stack, bucket.logical_id, name, Arn=f"arn:aws:s3:::{name}")
        names[spec["env_var"]] = name
        log(f"  bucket    {name}  ({bucket.stack}/{bucket.logical_id})")
    return names


def _create_queues(templates: Templates, log: Any) -> None:
    client = boto3.client("sqs")
    for queue in templates.resources("AWS::SQS::Queue"):
        url = client.create_queue(QueueName=queue.logical_id[:80])["QueueUrl"]
        arn = client.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
            "Attributes"]["QueueArn"]
        templates.assign(queue.stack, queue.logical_id, url, Arn=arn, QueueName=queue.logical_id)
        log(f"  queue     {queue.logical_id}")


def _create_event_buses(templates: Templates, log: Any) -> None:
    client = boto3.client("events")
    for bus in templates.resources("AWS::Events::EventBus"):
        name = templates.resolve(bus.stack, bus.properties["Name"])
        arn = client.create_event_bus(Name=name)["EventBusArn"]
        templates.assign(bus.stack, bus.logical_id, name, Arn=arn, Name=name)
        log(f"  event bus {name}")


def _create_schedule_groups(templates: Templates) -> None:
    client = boto3.client("scheduler")
    for group in templates.resources("AWS::Scheduler::ScheduleGroup"):
        client.create_schedule_group(Name=group.properties["Name"])
        templates.assign(group.stack, group.logical_id, group.properties["Name"])


def _create_secrets(templates: Templates, log: Any) -> None:
    client = boto3.client("secretsmanager")
    for secret in templates.resources("AWS::SecretsManager::Secret"):
        generate = secret.properties.get("GenerateSecretString", {})
        value = secret.properties.get("SecretString") or secrets.token_urlsafe(
            int(generate.get("PasswordLength", 64)))
        name = f"{secret.stack}/{secret.logical_id}"
        arn = client.create_secret(Name=name, SecretString=value)["ARN"]
        templates.assign(secret.stack, secret.logical_id, arn, Arn=arn)
        log(f"  secret    {name}")


def _create_parameters(templates: Templates, log: Any) -> None:
    client = boto3.client("ssm")
    for parameter in templates.resources("AWS::SSM::Parameter"):
        # No leading slash, as CloudFormation names them: the grants the CDK writes append
        # the name to "parameter/".
        name = f"{parameter.stack}-{parameter.logical_id}"
        client.put_parameter(Name=name, Type="String", Overwrite=True,
                             Value=templates.resolve(parameter.stack,
                                                     parameter.properties["Value"]))
        templates.assign(parameter.stack, parameter.logical_id, name)
        log(f"  parameter {name}")


def _create_keys(templates: Templates) -> None:
    client = boto3.client("kms")
    for key in templates.resources("AWS::KMS::Key"):
        metadata = client.create_key(Description=f"{key.stack}/{key.logical_id}")["KeyMetadata"]
        templates.assign(key.stack, key.logical_id, metadata["KeyId"], Arn=metadata["Arn"])
