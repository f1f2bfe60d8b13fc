"""The contracts and audit functions' handlers, in process, on a World's in-memory services:
what the handler layer decides (validation, status codes, problems, response bodies) tested
without the local stack. The gateway's own part (the authorizer, CORS, 405s) stays in e2e."""

from __future__ import annotations

import json
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from local_stack.lambdas import fresh_instance
from tests.unit.services.contract_world import Party, World


class _LambdaContext:
    function_name = "test"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:test"
    aws_request_id = "req-1"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    text: str

    @property
    def body(self) -> Any:
        return json.loads(self.text)

    @property
    def code(self) -> str | None:
        return self.body.get("code") if self.status >= 400 else None

    def pointers(self) -> list[str]:
        return [item["pointer"] for item in self.body.get("errors") or []]


class Http:
    AUDIT = ("/events", "/verify", "/receipt")

    def __init__(self, world: World) -> None:
        self.contracts: ModuleType = fresh_instance("functions.contracts.app")
        self.audit: ModuleType = fresh_instance("functions.audit.app")
        for function in (self.contracts, self.audit):
            function.runtime.use(world.services)

    def __call__(self, method: str, path: str, party: Party | None, body: Any = None, *,
                 query: dict[str, Any] | None = None,
                 headers: dict[str, str] | None = None) -> Answer:
        function = self.audit if path.endswith(self.AUDIT) else self.contracts
        raw = body if isinstance(body, str) or body is None else json.dumps(body)
        sent = {"content-type": "application/json", **(headers or {})}
        event = {
            "resource": path, "path": path, "httpMethod": method,
            "headers": sent, "multiValueHeaders": {name: [value] for name, value in sent.items()},
            "queryStringParameters": {k: str(v) for k, v in (query or {}).items()} or None,
            "multiValueQueryStringParameters": {k: [str(v)] for k, v in (query or {}).items()}
                                               or None,
            "pathParameters": None, "stageVariables": None, "isBase64Encoded": False,
            "body": raw,
            "requestContext": {"authorizer": {"did": party.did, "roles": ",".join(party.roles)}
                               if party else {},
                               "httpMethod": method, "path": path, "resourcePath": path,
                               "stage": "test", "requestId": "req-1",
                               "identity": {"sourceIp": "127.0.0.1"}},
        }
        result = function.handler(event, _LambdaContext())
        headers = {name.lower(): values[-1] for name, values in
                   (result.get("multiValueHeaders") or {}).items()}
        headers.update({name.lower(): value for name, value in
                        (result.get("headers") or {}).items()})
        return Answer(result["statusCode"], headers, result.get("body") or "")
