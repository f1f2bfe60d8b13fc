"""Reading the synthesized CloudFormation templates: the local stack's only description of the
system. Resources are looked up by type, and the few intrinsic functions the CDK emits are
evaluated against the physical names the local stack assigned.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

REGION = "us-east-1"
ACCOUNT = "123456789012"


@dataclass
class Resource:
    stack: str
    logical_id: str
    type: str
    properties: dict[str, Any]


@dataclass
class Templates:
    """All stacks of the app, with the physical ids the local stack gives their resources."""

    stacks: dict[str, dict[str, Any]]
    physical: dict[tuple[str, str], str] = field(default_factory=dict)
    attributes: dict[tuple[str, str, str], str] = field(default_factory=dict)

    def resources(self, resource_type: str) -> Iterator[Resource]:
        for stack, template in self.stacks.items():
            for logical_id, body in template.get("Resources", {}).items():
                if body.get("Type") == resource_type:
                    yield Resource(stack, logical_id, resource_type, body.get("Properties", {}))

    def resource(self, stack: str, logical_id: str) -> Resource:
        body = self.stacks[stack]["Resources"][logical_id]
        return Resource(stack, logical_id, body["Type"], body.get("Properties", {}))

    def assign(self, stack: str, logical_id: str, physical_id: str,
               **attributes: str) -> None:
        self.physical[(stack, logical_id)] = physical_id
        for name, value in attributes.items():
            self.attributes[(stack, logical_id, name)] = value

    def resolve(self, stack: str, value: Any) -> Any:
        """Evaluate Ref / Fn::GetAtt / Fn::Join / Fn::ImportValue / Fn::Select / Fn::Split."""
        if isinstance(value, list):
            return [self.resolve(stack, item) for item in value]
        if not isinstance(value, dict):
            return value
        if len(value) != 1:
            return {key: self.resolve(stack, item) for key, item in value.items()}
        (function, argument), = value.items()
        match function:
            case "Ref":
                return self._ref(stack, argument)
            case "Fn::GetAtt":
                logical_id, attribute = (argument.split(".", 1) if isinstance(argument, str)
                                         else argument)
                return self._get_att(stack, logical_id, attribute)
            case "Fn::Join":
                separator, parts = argument
                return separator.join(str(self.resolve(stack, part)) for part in parts)
            case "Fn::ImportValue":
                return self._import(self.resolve(stack, argument))
            case "Fn::Select":
                index, items = argument
                return self.resolve(stack, items)[int(self.resolve(stack, index))]
            case "Fn::Split":
                separator, text = argument
                return str(self.resolve(stack, text)).split(separator)
            case "Fn::Sub" if isinstance(argument, str):
                return self._sub(stack, argument)
        return {key: self.resolve(stack, item) for key, item in value.items()}

    def _ref(self, stack: str, name: str) -> str:
        pseudo = {"AWS::Region": REGION, "AWS::AccountId": ACCOUNT, "AWS::Partition": "aws",
                  "AWS::URLSuffix": "amazonaws.com", "AWS::StackName": stack,
                  "AWS::NoValue": ""}
        if name in pseudo:
            return pseudo[name]
        if (stack, name) in self.physical:
            return self.physical[(stack, name)]
        parameters = self.stacks[stack].get("Parameters", {})
        if name in parameters:
            return str(parameters[name].get("Default", ""))
        return f"local-{stack}-{name}"

    def _get_att(self, stack: str, logical_id: str, attribute: str) -> str:
        known = self.attributes.get((stack, logical_id, attribute))
        if known is not None:
            return known
        physical = self._ref(stack, logical_id)
        if attribute == "Arn":
            return f"arn:aws:local:{REGION}:{ACCOUNT}:{physical}"
        return f"{physical}.{attribute}"

    def _import(self, export_name: str) -> Any:
        for stack, template in self.stacks.items():
            for output in template.get("Outputs", {}).values():
                export = output.get("Export", {}).get("Name")
                if export is not None and self.resolve(stack, export) == export_name:
                    return self.resolve(stack, output["Value"])
        raise KeyError(f"no stack exports {export_name!r}")

    def _sub(self, stack: str, text: str) -> str:
        import re

        def replace(match: re.Match) -> str:
            name = match.group(1)
            if "." in name:
                logical_id, attribute = name.split(".", 1)
                return self._get_att(stack, logical_id, attribute)
            return self._ref(stack, name)

        return re.sub(r"\$\{([^}!][^}]*)\}", replace, text)


def referenced_logical_id(value: Any) -> str | None:
    """The resource a property points at (Ref or Fn::GetAtt), if it is a direct reference."""
    if isinstance(value, dict):
        if "Ref" in value:
            return value["Ref"]
        if "Fn::GetAtt" in value:
            argument = value["Fn::GetAtt"]
            return argument.split(".", 1)[0] if isinstance(argument, str) else argument[0]
        if "Fn::Join" in value:
            for part in value["Fn::Join"][1]:
                found = referenced_logical_id(part)
                if found and not found.startswith("AWS::"):
                    return found
    return None
