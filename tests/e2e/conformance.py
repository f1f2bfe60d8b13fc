"""schemathesis against the local stack: its configuration, its run and what it found.

The configuration is written from the served document and the fixture world (api_world.py) at
run time: which real resource each operation's parameters may take, the identities it signs in
as, and every check schemathesis has. Anything configured away from the default carries its
reason beside it; the checks are otherwise all on.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

from tests.e2e.api_world import World

ST = Path(sys.executable).with_name("st")
DOCUMENT_PATH = "/api/v1/openapi.json"
# Each party's token lives 15 minutes; a long run signs in again well before that.
REFRESH_S = 600
# A hang, not a slow answer: the local stack shares two cores with whatever else runs, and a
# template contract renders its PDF on the request path.
MAX_RESPONSE_TIME_S = 10.0


def shape(path: str) -> str:
    """A route's path with its parameter names left out: renaming a parameter keeps the
    bindings below."""
    return re.sub(r"\{[^}]+\}", "{}", path)


@dataclass
class Binding:
    """Real values for one operation: per path parameter (in path order) the resources it
    may name, and values for body fields (a list: drawn from; anything else: always sent)."""

    path: tuple[list[str], ...] = ()
    body: dict[str, Any] = field(default_factory=dict)
    # Only these resources, never a drawn one: an admin's change to a drawn identity (another
    # actor's, which schemathesis may draw from other operations' values) would make the
    # stranger an auditor, who may then read what the check expects hidden from it.
    only: bool = False


def bindings(world: World) -> dict[tuple[str, str], Binding]:
    c = world.contracts
    everything = [c[label] for label in sorted(c)]
    training = [c["training"], c["training_provided"]]
    jobs = list(world.jobs.values())
    engine = ([world.engine_address],)
    return {
        ("GET", "/api/v1/identities/{}"): Binding(
            ([world.owner.did, world.counterpart.did, world.stranger.did],)),
        ("PATCH", "/api/v1/identities/{}"): Binding(([world.subject.did],), only=True),
        # The subject's sessions, never the owner's: the owner is the fuzzer's own session.
        ("DELETE", "/api/v1/identities/{}/sessions"): Binding(([world.subject.did],), only=True),
        ("GET", "/api/v1/identities/{}/events"): Binding(
            ([world.owner.did, world.counterpart.did],)),
        ("POST", "/api/v1/contracts"): Binding(body={"consumer_did": [world.counterpart.did]}),
        ("GET", "/api/v1/contracts/{}"): Binding((everything,)),
        ("PATCH", "/api/v1/contracts/{}"): Binding(([c["draft"], c["draft_from_template"]],)),
        ("POST", "/api/v1/contracts/{}/submit"): Binding(([c["to_submit"]],)),
        ("POST", "/api/v1/contracts/{}/request-changes"): Binding(
            ([c["to_request_changes"]],)),
        ("GET", "/api/v1/contracts/{}/signing-payload"): Binding(([c["review"], c["to_sign"]],)),
        ("POST", "/api/v1/contracts/{}/sign"): Binding(
            ([c["to_sign"]],), body={"signature": [world.owner_signature]}),
        ("POST", "/api/v1/contracts/{}/activate"): Binding(([c["to_activate"]],)),
        ("POST", "/api/v1/contracts/{}/complete"): Binding(([c["to_complete"]],)),
        ("POST", "/api/v1/contracts/{}/terminate"): Binding(([c["to_terminate"]],)),
        ("GET", "/api/v1/contracts/{}/document"): Binding(
            ([c["draft_from_template"], c["training"]],)),
        ("POST", "/api/v1/contracts/{}/attachments"): Binding(([c["draft_from_template"]],)),
        ("GET", "/api/v1/contracts/{}/attachments/{}"): Binding(
            ([c["draft_from_template"]], [world.attachment_id])),
        ("GET", "/api/v1/contracts/{}/events"): Binding((everything,)),
        ("POST", "/api/v1/contracts/{}/verify"): Binding((everything,)),
        ("GET", "/api/v1/contracts/{}/receipt"): Binding((everything,)),
        ("GET", "/api/v1/templates/{}"): Binding(([world.template_id, "ai_training"],)),
        ("PUT", "/api/v1/templates/{}"): Binding(([world.template_id],)),
        ("GET", "/api/v1/templates/{}/versions"): Binding(([world.template_id, "ai_training"],)),
        ("POST", "/api/v1/templates/{}/render"): Binding(
            ([world.template_id],), body={"variables": world.template_variables}),
        ("DELETE", "/api/v1/webhooks/{}"): Binding(([world.webhook_to_delete],)),
        ("PATCH", "/api/v1/webhooks/{}"): Binding(([world.webhook_to_change],), only=True),
        ("POST", "/api/v1/webhooks/{}/rotate-secret"): Binding(([world.webhook_to_change],),
                                                              only=True),
        ("GET", "/api/v1/webhooks/{}/deliveries"): Binding(([world.webhook_id],)),
        ("POST", "/api/v1/webhooks/{}/deliveries/{}/replay"): Binding(
            ([world.webhook_id], [world.delivery_id])),
        ("POST", "/api/v1/training-jobs"): Binding(body={"contract_id": [c["training"]]}),
        ("GET", "/api/v1/training-jobs/{}"): Binding((jobs,)),
        ("POST", "/api/v1/training-jobs/{}/stop"): Binding(([world.jobs["to_stop"]],)),
        ("GET", "/api/v1/training-jobs/{}/verification"): Binding((jobs,)),
        ("GET", "/api/v1/training-jobs/{}/model"): Binding((jobs,)),
        ("GET", "/api/v1/contracts/{}/datasets"): Binding((training,)),
        ("POST", "/api/v1/contracts/{}/datasets"): Binding(
            ([c["training_provided"]],), body={"dataset_id": world.dataset_ids}),
        ("GET", "/api/v1/contracts/{}/privacy-budget"): Binding((training,)),
        ("GET", "/api/v1/engine/contracts/{}"): Binding(engine),
        ("POST", "/api/v1/engine/contracts/{}/execute"): Binding(engine),
        ("POST", "/api/v1/engine/contracts/{}/execute-batch"): Binding(engine),
        ("POST", "/api/v1/engine/contracts/{}/estimate-gas"): Binding(engine),
        ("GET", "/api/v1/engine/contracts/{}/history"): Binding(engine),
        ("GET", "/api/v1/engine/contracts/{}/health"): Binding(engine),
    }


# Free-form JSON (terms, metadata, variables, engine arguments) is declared one level deep,
# not recursively (a recursive schema defeats both client generators); below that the body's
# I-JSON rules still hold (numbers within ±(2**53 - 1), nesting at most 32 deep), which no
# finite, non-recursive schema can state. Every operation whose body carries free-form JSON
# (found in the document: its body schema reaches JsonValue) may refuse such a value with 400.
FREE_FORM = ("free-form JSON below its declared level must still be I-JSON (numbers within "
             "±(2**53 - 1), nesting at most 32 deep): a rule no non-recursive schema states")
FREE_FORM_SCHEMA = "#/components/schemas/JsonValue"


def carries_free_form(document: dict[str, Any], operation: dict[str, Any]) -> bool:
    """Whether the operation's request body schema reaches JsonValue, through any refs."""
    seen: set[str] = set()

    def reaches(node: Any) -> bool:
        if isinstance(node, list):
            return any(reaches(item) for item in node)
        if not isinstance(node, dict):
            return False
        ref = node.get("$ref")
        if ref == FREE_FORM_SCHEMA:
            return True
        if isinstance(ref, str) and ref not in seen:
            seen.add(ref)
            return reaches(document["components"]["schemas"][ref.rsplit("/", 1)[1]])
        return any(reaches(value) for value in node.values())

    return reaches(operation.get("requestBody", {}))


# Statuses a schema-valid request may get on top of schemathesis' defaults (2xx, 3xx, 401, 403,
# 404, 409, 429), where what makes a request acceptable is more than its shape: each entry says
# what JSON Schema cannot express. A route missing here must accept every request its document
# calls valid; anything a schema can say (lengths, enums, patterns, ranges) belongs in the
# document, not here.
_DID_DECODED = ("invalid_did / unsupported_key_type: a DID's method-specific identifier is "
                "checked by decoding it (a multikey's codec and length, a did:ethr subject as "
                "a secp256k1 point or address), beyond DID-core syntax")
# Every create takes an Idempotency-Key (docs/api.md, Requests).
_KEY_REUSED = ("an Idempotency-Key already used with another body is refused "
               "(idempotency_key_reused, 422): the key's history is the server's")

SEMANTIC_REFUSALS: dict[tuple[str, str], tuple[list[int], str]] = {
    ("POST", "/api/v1/auth/challenge"): ([400], _DID_DECODED),
    ("POST", "/api/v1/auth/verify"): ([400], _DID_DECODED),
    ("POST", "/api/v1/auth/register"): (
        [400, 422], "key_mismatch: whether a public key is the DID's own is arithmetic on the "
                    "key; did_resolution_failed: a did:web document is fetched from its host"),
    ("GET", "/api/v1/contracts"): (
        [400], "created_after must lie before created_before: two parameters related, and an "
               "empty window is refused naming both rather than answered with nothing"),
    ("POST", "/api/v1/contracts"): (
        [400, 422], "valid_from before valid_until relates two fields, and a template "
                    "contract's variables answer to that template's own schema, stored with it; "
                    + _KEY_REUSED),
    ("POST", "/api/v1/contracts/{}/attachments"): ([422], _KEY_REUSED),
    ("POST", "/api/v1/contracts/{}/datasets"): ([422], _KEY_REUSED),
    ("PATCH", "/api/v1/contracts/{}"): (
        [400], "the edited validity must still start before it ends (two fields, one of them "
               "possibly stored), and template variables answer to the template's schema"),
    ("POST", "/api/v1/contracts/{}/submit"): (
        [400], "a signing deadline lies between now and the contract's valid_until: relative "
               "to the clock and to the stored contract"),
    ("POST", "/api/v1/contracts/{}/sign"): (
        [400], "invalid_signature: only the signer's key tells a signature that verifies from "
               "one of the same shape that does not"),
    ("POST", "/api/v1/templates"): (
        [422], "template_invalid: a version is checked whole (its variables schema is itself "
               "valid JSON Schema, the body passes the sandbox and renders the example); "
               + _KEY_REUSED),
    ("POST", "/api/v1/templates/{}/render"): (
        [400], "the variables answer to that template's own schema and rules, stored with it "
               "(the document has one body schema for every template)"),
    ("PUT", "/api/v1/templates/{}"): (
        [422], "template_invalid: as for a new template, the version is checked whole"),
    ("POST", "/api/v1/webhooks"): (
        [422], "webhook_host_refused: whether a host resolves, and only to public addresses, "
               "is DNS's answer at the time; " + _KEY_REUSED),
    ("POST", "/api/v1/training-jobs"): (
        [400, 422], "the job must fit the contract's terms (architectures, epochs, epsilon, "
                    "delta, datasets): limits each contract sets for itself; " + _KEY_REUSED),
    ("POST", "/api/v1/engine/contracts"): (
        [400, 422], "init_args are each kind's own and code must validate as WebAssembly "
                    "(engine_validation_error); a constructor may revert (422); "
                    + _KEY_REUSED),
    ("POST", "/api/v1/engine/contracts/{}/execute"): (
        [400, 422], "the functions and their arguments are each contract's manifest, not the "
                    "document's; a call that runs may revert or run out of gas (422)"),
    ("POST", "/api/v1/engine/contracts/{}/execute-batch"): (
        [400, 422], "as for execute: each call names a function of the contract's manifest"),
    ("POST", "/api/v1/engine/contracts/{}/estimate-gas"): (
        [400, 422], "as for execute: the manifest names the functions; a call that would "
                    "revert is that problem (422)"),
}


# Reads where another signed-in party getting the owner's object is the product, not a leak;
# object_level_authorization is off there, for this reason.
SHARED_BY_DESIGN: dict[tuple[str, str], str] = {
    **{route: "engine contracts are shared as on a chain: any signed-in identity may read and "
              "call any of them as itself (docs/api.md, contract engine)"
       for route in (("GET", "/api/v1/engine/contracts/{}"),
                     ("GET", "/api/v1/engine/contracts/{}/history"),
                     ("GET", "/api/v1/engine/contracts/{}/health"))},
    **{route: "templates are the platform's catalogue: every signed-in party reads every "
              "version (docs/api.md, templates); only admins write them"
       for route in (("GET", "/api/v1/templates/{}"),
                     ("GET", "/api/v1/templates/{}/versions"))},
}


# Operations that end the session they are called with: on the fuzzer's own token they would
# sign it out for the rest of the run (every later request a 401, until the next sign-in). Not
# fuzzed, for this reason; tests/e2e/test_sessions_api.py tests them through the gateway,
# test_hostile_input.py sends them hostile input on a token of their own, and
# test_openapi_contract.py checks their document.
ENDS_THE_CALLERS_SESSION: dict[tuple[str, str], str] = {
    ("POST", "/api/v1/auth/logout"): "revokes the very token it is called with",
}


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            if method in {"get", "put", "post", "delete", "patch", "head", "options", "trace"}:
                yield method.upper(), path, operation


def path_parameters(path: str) -> list[str]:
    return re.findall(r"\{([^}]+)\}", path)


def operation_configs(document: dict[str, Any], world: World
                      ) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """Per-operation settings, and the dictionaries their parameters draw from."""
    table = bindings(world)
    configs: list[dict[str, Any]] = []
    dictionaries: dict[str, dict[str, Any]] = {}

    def dictionary(values: list[Any], probability: float) -> dict[str, Any]:
        name = f"d{len(dictionaries)}"
        dictionaries[name] = {"values": values}
        return {"dictionary": name, "probability": probability}

    for method, path, operation in operations(document):
        key = (method, shape(path))
        config: dict[str, Any] = {"include-name": f"{method} {path}"}
        if key in ENDS_THE_CALLERS_SESSION:
            configs.append({**config, "enabled": False})
            continue
        binding = table.get(key)
        if binding is not None:
            parameters: dict[str, Any] = {}
            for name, values in zip(path_parameters(path), binding.path, strict=True):
                # Mostly the real resource; now and then a drawn one, for the 404 paths.
                parameters[f"path.{name}"] = dictionary(values, 1.0 if binding.only else 0.9)
            for name, value in binding.body.items():
                # Always: the server checks these against what exists (a contract's datasets,
                # the signature over its payload), which a drawn value would not be.
                parameters[f"body.{name}"] = (dictionary(value, 1.0) if isinstance(value, list)
                                              else value)
            config["parameters"] = parameters
        checks: dict[str, Any] = {}
        statuses = set(SEMANTIC_REFUSALS.get(key, ([], ""))[0])
        if carries_free_form(document, operation):
            statuses.add(400)  # FREE_FORM
        if statuses:
            checks["positive_data_acceptance"] = {"expected-statuses": [
                "2xx", "3xx", "401", "403", "404", "409", "429", *map(str, sorted(statuses))]}
        if key in SHARED_BY_DESIGN:
            checks["object_level_authorization"] = {"enabled": False}
        if checks:
            config["checks"] = checks
        if len(config) > 1:
            configs.append(config)
    return configs, dictionaries


def wfc_document(world: World, relay_url: str) -> dict[str, Any]:
    """Web Fuzzing Commons auth: each actor logs in through the sign-in relay."""
    return {"auth": [{
        "name": actor.name,
        "loginEndpointAuth": {
            "externalEndpointURL": f"{relay_url}/{actor.name}", "verb": "POST",
            "token": {"extractFrom": "body", "extractSelector": "/token", "sendIn": "header",
                      "sendName": "Authorization", "sendTemplate": "Bearer {token}"}}}
        for actor in (world.owner, world.stranger)]}


def configuration(document: dict[str, Any], world: World, *, wfc_path: Path,
                  max_examples: int, seed: int | None) -> dict[str, Any]:
    configs, dictionaries = operation_configs(document, world)
    config: dict[str, Any] = {
        # One worker: the stack serves from the test process and the machine has two cores.
        "workers": 1,
        "request-timeout": 30.0,
        # Every operation gets its full share of examples after a first failure: one run lists
        # all that is wrong, and how long it takes does not depend on how much is.
        "continue-on-failure": True,
        "generation": {"max-examples": max_examples},
        "auth": {"wfc": {
            "path": str(wfc_path), "user": "owner", "refresh_interval": REFRESH_S,
            # object_level_authorization replays the owner's reads of what it created as the
            # stranger, who must not get them.
            "peers": ["owner", "stranger"]}},
        "checks": {
            "enabled": True,
            "max_response_time": MAX_RESPONSE_TIME_S,
            # schemathesis' statuses for a refused invalid request, and 413: a body over the
            # size limit is refused for its size before its shape is read, a refusal all the
            # same (the document declares 413 for every operation that takes a body).
            "negative_data_rejection": {"expected-statuses": [
                "400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428",
                "429", "5xx"]},
        },
        "dictionaries": dictionaries,
        "operations": configs,
        # Links between operations from Location headers only. Dependency analysis guesses
        # links from path words: it takes /contracts/{contract_id} and
        # /engine/contracts/{address} for one resource and sends a contract's UUID as an
        # engine address, a request the document itself calls invalid (and schemathesis then
        # calls valid). Every create answers with a Location, so the real links remain.
        "phases": {"stateful": {"inference": {"algorithms": ["location-headers"]}}},
    }
    if seed is not None:
        config["seed"] = seed
    return config


@dataclass
class Failure:
    code: str
    title: str
    operation: str
    message: str
    request: str
    status: int | None
    response: str


@dataclass
class Outcome:
    exit_code: int
    output: str
    report: dict[str, Any]
    failures: list[Failure]
    requests: int
    output_path: Path

    @property
    def failure_count(self) -> int:
        return len(self.failures)

    def grouped(self) -> dict[str, list[Failure]]:
        groups: dict[str, list[Failure]] = defaultdict(list)
        for failure in self.failures:
            groups[f"{failure.code} {failure.title}"].append(failure)
        return dict(sorted(groups.items()))

    def summary(self, examples_per_group: int = 3) -> str:
        lines = [f"schemathesis: exit {self.exit_code}, {self.requests} test cases, "
                 f"{self.failure_count} failures (full output: {self.output_path})"]
        for group, failures in self.grouped().items():
            operations = sorted({f.operation for f in failures})
            lines.append(f"\n{group}: {len(failures)} in {len(operations)} operations")
            for failure in failures[:examples_per_group]:
                first = failure.message.strip().splitlines()
                lines.append(f"  - {failure.operation}: {' / '.join(first[:3])}")
                lines.append(f"      {failure.request[:400]} -> {failure.status} "
                             f"{' '.join(failure.response[:200].split())}")
            if len(failures) > examples_per_group:
                lines.append(f"  ... and {len(failures) - examples_per_group} more: "
                             + ", ".join(operations[:12]))
        errors = self.report.get("errors") or []
        if errors:
            lines.append(f"\nerrors: {json.dumps(errors)[:2000]}")
        return "\n".join(lines)


def run(base_url: str, config: dict[str, Any], workdir: Path,
        extra_args: list[str] | None = None) -> Outcome:
    """``st run`` in a subprocess (its own interpreter: the stack keeps this one busy)."""
    workdir.mkdir(parents=True, exist_ok=True)
    config_path = workdir / "schemathesis.toml"
    config_path.write_text(tomli_w.dumps(config))
    report_dir = workdir / "reports"
    json_path, ndjson_path = report_dir / "run.json", report_dir / "events.ndjson"
    for stale in (json_path, ndjson_path):
        stale.unlink(missing_ok=True)
    command = [str(ST), "--config-file", str(config_path), "run",
               f"{base_url}{DOCUMENT_PATH}", "--report", "json,ndjson",
               "--report-json-path", str(json_path), "--report-ndjson-path", str(ndjson_path),
               "--no-color", *(extra_args or [])]
    environment = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    completed = subprocess.run(command, capture_output=True, text=True, env=environment,
                               cwd=workdir, check=False)
    output = completed.stdout + completed.stderr
    output_path = workdir / "output.txt"
    output_path.write_text(output)
    report = json.loads(json_path.read_text()) if json_path.exists() else {}
    failures, requests = _events(ndjson_path)
    return Outcome(completed.returncode, output, report, failures, requests, output_path)


def _events(path: Path) -> tuple[list[Failure], int]:
    """Failures with the request that showed each, and the number of requests recorded."""
    if not path.exists():
        return [], 0
    failures: list[Failure] = []
    requests = 0
    seen: set[tuple[str, str, str]] = set()
    for line in path.read_text().splitlines():
        event = json.loads(line)
        finished = event.get("ScenarioFinished")
        if not finished:
            continue
        recorder = finished["recorder"]
        interactions = recorder.get("interactions") or {}
        requests += len(interactions)
        for case_id, checks in (recorder.get("checks") or {}).items():
            for check in checks:
                if check.get("status") != "failure":
                    continue
                info = check["failure_info"]["failure"]
                key = (info["code"], info["operation"], info["message"])
                if key in seen:
                    continue
                seen.add(key)
                case = recorder["cases"].get(case_id, {}).get("value", {})
                interaction = interactions.get(case_id) or {}
                response = interaction.get("response") or {}
                failures.append(Failure(
                    code=info["code"], title=info["title"], operation=info["operation"],
                    message=info["message"], request=_request_text(case, interaction),
                    status=response.get("status_code"), response=_content(response)))
    return failures, requests


def _request_text(case: dict[str, Any], interaction: dict[str, Any]) -> str:
    request = interaction.get("request") or {}
    method = request.get("method") or case.get("method", "?")
    uri = request.get("uri") or case.get("path", "?")
    text = f"{method} {uri}"
    headers = {k: v for k, v in (request.get("headers") or {}).items()
               if k.lower() in {"content-type"}}
    if headers:
        text += f" {headers}"
    body = request.get("body")
    if isinstance(body, dict) and "$base64" in body:
        raw = base64.b64decode(body["$base64"])
        text += f" body={raw[:300]!r}"
    elif body is not None:
        text += f" body={str(body)[:300]}"
    return text


def _content(response: dict[str, Any]) -> str:
    content = response.get("content")
    if isinstance(content, dict) and "$base64" in content:
        return base64.b64decode(content["$base64"]).decode("utf-8", "replace")
    return "" if content is None else str(content)
