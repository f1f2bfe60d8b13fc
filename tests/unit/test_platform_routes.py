"""The templates, webhooks, ledger, meta and deliveries functions in process, on the
in-memory services: status codes, headers, parameters and bodies as the API documents them.
(Through the local gateway and AWS's pieces: tests/e2e.)"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from cms.api.schemas.templates import TEMPLATE_EXAMPLE
from cms.bootstrap import MemoryServices
from cms.config import Settings
from cms.domain.templates.builtin import BUILTIN_IDS, builtin_templates
from local_stack.lambdas import fresh_instance

DELIVERY = "2026-12-07T06:00:00.000Z_" + "0" * 32


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: Any

    @property
    def code(self) -> str | None:
        return self.body.get("code") if isinstance(self.body, dict) else None

    @property
    def pointers(self) -> list[str]:
        return [error["pointer"] for error in self.body.get("errors", [])]


class Context:
    function_name, memory_limit_in_mb, aws_request_id = "test", 256, "req-1"
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:test"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 60_000


class Function:
    """A fresh instance of a handler module, serving from ``services``."""

    def __init__(self, name: str, services: MemoryServices) -> None:
        self.module = fresh_instance(f"functions.{name}.app")
        self.module.runtime.use(services)

    def __call__(self, method: str, path: str, body: Any = None, *, did: str | None = None,
                 roles: str = "", query: dict[str, Any] | None = None,
                 headers: dict[str, str] | None = None) -> Answer:
        event = {
            "resource": path, "path": path, "httpMethod": method,
            "headers": {"content-type": "application/json", **(headers or {})},
            "multiValueHeaders": {},
            "queryStringParameters": {k: str(v) for k, v in (query or {}).items()} or None,
            "multiValueQueryStringParameters": None, "pathParameters": None,
            "stageVariables": None, "isBase64Encoded": False,
            "body": json.dumps(body) if body is not None else None,
            "requestContext": {"authorizer": {"did": did, "roles": roles} if did else {},
                               "httpMethod": method, "path": path, "resourcePath": path,
                               "stage": "test", "requestId": "req-1",
                               "identity": {"sourceIp": "192.0.2.1"}},
        }
        result = self.module.handler(event, Context())
        headers = {k.lower(): v for k, v in (result.get("headers") or {}).items()}
        for key, values in (result.get("multiValueHeaders") or {}).items():
            headers[key.lower()] = ", ".join(values)
        text = result.get("body") or ""
        return Answer(result["statusCode"], headers, json.loads(text) if text else None)

    def invoke(self, event: dict[str, Any]) -> Any:
        return self.module.handler(event, Context())


def user() -> str:
    return f"did:key:z6Mk{uuid.uuid4().hex}"


@pytest.fixture
def services() -> MemoryServices:
    return MemoryServices(Settings(webhooks_allow_private=True))


@pytest.fixture
def templates(services) -> Function:
    return Function("templates", services)


@pytest.fixture
def webhooks(services) -> Function:
    return Function("webhooks", services)


# ---------------------------------------------------------------- templates


def test_the_catalogue_and_a_version_with_its_etag(templates):
    someone = user()
    catalogue = templates("GET", "/api/v1/templates", did=someone)
    assert catalogue.status == 200
    assert {item["template_id"] for item in catalogue.body["items"]} == set(BUILTIN_IDS)
    one = templates("GET", "/api/v1/templates/ai_training", did=someone, query={"version": 1})
    assert one.status == 200 and one.body["created_by"] == "system:builtin"
    assert one.body["content_hash"] == builtin_templates()["ai_training"].content_hash
    again = templates("GET", "/api/v1/templates/ai_training", did=someone,
                      query={"version": 1}, headers={"if-none-match": one.headers["etag"]})
    assert again.status == 304
    versions = templates("GET", "/api/v1/templates/ai_training/versions", did=someone)
    assert [v["version"] for v in versions.body["items"]] == [1]


@pytest.mark.parametrize(("path", "query", "pointer"), [
    ("/api/v1/templates/AI-training", {}, "path:template_id"),
    ("/api/v1/templates/ai", {}, "path:template_id"),
    ("/api/v1/templates/ai_training", {"version": 0}, "query:version"),
    ("/api/v1/templates/ai_training", {"version": 1_000_001}, "query:version"),
    ("/api/v1/templates/ai_training", {"version": "latest"}, "query:version"),
])
def test_parameters_outside_their_range_are_400(templates, path, query, pointer):
    answer = templates("GET", path, did=user(), query=query)
    assert (answer.status, answer.code, answer.pointers) == (400, "validation_error", [pointer])


def test_unknown_templates_and_versions_are_404(templates):
    for path, query in [("/api/v1/templates/no_such_template", {}),
                        ("/api/v1/templates/ai_training", {"version": 999}),
                        ("/api/v1/templates/no_such_template/versions", {})]:
        answer = templates("GET", path, did=user(), query=query)
        assert (answer.status, answer.code) == (404, "template_not_found")


def test_admins_create_and_revise_with_locations(templates):
    admin = {"did": user(), "roles": "admin"}
    created = templates("POST", "/api/v1/templates", TEMPLATE_EXAMPLE, **admin)
    assert (created.status, created.headers["location"]) == (201, "/api/v1/templates/mutual_nda")
    assert created.body["version"] == 1 and created.body == {
        **TEMPLATE_EXAMPLE, "version": 1, "content_hash": created.body["content_hash"],
        "created_at": created.body["created_at"], "created_by": admin["did"]}
    # What a GET answers, sent back as it is, changes nothing (200, no version 2).
    fetched = templates("GET", "/api/v1/templates/mutual_nda", did=user()).body
    same = templates("PUT", "/api/v1/templates/mutual_nda", fetched, **admin)
    assert (same.status, same.body["version"]) == (200, 1)
    revised = templates("PUT", "/api/v1/templates/mutual_nda", {**fetched, "name": "NDA 2"},
                        query={"base_version": 1}, **admin)
    assert (revised.status, revised.body["version"]) == (201, 2)
    assert revised.headers["location"] == "/api/v1/templates/mutual_nda?version=2"
    stale = templates("PUT", "/api/v1/templates/mutual_nda", {**fetched, "name": "NDA 3"},
                      query={"base_version": 1}, **admin)
    assert (stale.status, stale.code) == (409, "conflict")
    taken = templates("POST", "/api/v1/templates", TEMPLATE_EXAMPLE, **admin)
    assert (taken.status, taken.code) == (409, "template_exists")


def test_only_admins_author(templates):
    answer = templates("POST", "/api/v1/templates", TEMPLATE_EXAMPLE, did=user())
    assert (answer.status, answer.code) == (403, "forbidden")
    assert templates("GET", "/api/v1/templates/mutual_nda", did=user()).status == 404


@pytest.mark.parametrize(("change", "status", "pointer"), [
    ({"id": "Bad-Id"}, 400, "/id"),
    ({"id": None}, 400, "/id"),
    ({"surprise": 1}, 400, "/surprise"),
    ({"rules": [{"rule": "before", "first": "/a", "then": "/b", "zz": 1}]}, 400, "/rules/0/zz"),
    ({"rules": [{"rule": "teleport"}]}, 400, "/rules/0"),
    ({"validity": {"from": "/start_date"}}, 400, "/validity/until"),
    ({"body": "x" * 70_000}, 400, "/body"),
    ({"name": ""}, 400, "/name"),
    ({"body": "{{ ''.__class__ }}"}, 422, "/body"),
    ({"variables_schema": {"type": "array"}}, 422, "/variables_schema"),
])
def test_bad_definitions_are_refused_with_pointers(templates, change, status, pointer):
    definition = {k: v for k, v in {**TEMPLATE_EXAMPLE, **change}.items() if v is not None}
    answer = templates("POST", "/api/v1/templates", definition, did=user(), roles="admin")
    assert answer.status == status and pointer in answer.pointers
    assert answer.code == ("validation_error" if status == 400 else "template_invalid")


def test_a_preview_and_its_bad_variables(templates):
    example = builtin_templates()["compliance"].definition["example"]
    preview = templates("POST", "/api/v1/templates/compliance/render", {"variables": example},
                        did=user())
    assert preview.status == 200
    assert preview.body["template"]["id"] == "compliance" and "<html" in preview.body["html"]
    bad = templates("POST", "/api/v1/templates/compliance/render",
                    {"variables": {**example, "breach_notification_hours": "soon"}}, did=user())
    assert (bad.status, bad.code) == (400, "validation_error")
    assert "/variables/breach_notification_hours" in bad.pointers


def test_a_render_past_its_limits_is_a_422_naming_the_limit(templates):
    admin = {"did": user(), "roles": "admin"}
    body = "{% set a = x %}" + "{% set a = a ~ a %}" * 15 + "{{ a|length }}"
    schema = {"type": "object", "properties": {"x": {"type": "string"}}}
    definition = {**TEMPLATE_EXAMPLE, "id": "doubling", "body": body,
                  "variables_schema": schema, "terms": {}, "rules": [],
                  "validity": {"from": "/from", "until": "/until"}}
    refused = templates("POST", "/api/v1/templates",
                        {**definition, "example": {"x": "xxxxxxxxxxxxxxxxxxxx"}}, **admin)
    assert (refused.status, refused.code) == (422, "template_invalid")
    assert refused.pointers == ["/body"]
    schema["properties"].update({"from": {"type": "string"}, "until": {"type": "string"}})
    dates = {"from": "2030-01-01", "until": "2031-01-01"}
    created = templates("POST", "/api/v1/templates",
                        {**definition, "example": {"x": "x", **dates}}, **admin)
    assert created.status == 201
    answer = templates("POST", "/api/v1/templates/doubling/render",
                       {"variables": {"x": "x" * 20, **dates}}, did=user())
    assert (answer.status, answer.code) == (422, "render_limit_exceeded")
    assert answer.body["limit"] == "value_size"


def test_a_pattern_that_would_backtrack_is_refused_when_defined(templates):
    schema = {"type": "object", "properties": {"x": {"type": "string",
                                                     "pattern": "^(a+)+\\1$"}}}
    answer = templates("POST", "/api/v1/templates", {**TEMPLATE_EXAMPLE,
                                                     "variables_schema": schema},
                       did=user(), roles="admin")
    assert (answer.status, answer.code) == (422, "template_invalid")
    assert answer.pointers == ["/variables_schema/properties/x/pattern"]


def test_templates_need_a_caller(templates):
    answer = templates("GET", "/api/v1/templates")
    assert (answer.status, answer.code) == (401, "unauthorized")


# ---------------------------------------------------------------- webhooks


def test_a_webhook_is_shown_with_its_secret_once(webhooks):
    owner = user()
    created = webhooks("POST", "/api/v1/webhooks", {
        "url": "https://localhost:1/hook", "event_types": ["contract.signed"]}, did=owner)
    assert created.status == 201 and len(created.body["secret"]) == 43
    assert created.headers["location"] == f"/api/v1/webhooks/{created.body['id']}"
    listed = webhooks("GET", "/api/v1/webhooks", did=owner).body["items"]
    assert listed == [{k: v for k, v in created.body.items() if k != "secret"}]
    one = f"/api/v1/webhooks/{created.body['id']}"
    page = webhooks("GET", one + "/deliveries", did=owner)
    assert page.status == 200 and page.body == {"items": [], "next_cursor": None}
    assert webhooks("GET", one + "/deliveries", did=user()).code == "webhook_not_found"
    assert webhooks("DELETE", one, did=owner).status == 204
    gone = webhooks("DELETE", one, did=owner)
    assert (gone.status, gone.code) == (404, "webhook_not_found")


def test_only_the_owner_rotates_disables_and_enables_a_webhook(webhooks):
    owner, stranger = user(), user()
    created = webhooks("POST", "/api/v1/webhooks", {"url": "https://localhost:1/hook"},
                       did=owner).body
    one = f"/api/v1/webhooks/{created['id']}"
    for method, path, body in (("POST", one + "/rotate-secret", None),
                               ("PATCH", one, {"status": "disabled"})):
        answer = webhooks(method, path, body, did=stranger)
        assert (answer.status, answer.code) == (404, "webhook_not_found")
    rotated = webhooks("POST", one + "/rotate-secret", did=owner)
    assert rotated.status == 200 and len(rotated.body["secret"]) == 43
    assert rotated.body["secret"] != created["secret"]
    assert {k: v for k, v in rotated.body.items() if k != "secret"} == {
        k: v for k, v in created.items() if k != "secret"}
    for status in ("disabled", "disabled", "active"):  # setting it twice changes nothing
        answer = webhooks("PATCH", one, {"status": status}, did=owner)
        assert answer.status == 200 and answer.body["status"] == status
        assert "secret" not in answer.body
    assert webhooks("GET", "/api/v1/webhooks", did=owner).body["items"][0]["status"] == "active"


@pytest.mark.parametrize("body", [{}, {"status": "paused"}, {"status": "active", "url": "x"}])
def test_a_webhook_change_other_than_its_status_is_400(webhooks, body):
    owner = user()
    created = webhooks("POST", "/api/v1/webhooks", {"url": "https://localhost:1/hook"},
                       did=owner).body
    answer = webhooks("PATCH", f"/api/v1/webhooks/{created['id']}", body, did=owner)
    assert (answer.status, answer.code) == (400, "validation_error")


@pytest.mark.parametrize(("body", "code", "pointer"), [
    ({"url": "http://hooks.example.com/"}, "webhook_url_invalid", "/url"),
    ({"url": "https://u:p@hooks.example.com/"}, "webhook_url_invalid", "/url"),
    ({"url": "https://hooks.example.com/" + "a" * 2048}, "webhook_url_invalid", "/url"),
    ({"url": "https://hooks.example.com:0443/"}, "webhook_url_invalid", "/url"),
    ({"url": "https://hooks.example.com/", "event_types": ["contract.exploded"]},
     "validation_error", "/event_types/0"),
    ({"url": "https://hooks.example.com/", "secret": "mine"}, "validation_error", "/secret"),
])
def test_bad_registrations_are_400_and_store_nothing(webhooks, body, code, pointer):
    owner = user()
    answer = webhooks("POST", "/api/v1/webhooks", body, did=owner)
    assert (answer.status, answer.code) == (400, code) and pointer in answer.pointers
    assert webhooks("GET", "/api/v1/webhooks", did=owner).body["items"] == []


SOME_WEBHOOK = "8d5d6ed9-b8b6-49b0-acf0-c33fc46710a2"  # fixed: parallel workers collect alike


@pytest.mark.parametrize(("path", "query", "pointer"), [
    ("/api/v1/webhooks/not-a-uuid/deliveries", {}, "path:webhook_id"),
    (f"/api/v1/webhooks/{SOME_WEBHOOK}/deliveries", {"cursor": "eyJhZnRlciI6IHh9"},
     "query:cursor"),
    (f"/api/v1/webhooks/{SOME_WEBHOOK}/deliveries", {"limit": 101}, "query:limit"),
    (f"/api/v1/webhooks/{SOME_WEBHOOK}/deliveries/x/replay", {}, "path:delivery_id"),
])
def test_ids_cursors_and_limits_outside_their_patterns_are_400(webhooks, path, query,
                                                                pointer):
    method = "POST" if path.endswith("/replay") else "GET"
    answer = webhooks(method, path, did=user(), query=query)
    assert (answer.status, answer.code, answer.pointers) == (400, "validation_error", [pointer])


def test_any_cursor_of_the_pattern_is_a_position(services, webhooks):
    owner = user()
    hook = webhooks("POST", "/api/v1/webhooks", {"url": "https://localhost:1/h"}, did=owner)
    path = f"/api/v1/webhooks/{hook.body['id']}/deliveries"
    for cursor in ("0000-00-00T00:00:00.000Z_" + "0" * 32,
                   "9999-99-99T99:99:99.999Z_" + "f" * 32):
        answer = webhooks("GET", path, did=owner, query={"cursor": cursor, "limit": 1})
        assert answer.status == 200 and answer.body["items"] == []


def test_replaying_what_is_not_there_is_404(webhooks):
    owner = user()
    hook = webhooks("POST", "/api/v1/webhooks", {"url": "https://localhost:1/h"}, did=owner)
    answer = webhooks("POST", f"/api/v1/webhooks/{hook.body['id']}/deliveries/{DELIVERY}"
                              "/replay", did=owner)
    assert (answer.status, answer.code) == (404, "delivery_not_found")


# ---------------------------------------------------------------- deliveries function


def bus_event(*parties: str) -> dict[str, Any]:
    return {"source": "cms.contracts", "detail-type": "contract.signed", "id": "eb-1",
            "detail": {"event_id": str(uuid.uuid4()), "contract_id": str(uuid.uuid4()),
                       "parties": list(parties), "at": "2026-12-07T06:00:00.000Z",
                       "data": {}}}


def test_the_deliveries_function_fans_out_and_attempts(services, webhooks):
    deliveries = Function("deliveries", services)
    owner = user()
    webhooks("POST", "/api/v1/webhooks", {"url": "https://localhost:1/closed"}, did=owner)
    assert deliveries.invoke(bus_event(owner))["deliveries"] == 1
    [message] = services.delivery_queue.receive()
    batch = {"Records": [
        {"messageId": "m-1", "eventSource": "aws:sqs", "body": json.dumps(message.to_json())},
        {"messageId": "m-2", "eventSource": "aws:sqs", "body": "not json"},
        {"messageId": "m-3", "eventSource": "aws:sqs",  # names a delivery that is not there
         "body": json.dumps({**message.to_json(), "delivery_id": "x"})},
    ]}
    assert deliveries.invoke(batch) == {"batchItemFailures": []}
    [delivery] = services.webhook_store.deliveries(message.webhook_id, None, 10).items
    assert delivery.attempts == 1 and delivery.last_error  # port 1: nobody listens
    assert deliveries.invoke({"source": "aws.s3"}) == {"ignored": True}
    assert deliveries.invoke({**bus_event(owner), "detail": "x"}) == {"ignored": True}


# ---------------------------------------------------------------- ledger and meta


def test_the_ledger_routes_without_a_ledger(services):
    ledger = Function("ledger", services)
    public = ledger("GET", "/api/v1/ledger")
    assert (public.status, public.code) == (503, "ledger_misconfigured")
    status = ledger("GET", "/api/v1/ledger/status", did=user())
    assert status.status == 200
    assert (status.body["configured"], status.body["reachable"]) == (False, False)
    assert status.body["problem"]["code"] == "ledger_misconfigured"
    assert status.body["unanchored"] == {"count": 0, "count_capped": False, "oldest_at": None,
                                         "age_s": 0.0}
    batches = ledger("GET", "/api/v1/ledger/batches", did=user())
    assert (batches.status, batches.body) == (200, {"batches": []})  # the store alone


def test_recent_batches_list_their_lag_newest_first(services):
    from dataclasses import replace

    from cms.domain.anchoring import FINAL, PendingEvent, prepare
    from cms.domain.audit import AuditEvent

    database = services.database
    for first_seq, written, confirmed in ((0, "2026-12-07T06:00:00.000Z",
                                           "2026-12-07T06:00:12.500Z"),
                                          (1, "2026-12-07T06:01:00.000Z",
                                           "2026-12-07T06:01:03.000Z")):
        event = AuditEvent(f"contract:{first_seq}", 0, f"e{first_seq}", "contract.created",
                           "system:test", written, {}, "0" * 64, f"{first_seq:064x}")
        batch = prepare(first_seq, [PendingEvent(event.stream, event.seq, event.hash)])
        with database.lock:
            database.append([event])
            database.anchor_batches[first_seq] = replace(batch, state=FINAL,
                                                         tx_hash="0x" + "ab" * 32,
                                                         block_number=7 + first_seq)
            database.anchor_batch_times[first_seq] = (written, confirmed)
    ledger = Function("ledger", services)
    answer = ledger("GET", "/api/v1/ledger/batches", did=user())
    assert answer.status == 200 and "etag" in answer.headers
    assert [(b["first_seq"], b["block_number"], b["lag_s"], b["oldest_event_at"])
            for b in answer.body["batches"]] == [
        (1, 8, 3.0, "2026-12-07T06:01:00.000Z"), (0, 7, 12.5, "2026-12-07T06:00:00.000Z")]
    assert answer.body["batches"][0]["confirmed_at"] == "2026-12-07T06:01:03.000Z"
    one = ledger("GET", "/api/v1/ledger/batches", did=user(), query={"limit": 1})
    assert [b["first_seq"] for b in one.body["batches"]] == [1]
    for limit in ("0", "51", "x"):
        refused = ledger("GET", "/api/v1/ledger/batches", did=user(),
                         query={"limit": limit})
        assert (refused.status, refused.code) == (400, "validation_error"), limit
    assert ledger("GET", "/api/v1/ledger/batches").status == 401


def test_the_openapi_document_names_every_answer_of_these_functions(services):
    meta = Function("meta", services)
    answer = meta("GET", "/api/v1/openapi.json")
    assert answer.status == 200 and answer.body["openapi"].startswith("3.1.")
    document = answer.body
    schemas = document["components"]["schemas"]
    tags = {"templates", "webhooks", "ledger", "meta"}
    operations = [op for methods in document["paths"].values() for op in methods.values()
                  if set(op["tags"]) & tags]
    # webhooks: 7; ledger: identity, status, batches; meta: health, its details and chain
    # answer, the document
    assert len(operations) == 20
    for operation in operations:
        for status, response in operation["responses"].items():
            if status in ("204", "304") or not status.startswith("2"):
                continue
            reference = response["content"]["application/json"]["schema"]["$ref"]
            assert schemas[reference.rsplit("/", 1)[1]]["properties"], operation["operationId"]
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "path":  # every identifier has its exact pattern
                assert parameter["schema"]["pattern"], (operation["operationId"], parameter)
