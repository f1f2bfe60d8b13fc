"""Read the REST API back out of a synthesized CmsApi template (plain CloudFormation JSON).

The local gateway and the infra tests both need "which function serves METHOD /path, and is it
behind the authorizer"; this answers it from the template alone, without aws_cdk.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

RESOURCE = "AWS::ApiGateway::Resource"
METHOD = "AWS::ApiGateway::Method"


@dataclass(frozen=True)
class ApiMethod:
    method: str  # upper case, as in the template
    path: str  # e.g. /api/v1/contracts/{contract_id}
    function_logical_id: str | None  # None for integrations without a Lambda (CORS MOCK)
    authorizer_logical_id: str | None  # None for public methods
    logical_id: str


def resource_paths(template: Mapping[str, Any]) -> dict[str, str]:
    """Full path of every AWS::ApiGateway::Resource, by logical id."""
    resources = template.get("Resources", {})
    paths: dict[str, str] = {}

    def path_of(logical_id: str) -> str:
        if logical_id not in paths:
            properties = resources[logical_id]["Properties"]
            parent = properties["ParentId"]
            prefix = path_of(parent["Ref"]) if "Ref" in parent else ""  # else the API root
            paths[logical_id] = f"{prefix}/{properties['PathPart']}"
        return paths[logical_id]

    for logical_id, resource in resources.items():
        if resource["Type"] == RESOURCE:
            path_of(logical_id)
    return paths


def api_methods(template: Mapping[str, Any]) -> list[ApiMethod]:
    """Every AWS::ApiGateway::Method with its path, target function and authorizer."""
    paths = resource_paths(template)
    methods = []
    for logical_id, resource in template.get("Resources", {}).items():
        if resource["Type"] != METHOD:
            continue
        properties = resource["Properties"]
        target = properties["ResourceId"]
        path = paths[target["Ref"]] if "Ref" in target else "/"
        authorizer = properties.get("AuthorizerId")
        methods.append(
            ApiMethod(
                method=properties["HttpMethod"],
                path=path,
                function_logical_id=_function_in(properties.get("Integration", {}).get("Uri")),
                authorizer_logical_id=authorizer["Ref"] if authorizer else None,
                logical_id=logical_id,
            )
        )
    return sorted(methods, key=lambda m: (m.path, m.method))


def _function_in(uri: Any) -> str | None:
    """The Lambda function an integration URI points at (``Fn::GetAtt [<id>, Arn]``)."""
    return next(_getatt_arns(uri), None)


def _getatt_arns(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        getatt = value.get("Fn::GetAtt")
        if isinstance(getatt, list) and len(getatt) == 2 and getatt[1] == "Arn":
            yield getatt[0]
            return
        for item in value.values():
            yield from _getatt_arns(item)
    elif isinstance(value, list):
        for item in value:
            yield from _getatt_arns(item)
