"""The served OpenAPI document is one clients can be built from: every answer typed and named,
every error declared as a problem, operations named and tagged for SDK methods, parameters
saying what they accept; and two generators (openapi-typescript checked by tsc --strict,
openapi-python-client imported) turn it into fully typed clients.

Each test lists every offender, not only the first, so one run shows what is left to do.
"""

from __future__ import annotations

import importlib
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import REPO
from tests.e2e.conformance import DOCUMENT_PATH, operations, shape

pytestmark = pytest.mark.e2e

NODE_BIN = REPO / "node_modules" / ".bin"
OPENAPI_PYTHON_CLIENT = Path(sys.executable).with_name("openapi-python-client")
PROBLEM_MEDIA_TYPE = "application/problem+json"
# Routes whose success answer is a file rather than JSON may declare another media type.
DOWNLOADS = {("GET", "/api/v1/contracts/{}/receipt")}
# camelCase, starting with a verb-like word: what an SDK method is called.
OPERATION_ID = re.compile(r"[a-z][a-z0-9]*(?:[A-Z][a-z0-9]*)*")
PATH_NOISE = re.compile(r"api|v1|__|_(get|post|put|patch|delete)$|(Get|Post|Put|Patch|Delete)$")
# Where an ETag lets a polling client ask "changed?" for the price of a 304.
ETAG_ROUTES = {("GET", "/api/v1/contracts/{}"), ("GET", "/api/v1/contracts/{}/events"),
               ("GET", "/api/v1/training-jobs/{}"), ("GET", "/api/v1/engine/contracts/{}")}


@pytest.fixture(scope="module")
def document(stack: Any) -> dict[str, Any]:
    response = httpx.get(stack.url + DOCUMENT_PATH, timeout=30)
    response.raise_for_status()
    return response.json()


def node_path(ref: str) -> list[str]:
    assert ref.startswith("#/"), f"only local references: {ref}"
    return [part.replace("~1", "/").replace("~0", "~") for part in ref[2:].split("/")]


def deref(document: dict[str, Any], node: Any) -> Any:
    """Follow ``$ref`` until a node that is not one."""
    seen = 0
    while isinstance(node, dict) and "$ref" in node and seen < 20:
        target: Any = document
        for part in node_path(node["$ref"]):
            target = target[part]
        node, seen = target, seen + 1
    return node


def responses(document: dict[str, Any]) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
    for method, path, operation in operations(document):
        for status, response in (operation.get("responses") or {}).items():
            yield method, path, status, deref(document, response)


def offenders(found: list[str]) -> str:
    return f"{len(found)} offenders:\n  " + "\n  ".join(found)


def component_name(ref: str) -> str | None:
    match = re.fullmatch(r"#/components/schemas/([^/]+)", ref)
    return match.group(1) if match else None


def test_every_success_answer_is_a_named_schema_with_properties(document: dict[str, Any]
                                                                ) -> None:
    found = []
    for method, path, status, response in responses(document):
        if not status.startswith("2"):
            continue
        content = response.get("content") or {}
        if status == "204":
            if content:
                found.append(f"{method} {path} 204 declares a body")
            continue
        if not content:
            found.append(f"{method} {path} {status}: no body declared")
            continue
        for media_type, body in content.items():
            if media_type != "application/json":
                if (method, shape(path)) not in DOWNLOADS:
                    found.append(f"{method} {path} {status}: {media_type} is not JSON")
                continue
            schema = body.get("schema") or {}
            name = component_name(schema.get("$ref", ""))
            if name is None:
                found.append(f"{method} {path} {status}: inline {json.dumps(schema)[:80]}")
                continue
            target = deref(document, schema)
            if not target.get("properties"):
                found.append(f"{method} {path} {status}: {name} has no properties")
    assert not found, offenders(found)


def test_every_operation_declares_its_errors_as_problems(document: dict[str, Any]) -> None:
    schemas = document.get("components", {}).get("schemas", {})
    problem = schemas.get("Problem")
    assert problem is not None, "no shared Problem schema in components.schemas"
    properties = deref(document, problem).get("properties", {})
    missing = {"type", "title", "status", "detail", "code", "errors"} - set(properties)
    assert not missing, f"Problem lacks {sorted(missing)}"
    found = []
    for method, path, operation in operations(document):
        codes = set(operation.get("responses") or {})
        if not any(code.startswith("4") for code in codes):
            found.append(f"{method} {path}: declares no 4xx answer")
        if not any(code.startswith("5") for code in codes):
            found.append(f"{method} {path}: declares no 5xx answer")
    for method, path, status, response in responses(document):
        if status[0] not in "45":
            continue
        content = response.get("content") or {}
        if set(content) != {PROBLEM_MEDIA_TYPE}:
            found.append(f"{method} {path} {status}: {sorted(content)} not only "
                         f"{PROBLEM_MEDIA_TYPE}")
            continue
        if not _refers_to_problem(document, content[PROBLEM_MEDIA_TYPE].get("schema") or {}):
            found.append(f"{method} {path} {status}: its schema is not (an extension of) "
                         "Problem")
    assert not found, offenders(found)


def _refers_to_problem(document: dict[str, Any], schema: dict[str, Any]) -> bool:
    """Problem itself, or a schema built on it with allOf (per-route codes as an enum)."""
    if schema.get("$ref") == "#/components/schemas/Problem":
        return True
    target = deref(document, schema)
    return any(_refers_to_problem(document, part) for part in target.get("allOf", []))


def test_validation_failures_are_documented_as_they_are_on_the_wire(document: dict[str, Any]
                                                                   ) -> None:
    found = [f"{method} {path}: 422 {json.dumps(response)[:100]}"
             for method, path, status, response in responses(document)
             if status == "422" and "HTTPValidationError" in json.dumps(response)]
    schemas = set(document.get("components", {}).get("schemas", {}))
    found += [f"components.schemas.{name} is not what the API answers"
              for name in sorted(schemas & {"HTTPValidationError", "ValidationError"})]
    assert not found, offenders(found)


def test_secured_operations_declare_the_bearer_scheme(stack: Any, document: dict[str, Any]
                                                      ) -> None:
    schemes = document.get("components", {}).get("securitySchemes", {})
    bearer = [name for name, scheme in schemes.items()
              if scheme.get("type") == "http" and scheme.get("scheme", "").lower() == "bearer"]
    assert bearer, f"no HTTP bearer security scheme: {schemes}"
    # What the gateway guards with the authorizer is what must say so.
    guarded = {(m.http_method, shape(m.path)) for m in stack.gateway.routes.methods
               if m.authorizer is not None}
    found = []
    for method, path, operation in operations(document):
        security = operation.get("security", document.get("security")) or []
        declared = any(set(requirement) & set(bearer) for requirement in security)
        if ((method, shape(path)) in guarded) != declared:
            state = "guarded by the authorizer" if not declared else "public at the gateway"
            found.append(f"{method} {path}: {state}, but security is {security}")
    assert not found, offenders(found)


def test_operation_ids_are_unique_readable_method_names(document: dict[str, Any]) -> None:
    found, seen = [], {}
    for method, path, operation in operations(document):
        operation_id = operation.get("operationId")
        if not operation_id:
            found.append(f"{method} {path}: no operationId")
            continue
        if operation_id in seen:
            found.append(f"{method} {path}: {operation_id} also names {seen[operation_id]}")
        seen[operation_id] = f"{method} {path}"
        if not OPERATION_ID.fullmatch(operation_id) or PATH_NOISE.search(operation_id):
            found.append(f"{method} {path}: {operation_id} is not a camelCase method name")
    assert not found, offenders(found)


def test_every_operation_has_a_tag(document: dict[str, Any]) -> None:
    """SDKs group their methods by tag (one per domain)."""
    found = [f"{method} {path}: no tag" for method, path, operation in operations(document)
             if not [tag for tag in operation.get("tags") or [] if tag]]
    assert not found, offenders(found)


def _branches(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The alternatives of an optional parameter (``anyOf: [X, {type: null}]``), null left
    out; a plain schema is its own only branch."""
    options = schema.get("anyOf") or schema.get("oneOf")
    if not options:
        return [schema]
    return [option for option in options if option.get("type") != "null"]


def _says_what_it_accepts(schema: dict[str, Any]) -> bool:
    if any(key in schema for key in ("enum", "const")):
        return True
    kinds = schema.get("type")
    if kinds == "string":
        return any(key in schema for key in ("format", "pattern", "maxLength"))
    if kinds == "integer":
        return "minimum" in schema and "maximum" in schema
    return kinds == "boolean"


def _typed(schema: dict[str, Any]) -> bool:
    return "type" in schema or any(key in schema for key in ("enum", "const"))


def test_parameters_say_exactly_what_they_accept(document: dict[str, Any]) -> None:
    found = []
    for method, path, operation in operations(document):
        for reference in operation.get("parameters", []):
            parameter = deref(document, reference)
            branches = [deref(document, branch) for branch in
                        _branches(deref(document, parameter.get("schema") or {}))]
            where = f"{method} {path} {parameter.get('in')}:{parameter.get('name')}"
            shown = json.dumps(parameter.get("schema"))[:100]
            if not branches or not all(map(_typed, branches)):
                found.append(f"{where}: no type ({shown})")
            elif not all(map(_says_what_it_accepts, branches)):
                found.append(f"{where}: {shown} takes anything of its type")
            if parameter.get("in") == "path" and not all(
                    any(key in branch for key in ("format", "pattern", "enum", "const"))
                    for branch in branches):
                found.append(f"{where}: a path parameter with no format or pattern")
    assert not found, offenders(found)


def test_every_request_body_has_an_example(document: dict[str, Any]) -> None:
    found = []
    for method, path, operation in operations(document):
        body = deref(document, operation.get("requestBody") or {})
        for media_type, content in (body.get("content") or {}).items():
            schema = deref(document, content.get("schema") or {})
            if not (content.get("example") or content.get("examples")
                    or schema.get("example") or schema.get("examples")):
                found.append(f"{method} {path} {media_type}: no example")
    assert not found, offenders(found)


def test_polled_resources_declare_etags_and_not_modified(document: dict[str, Any]) -> None:
    found = []
    for method, path, operation in operations(document):
        if (method, shape(path)) not in ETAG_ROUTES:
            continue
        answers = operation.get("responses") or {}
        headers = deref(document, answers.get("200", {})).get("headers", {})
        if "ETag" not in headers:
            found.append(f"{method} {path}: 200 declares no ETag header")
        if "304" not in answers:
            found.append(f"{method} {path}: no 304 answer")
        names = {deref(document, p).get("name", "").lower()
                 for p in operation.get("parameters", [])}
        if "if-none-match" not in names:
            found.append(f"{method} {path}: no If-None-Match parameter")
    assert not found, offenders(found)


# ------------------------------------------------------------------ generated clients


def path_for(document: dict[str, Any], method: str, route: str) -> str:
    """The document's own spelling of a route (its parameter names are its own)."""
    for candidate_method, path, _ in operations(document):
        if candidate_method == method and shape(path) == route:
            return path
    raise AssertionError(f"the document has no {method} {route}")


def success_schema(document: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    operation = document["paths"][path][method.lower()]
    status = next(s for s in operation["responses"] if s.startswith("2"))
    content = deref(document, operation["responses"][status]).get("content", {})
    return deref(document, content["application/json"]["schema"])


# Routes whose answers the usage file reads, and the fields it expects each to type as text.
TYPED_READS = {
    "Contract": (("GET", "/api/v1/contracts/{}"), ("id", "title", "status", "provider_did")),
    "ContractPage": (("GET", "/api/v1/contracts"), ("items",)),
    "Template": (("GET", "/api/v1/templates/{}"), ("id", "name")),
    "TrainingJob": (("GET", "/api/v1/training-jobs/{}"), ("id", "status")),
    "EngineContract": (("GET", "/api/v1/engine/contracts/{}"), ("address", "kind")),
}


def typescript_usage(document: dict[str, Any]) -> str:
    """Type-level assertions that fail to compile unless each answer is a closed object type
    whose fields are really typed: with ``unknown``, ``any`` or ``Record<string, never>`` as
    the answer, or ``any`` as a field, some ``Assert`` below gets ``false``."""
    lines = [
        'import type { paths } from "./api";',
        "type Assert<T extends true> = T;",
        "type IsAny<T> = 0 extends 1 & T ? true : false;",
        "type Closed<T> = IsAny<T> extends true ? false : [T] extends [never] ? false",
        "  : string extends keyof T ? false : true;",
        "type Text<F> = IsAny<F> extends true ? false : [F] extends [never] ? false",
        "  : [F] extends [string] ? true : false;",
        "type List<F> = IsAny<F> extends true ? false : [F] extends [never] ? false",
        "  : F extends readonly (infer I)[] ? Closed<I> : false;",
        "type Ok<R> = R extends { 200: { content: { 'application/json': infer B } } } ? B",
        "  : R extends { 201: { content: { 'application/json': infer B } } } ? B : never;",
    ]
    for name, ((method, route), fields) in TYPED_READS.items():
        path = path_for(document, method, route)
        answer = f"Ok<paths[{json.dumps(path)}][{json.dumps(method.lower())}]['responses']>"
        lines.append(f"type {name} = {answer};")
        lines.append(f"export type {name}IsClosed = Assert<Closed<{name}>>;")
        for field in fields:
            kind = "List" if field == "items" else "Text"
            member = f"{name}[{json.dumps(field)}]"
            lines.append(f"export type {name}_{field} = Assert<{kind}<{member}>>;")
    return "\n".join(lines) + "\n"


def test_openapi_typescript_generates_a_client_that_compiles_strictly(
        document: dict[str, Any], tmp_path: Path) -> None:
    spec = tmp_path / "openapi.json"
    spec.write_text(json.dumps(document))
    generated = subprocess.run(
        [str(NODE_BIN / "openapi-typescript"), str(spec), "-o", str(tmp_path / "api.ts")],
        capture_output=True, text=True, check=False, timeout=120)
    assert generated.returncode == 0, generated.stderr[-3000:]
    (tmp_path / "usage.ts").write_text(typescript_usage(document))
    checked = subprocess.run(
        [str(NODE_BIN / "tsc"), "--strict", "--noEmit", "--target", "es2022",
         "--module", "esnext", "--moduleResolution", "bundler", "--skipLibCheck", "false",
         str(tmp_path / "api.ts"), str(tmp_path / "usage.ts")],
        capture_output=True, text=True, check=False, timeout=300, cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout[-6000:] + checked.stderr[-2000:]


def test_openapi_python_client_generates_a_typed_client_that_imports(
        document: dict[str, Any], tmp_path: Path) -> None:
    spec = tmp_path / "openapi.json"
    spec.write_text(json.dumps(document))
    config = tmp_path / "config.yaml"
    # No post hooks: formatting the generated code proves nothing here.
    config.write_text("package_name_override: cms_api_client\npost_hooks: []\n")
    generated = subprocess.run(
        [str(OPENAPI_PYTHON_CLIENT), "generate", "--path", str(spec), "--meta", "none",
         "--output-path", str(tmp_path / "cms_api_client"), "--config", str(config),
         "--fail-on-warning"],
        capture_output=True, text=True, check=False, timeout=300)
    assert generated.returncode == 0, (generated.stdout + generated.stderr)[-6000:]
    sys.path.insert(0, str(tmp_path))
    try:
        package = importlib.import_module("cms_api_client")
        models = importlib.import_module("cms_api_client.models")
        importlib.import_module("cms_api_client.api")
        contract_path = path_for(document, "GET", "/api/v1/contracts/{}")
        operation = document["paths"][contract_path]["get"]
        ref = next(r["content"]["application/json"]["schema"]["$ref"]
                   for s, r in operation["responses"].items() if s.startswith("2"))
        name = component_name(ref)
        assert name is not None
        model = getattr(models, _class_name(name))
        import attrs

        fields = {field.name: str(field.type) for field in attrs.fields(model)}
        for expected in ("id", "title", "status", "provider_did", "consumer_did"):
            assert expected in fields, f"{model.__name__} lacks {expected}: {fields}"
            assert "Any" not in fields[expected], f"{model.__name__}.{expected}: Any"
        assert package.__name__ == "cms_api_client"
    finally:
        sys.path.remove(str(tmp_path))
        for module in [m for m in sys.modules if m.split(".")[0] == "cms_api_client"]:
            del sys.modules[module]


def _class_name(schema_name: str) -> str:
    """openapi-python-client's class name for a schema: its words, capitalised, joined."""
    words = re.findall(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])", schema_name)
    return "".join(word[:1].upper() + word[1:] for word in words)
