"""IAM for the local functions: each AWS call a function makes is checked against its role's
policies in the synthesized template, as AWS would, so a permission missing from a function's
definition fails here too (AccessDenied, which the adapters report as 503).

moto accepts any credentials and enforces nothing, and every local function shares one
process, so the check sits where every boto3 and pynamodb call passes: botocore's
``BaseClient._make_api_call``. The function making a call is known from a context variable
that ``LocalFunction.invoke`` sets. Calls outside any function (provisioning, pollers, the
enclave parent, tests) are not checked.

Written here because no library evaluates IAM policies offline against botocore calls
(moto's own IAM enforcement needs its authentication mode and real signed credentials per
role). The evaluation is the subset our policies use: Allow/Deny statements, action and
resource wildcards, and StringEquals conditions on request keys we can see; conditions on
keys we cannot see (kms:ViaService, aws:SourceArn) are treated as met.
"""

from __future__ import annotations

import contextvars
import fnmatch
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from local_stack.template import ACCOUNT, REGION, Templates, referenced_logical_id

_CURRENT: contextvars.ContextVar[FunctionPolicy | None] = contextvars.ContextVar(
    "local_function_policy", default=None)


@dataclass(frozen=True)
class Statement:
    allow: bool
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    conditions: dict[str, dict[str, Any]] = field(default_factory=dict)

    def matches(self, action: str, resource: str | None, context: dict[str, str]) -> bool:
        if not any(_like(action.lower(), pattern.lower()) for pattern in self.actions):
            return False
        if resource is not None and not any(_like(resource, p) for p in self.resources):
            return False
        return all(_condition_met(operator, keys, context)
                   for operator, keys in self.conditions.items())


@dataclass(frozen=True)
class FunctionPolicy:
    function: str
    statements: tuple[Statement, ...]

    def allows(self, action: str, resource: str | None, context: dict[str, str]) -> bool:
        matching = [s for s in self.statements if s.matches(action, resource, context)]
        return any(s.allow for s in matching) and not any(not s.allow for s in matching)


@dataclass(frozen=True)
class Request:
    """One authorization AWS makes for a call: the action on a resource (None: the resource
    cannot be told from the request, so any grant of the action counts)."""

    action: str
    resource: str | None
    context: dict[str, str] = field(default_factory=dict)


class AccessDenied(Exception):
    pass


def function_policies(templates: Templates) -> dict[tuple[str, str], FunctionPolicy]:
    """Every function's policy, by (stack, function logical id), from its role's policies."""
    policies = {}
    for function in templates.resources("AWS::Lambda::Function"):
        role = referenced_logical_id(function.properties.get("Role"))
        statements: list[Statement] = []
        for policy in templates.resources("AWS::IAM::Policy"):
            roles = [referenced_logical_id(r) for r in policy.properties.get("Roles", [])]
            if policy.stack == function.stack and role in roles:
                document = templates.resolve(policy.stack,
                                             policy.properties["PolicyDocument"])
                statements.extend(_statement(s) for s in document.get("Statement", []))
        policies[(function.stack, function.logical_id)] = FunctionPolicy(
            function.logical_id, tuple(statements))
    return policies


@contextmanager
def acting_as(policy: FunctionPolicy | None) -> Iterator[None]:
    token = _CURRENT.set(policy)
    try:
        yield
    finally:
        _CURRENT.reset(token)


def install() -> None:
    """Check every botocore call made while a function acts (once per process)."""
    from botocore.client import BaseClient
    from botocore.exceptions import ClientError

    original = BaseClient._make_api_call
    if getattr(original, "_checks_local_iam", False):
        return

    def checked(client: Any, operation: str, params: dict[str, Any]) -> Any:
        policy = _CURRENT.get()
        if policy is None:
            return original(client, operation, params)
        service = client.meta.service_model.signing_name
        for request in requests(service, operation, params):
            if not policy.allows(request.action, request.resource, request.context):
                _deny(policy, service, operation, request.action, request.resource)
        try:
            return original(client, operation, params)
        except ClientError as error:
            # S3 tells a missing key (404) only to who may list the bucket; others get 403.
            if (service == "s3" and operation in ("GetObject", "HeadObject")
                    and error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404")
                    and not policy.allows("s3:ListBucket",
                                          f"arn:aws:s3:::{params.get('Bucket', '')}", {})):
                _deny(policy, service, operation, "s3:ListBucket",
                      f"arn:aws:s3:::{params.get('Bucket', '')}")
            raise

    checked._checks_local_iam = True  # type: ignore[attr-defined]
    BaseClient._make_api_call = checked


def _deny(policy: FunctionPolicy, service: str, operation: str, action: str,
          resource: str | None) -> None:
    from botocore.exceptions import ClientError

    message = (f"{policy.function} is not authorized to perform: {action} on resource: "
               f"{resource or '*'} because no identity-based policy allows it")
    print(f"[iam] {message}", file=sys.stderr)
    code = "AccessDenied" if service == "s3" else "AccessDeniedException"
    raise ClientError({"Error": {"Code": code, "Message": message}}, operation)


# ---------------------------------------------------------------- requests of each call


def requests(service: str, operation: str, params: dict[str, Any]) -> list[Request]:
    reader = _READERS.get(service)
    if reader is not None:
        return reader(operation, params)
    return [Request(f"{service}:{operation}", None)]


def _dynamodb(operation: str, params: dict[str, Any]) -> list[Request]:
    if operation == "TransactWriteItems":
        kinds = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem",
                 "ConditionCheck": "ConditionCheckItem"}
        return [Request(f"dynamodb:{kinds[kind]}", _table(body["TableName"]))
                for item in params.get("TransactItems", []) for kind, body in item.items()]
    if operation == "TransactGetItems":
        return [Request("dynamodb:GetItem", _table(item["Get"]["TableName"]))
                for item in params.get("TransactItems", [])]
    if operation in ("BatchGetItem", "BatchWriteItem"):
        return [Request(f"dynamodb:{operation}", _table(name))
                for name in params.get("RequestItems", {})]
    if "TableName" not in params:
        return [Request(f"dynamodb:{operation}", None)]
    table = _table(params["TableName"])
    if params.get("IndexName"):
        table += f"/index/{params['IndexName']}"
    return [Request(f"dynamodb:{operation}", table)]


def _table(name: str) -> str:
    return name if name.startswith("arn:") else f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}"


def _s3(operation: str, params: dict[str, Any]) -> list[Request]:
    bucket, key = params.get("Bucket", ""), params.get("Key")
    versioned = bool(params.get("VersionId"))
    actions = {"GetObject": "GetObjectVersion" if versioned else "GetObject",
               "HeadObject": "GetObjectVersion" if versioned else "GetObject",
               "DeleteObject": "DeleteObjectVersion" if versioned else "DeleteObject",
               "ListObjectVersions": "ListBucketVersions", "ListObjectsV2": "ListBucket"}
    resource = f"arn:aws:s3:::{bucket}" + (f"/{key}" if key is not None else "")
    return [Request(f"s3:{actions.get(operation, operation)}", resource)]


def _sqs(operation: str, params: dict[str, Any]) -> list[Request]:
    url = params.get("QueueUrl")
    name = urlsplit(url).path.rsplit("/", 1)[-1] if url else params.get("QueueName")
    return [Request(f"sqs:{operation}",
                    f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}" if name else None)]


def _kms(operation: str, params: dict[str, Any]) -> list[Request]:
    key = params.get("KeyId")
    if key and not key.startswith("arn:"):
        key = (f"arn:aws:kms:{REGION}:{ACCOUNT}:{key}" if key.startswith("alias/")
               else f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{key}")
    context = {"kms:DataKeyPairSpec": params["KeyPairSpec"]} if "KeyPairSpec" in params else {}
    return [Request(f"kms:{operation}", key, context)]


def _secrets(operation: str, params: dict[str, Any]) -> list[Request]:
    return [Request(f"secretsmanager:{operation}", params.get("SecretId"))]


def _ssm(operation: str, params: dict[str, Any]) -> list[Request]:
    name = params.get("Name")
    resource = f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/{name.lstrip('/')}" if name else None
    return [Request(f"ssm:{operation}", resource)]


def _states(operation: str, params: dict[str, Any]) -> list[Request]:
    return [Request(f"states:{operation}", params.get("stateMachineArn"))]


def _events(operation: str, params: dict[str, Any]) -> list[Request]:
    if operation == "DescribeEventBus":  # the health probe: the bus it names
        return [Request("events:DescribeEventBus", _bus(params.get("Name") or "default"))]
    if operation != "PutEvents":
        return [Request(f"events:{operation}", None)]
    buses = {entry.get("EventBusName") or "default" for entry in params.get("Entries", [])}
    return [Request("events:PutEvents", _bus(bus)) for bus in sorted(buses)]


def _bus(name: str) -> str:
    if name.startswith("arn:"):
        return name
    return f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/{name}"


def _scheduler(operation: str, params: dict[str, Any]) -> list[Request]:
    group, name = params.get("GroupName") or "default", params.get("Name")
    resource = f"arn:aws:scheduler:{REGION}:{ACCOUNT}:schedule/{group}/{name}" if name else None
    found = [Request(f"scheduler:{operation}", resource)]
    role = (params.get("Target") or {}).get("RoleArn")
    if role:  # creating a schedule that assumes a role passes it
        found.append(Request("iam:PassRole", role))
    return found


def _lambda(operation: str, params: dict[str, Any]) -> list[Request]:
    name = params.get("FunctionName")
    if name and not name.startswith("arn:"):
        name = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"
    action = "lambda:InvokeFunction" if operation == "Invoke" else f"lambda:{operation}"
    return [Request(action, name)]


_READERS = {"dynamodb": _dynamodb, "s3": _s3, "sqs": _sqs, "kms": _kms,
            "secretsmanager": _secrets, "ssm": _ssm, "states": _states, "events": _events,
            "scheduler": _scheduler, "lambda": _lambda}


# ---------------------------------------------------------------- evaluation


def _statement(raw: dict[str, Any]) -> Statement:
    def strings(value: Any) -> tuple[str, ...]:
        items = value if isinstance(value, list) else [value]
        return tuple(str(item) for item in items if item is not None)

    return Statement(raw.get("Effect") == "Allow", strings(raw.get("Action", [])),
                     strings(raw.get("Resource", "*")), dict(raw.get("Condition") or {}))


def _like(value: str, pattern: str) -> bool:
    """IAM's wildcards: * any run of characters, ? one character."""
    return fnmatch.fnmatchcase(value, pattern)


def _condition_met(operator: str, keys: dict[str, Any], context: dict[str, str]) -> bool:
    if operator != "StringEquals":
        return True
    for key, expected in keys.items():
        if key not in context:
            continue  # a key this request does not show (kms:ViaService): AWS's to check
        allowed = expected if isinstance(expected, list) else [expected]
        if context[key] not in [str(value) for value in allowed]:
            return False
    return True
