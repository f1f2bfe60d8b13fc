"""A local API Gateway (REST, Lambda proxy) built from the synthesized template.

Routes, the REQUEST authorizer (with its result cache), CORS preflight mocks and the gateway
responses all come from the template's AWS::ApiGateway::* resources, so what runs locally is
what the CDK deploys.
"""

from __future__ import annotations

import base64
import json
import re
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from local_stack.lambdas import LocalFunction
from local_stack.static_site import StaticSite
from local_stack.template import ACCOUNT, REGION, Templates, referenced_logical_id

MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's own payload limit
STAGE = "prod"
API_ID = "local"


@dataclass(frozen=True)
class Mock:
    """A MOCK integration's answer (CORS preflights, 405 for a path's other methods)."""

    status: int
    headers: dict[str, str]
    template: str  # VTL; only $context.httpMethod is used by ours

    def render(self, method: str) -> tuple[int, dict[str, str], bytes]:
        # Inside a JSON string: any verb a client sends stays text (API Gateway's are plain).
        spelled = json.dumps(method)[1:-1]
        return (self.status, dict(self.headers),
                self.template.replace("$context.httpMethod", spelled).encode())


@dataclass(frozen=True)
class Method:
    http_method: str
    path: str
    pattern: re.Pattern
    function: LocalFunction | None  # None for MOCK integrations
    authorizer: Authorizer | None
    mock: Mock | None


@dataclass
class Authorizer:
    function: LocalFunction
    header: str
    ttl_s: int
    cache: dict[str, tuple[float, dict[str, Any]]]


class RouteTable:
    def __init__(self, templates: Templates,
                 functions: dict[tuple[str, str], LocalFunction]) -> None:
        self.methods: list[Method] = []
        self.responses: dict[str, dict[str, Any]] = {}
        for stack, template in templates.stacks.items():
            if any(r.get("Type") == "AWS::ApiGateway::RestApi"
                   for r in template.get("Resources", {}).values()):
                self._load(templates, stack, template, functions)

    def match(self, http_method: str, path: str) -> Method | None:
        for method in self.methods:
            if method.http_method in (http_method, "ANY") and method.pattern.fullmatch(path):
                return method
        return None

    def _load(self, templates: Templates, stack: str, template: dict[str, Any],
              functions: dict[tuple[str, str], LocalFunction]) -> None:
        resources = template["Resources"]
        paths = _resource_paths(resources)
        authorizers = {
            logical_id: Authorizer(
                functions[(stack, _uri_function(body["Properties"]["AuthorizerUri"]))],
                _identity_header(body["Properties"].get("IdentitySource", "")),
                int(body["Properties"].get("AuthorizerResultTtlInSeconds", 300)), {})
            for logical_id, body in resources.items()
            if body.get("Type") == "AWS::ApiGateway::Authorizer"
        }
        for body in resources.values():
            if body.get("Type") == "AWS::ApiGateway::GatewayResponse":
                props = body["Properties"]
                self.responses[props["ResponseType"]] = props
            if body.get("Type") != "AWS::ApiGateway::Method":
                continue
            props = body["Properties"]
            path = paths[referenced_logical_id(props["ResourceId"]) or ""]
            integration = props.get("Integration", {})
            function = None
            if integration.get("Type") == "AWS_PROXY":
                function = functions[(stack, _uri_function(integration["Uri"]))]
            authorizer = None
            if props.get("AuthorizationType") == "CUSTOM":
                authorizer = authorizers[referenced_logical_id(props["AuthorizerId"])]
            self.methods.append(Method(
                props["HttpMethod"], path, _path_pattern(path), function, authorizer,
                _mock(integration)))
        # Literal segments win over {parameters}, and a path's own methods over its ANY, as
        # in API Gateway.
        self.methods.sort(key=lambda m: (m.path.count("{"), m.http_method == "ANY"))


def _resource_paths(resources: dict[str, Any]) -> dict[str, str]:
    parents = {lid: body["Properties"] for lid, body in resources.items()
               if body.get("Type") == "AWS::ApiGateway::Resource"}
    paths: dict[str, str] = {"": "/"}

    def path_of(logical_id: str) -> str:
        if logical_id not in parents:
            return ""
        if logical_id not in paths:
            props = parents[logical_id]
            parent = referenced_logical_id(props["ParentId"]) or ""
            parent_path = path_of(parent) if parent in parents else ""
            paths[logical_id] = f"{parent_path}/{props['PathPart']}"
        return paths[logical_id]

    for logical_id in parents:
        path_of(logical_id)
    # Methods on the root resource reference the RestApi's RootResourceId.
    for logical_id, body in resources.items():
        if body.get("Type") == "AWS::ApiGateway::RestApi":
            paths[logical_id] = "/"
    return paths


def _path_pattern(path: str) -> re.Pattern:
    regex = ""
    for part in re.split(r"(\{[^}]+\})", path):
        if part.startswith("{") and part.endswith("+}"):
            regex += f"(?P<{part[1:-2]}>.+)"
        elif part.startswith("{"):
            regex += f"(?P<{part[1:-1]}>[^/]+)"
        else:
            regex += re.escape(part)
    return re.compile(regex)


def _uri_function(uri: Any) -> str:
    logical_id = referenced_logical_id(uri)
    if logical_id is None:
        raise ValueError(f"cannot find the function in integration URI {uri!r}")
    return logical_id


def _identity_header(source: str) -> str:
    return source.split(",", maxsplit=1)[0].strip().removeprefix("method.request.header.")


def _mock(integration: dict[str, Any]) -> Mock | None:
    if integration.get("Type") != "MOCK":
        return None
    response = (integration.get("IntegrationResponses") or [{}])[0]
    headers = {key.removeprefix("method.response.header."): str(value).strip("'")
               for key, value in response.get("ResponseParameters", {}).items()}
    template = next(iter(response.get("ResponseTemplates", {}).values()), "")
    return Mock(int(response.get("StatusCode", 200)), headers, template)


class _QuietServer(ThreadingHTTPServer):
    """Does not print a traceback when a client leaves before its answer is written (a
    browser cancels fetches when its page changes): nobody is left to answer."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class Gateway:
    def __init__(self, routes: RouteTable, port: int, access_log: Any = None,
                 site: StaticSite | None = None) -> None:
        self.routes = routes
        self.site = site
        self.access_log = access_log
        self.server = _QuietServer(("127.0.0.1", port), _handler_class(self))
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True,
                                        name="local-api-gateway")

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # ---------------------------------------------------------------- request flow

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes,
               source_ip: str) -> tuple[int, dict[str, str], bytes]:
        url = urlsplit(target)
        if len(body) > MAX_BODY_BYTES:
            return self._gateway_response("REQUEST_TOO_LARGE", 413, "Request too large")
        # Routes match the path as sent, still percent-encoded: a "%2F" inside a segment stays
        # inside that segment's parameter instead of adding a segment that changes the route.
        route = self.routes.match(method, url.path)
        if route is None and self.site is not None and self.site.serves(url.path):
            return self.site.answer(method, url.path, headers)
        if route is None:
            return self._gateway_response("MISSING_AUTHENTICATION_TOKEN", 403,
                                          "Missing Authentication Token")
        if route.function is None:
            return route.mock.render(method) if route.mock else (204, {}, b"")
        request_id = str(uuid.uuid4())
        event = _proxy_event(route, method=method, raw_path=url.path, query=url.query,
                             headers=headers, body=body, source_ip=source_ip,
                             request_id=request_id)
        if route.authorizer is not None:
            denied = self._authorize(route.authorizer, event)
            if denied is not None:
                return denied
        try:
            result = route.function.invoke(event)
        except Exception as error:
            print(f"[gateway] {route.function.name} crashed: {error!r}", file=sys.stderr)
            return self._gateway_response("DEFAULT_5XX", 502, "Internal server error")
        return _proxy_result(result)

    def _authorize(self, authorizer: Authorizer, event: dict[str, Any]
                   ) -> tuple[int, dict[str, str], bytes] | None:
        token = _header(event["headers"], authorizer.header)
        if not token:
            return self._gateway_response("UNAUTHORIZED", 401, "Unauthorized")
        cached = authorizer.cache.get(token)
        if cached is None or cached[0] < time.monotonic():
            auth_event = {
                "type": "REQUEST", "methodArn": _method_arn(event),
                **{key: event[key] for key in (
                    "resource", "path", "httpMethod", "headers", "multiValueHeaders",
                    "queryStringParameters", "multiValueQueryStringParameters",
                    "pathParameters", "stageVariables", "requestContext")},
            }
            try:
                policy = authorizer.function.invoke(auth_event)
            except Exception as error:
                status, message = ((401, "Unauthorized") if "Unauthorized" in str(error)
                                   else (500, "Authorizer error"))
                kind = "UNAUTHORIZED" if status == 401 else "AUTHORIZER_FAILURE"
                return self._gateway_response(kind, status, message)
            cached = (time.monotonic() + authorizer.ttl_s, policy)
            if authorizer.ttl_s > 0:
                authorizer.cache[token] = cached
        policy = cached[1]
        if not _allows(policy, _method_arn(event)):
            return self._gateway_response("ACCESS_DENIED", 403,
                                          "User is not authorized to access this resource")
        context = dict(policy.get("context") or {})
        context["principalId"] = policy.get("principalId")
        event["requestContext"]["authorizer"] = context
        return None

    def _gateway_response(self, kind: str, status: int, message: str
                          ) -> tuple[int, dict[str, str], bytes]:
        family = "DEFAULT_5XX" if status >= 500 else "DEFAULT_4XX"
        spec = self.routes.responses.get(kind) or self.routes.responses.get(family)
        if spec is None:
            return status, {"Content-Type": "application/json"}, json.dumps(
                {"message": message}).encode()
        templates = spec.get("ResponseTemplates", {})
        content_type, template = next(iter(templates.items()), ("application/json", ""))
        body = (template.replace("$context.error.messageString", json.dumps(message))
                .replace("$context.error.message", message)
                .replace("$context.requestId", str(uuid.uuid4())))
        headers = {key.removeprefix("gatewayresponse.header."): str(value).strip("'")
                   for key, value in spec.get("ResponseParameters", {}).items()}
        if not any(key.lower() == "content-type" for key in headers):
            headers["Content-Type"] = content_type
        return int(spec.get("StatusCode", status)), headers, body.encode()


def _header(headers: dict[str, str], name: str) -> str | None:
    lowered = name.lower()
    return next((v for k, v in headers.items() if k.lower() == lowered), None)


def _method_arn(event: dict[str, Any]) -> str:
    return (f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API_ID}/{STAGE}/"
            f"{event['httpMethod']}{event['path']}")


def _allows(policy: dict[str, Any], arn: str) -> bool:
    allowed = False
    for statement in policy.get("policyDocument", {}).get("Statement", []):
        resources = statement.get("Resource", [])
        resources = [resources] if isinstance(resources, str) else resources
        matched = any(re.fullmatch(re.escape(r).replace(r"\*", ".*"), arn) for r in resources)
        if matched and statement.get("Effect") == "Deny":
            return False
        allowed = allowed or (matched and statement.get("Effect") == "Allow")
    return allowed


def _proxy_event(route: Method, *, method: str, raw_path: str, query: str,
                 headers: dict[str, str], body: bytes, source_ip: str,
                 request_id: str) -> dict[str, Any]:
    params = parse_qs(query, keep_blank_values=True)
    match = route.pattern.fullmatch(raw_path)
    # Each value is decoded on its own, after matching, as API Gateway passes them.
    path_parameters = ({name: unquote(value) for name, value in match.groupdict().items()}
                       if match and match.groupdict() else None)
    path = unquote(raw_path)
    try:
        text, encoded = body.decode(), False
    except UnicodeDecodeError:
        text, encoded = base64.b64encode(body).decode(), True
    return {
        "resource": route.path,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {key: [value] for key, value in headers.items()},
        "queryStringParameters": {k: v[-1] for k, v in params.items()} or None,
        "multiValueQueryStringParameters": params or None,
        "pathParameters": path_parameters,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": route.path, "httpMethod": method, "path": f"/{STAGE}{path}",
            "stage": STAGE, "requestId": request_id, "accountId": ACCOUNT, "apiId": API_ID,
            "protocol": "HTTP/1.1", "requestTimeEpoch": int(time.time() * 1000),
            "identity": {"sourceIp": source_ip, "userAgent": _header(headers, "user-agent")},
        },
        "body": text if body else None,
        "isBase64Encoded": encoded,
    }


def _proxy_result(result: Any) -> tuple[int, dict[str, str], bytes]:
    if not isinstance(result, dict) or "statusCode" not in result:
        return 502, {"Content-Type": "application/json"}, b'{"message": "Internal server error"}'
    headers = {key: str(value) for key, value in (result.get("headers") or {}).items()}
    for key, values in (result.get("multiValueHeaders") or {}).items():
        headers[key] = ", ".join(str(v) for v in values)
    body = result.get("body") or ""
    raw = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
    return int(result["statusCode"]), headers, raw


def _content_length(values: list[str]) -> int | None:
    """The body length the headers declare (0 if none); None if malformed or ambiguous.

    Only ASCII digits count: int() would also take signs, spaces, "_" and non-ASCII digits.
    Several Content-Length headers must agree (RFC 9110, section 8.6).
    """
    lengths = {value.strip() for value in values}
    if not lengths:
        return 0
    if len(lengths) != 1:
        return None
    (text,) = lengths
    return int(text) if re.fullmatch(r"[0-9]+", text) else None


def _handler_class(gateway: Gateway) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "cms-local-gateway"

        def _serve(self) -> None:
            started = time.perf_counter()
            length = _content_length(self.headers.get_all("Content-Length") or [])
            refusal = None
            if "Transfer-Encoding" in self.headers:
                # Only Content-Length frames a body here; an unread chunked body would
                # otherwise be parsed as the next request on this connection.
                refusal = gateway._gateway_response("DEFAULT_4XX", 411, "Length Required")
            elif length is None:
                refusal = gateway._gateway_response("DEFAULT_4XX", 400, "Bad request")
            elif length > MAX_BODY_BYTES:
                # Refuse before reading: do not buffer what API Gateway would not accept.
                refusal = gateway._gateway_response(
                    "REQUEST_TOO_LARGE", 413, "Request too large")
            if refusal is not None:
                # The body was not read, so the connection cannot carry another request.
                status, headers, body = refusal
                self.close_connection = True
            else:
                payload = self.rfile.read(length) if length else b""
                status, headers, body = gateway.handle(
                    self.command, self.path, dict(self.headers.items()), payload,
                    self.client_address[0])
            self.send_response(status)
            for key, value in headers.items():
                if key.lower() not in {"content-length", "connection", "transfer-encoding"}:
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            if gateway.access_log is not None:
                gateway.access_log(json.dumps({
                    "method": self.command, "path": self.path, "status": status,
                    "ms": round((time.perf_counter() - started) * 1000, 1)}))

        # http.server dispatches on do_<METHOD>; every method, standard or not (TRACE, FOO),
        # goes to the route table, which answers 405 for a known path's other methods.
        def __getattr__(self, name: str) -> Any:
            if name.startswith("do_"):
                return self._serve
            raise AttributeError(name)

        def log_message(self, *_: Any) -> None:  # access logging is done above
            return

    return Handler
