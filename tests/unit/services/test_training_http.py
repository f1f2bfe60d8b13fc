"""The training function's handler on the in-memory services: status codes, problems, and
every answer valid against the operation's schema in the OpenAPI document, in milliseconds.
Hostile terms and settings are 4xx problems here as through the gateway
(tests/e2e/test_training_api.py), never a 500."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from cms.domain.contracts import Status
from local_stack.lambdas import LambdaContext, fresh_instance
from tests.unit.services.training_setup import (
    TrainingServices,
    attested_services,
    completed,
    contract,
    moved_to,
    party,
    training_terms,
    with_budget,
)

NO_SUCH_JOB = "7d5b0f7e-2a51-4a47-9c43-3f6f0e4f7a10"


class Training:
    """The training function on in-memory services, answering as the gateway would see."""

    def __init__(self, services: TrainingServices | None = None) -> None:
        self.services = services or TrainingServices()
        self.module = fresh_instance("functions.training.app")
        self.module.runtime.use(self.services)
        self.document = self.module.api.document()

    def call(self, method: str, path: str, did: str, body: Any = None,
             roles: str = "") -> tuple[int, Any]:
        event = {
            "resource": path, "path": path, "httpMethod": method,
            "headers": {"content-type": "application/json"}, "multiValueHeaders": {},
            "queryStringParameters": None, "multiValueQueryStringParameters": None,
            "pathParameters": None, "stageVariables": None, "isBase64Encoded": False,
            "body": json.dumps(body) if body is not None else None,
            "requestContext": {"authorizer": {"did": did, "roles": roles}, "httpMethod": method,
                               "path": path, "resourcePath": path, "stage": "test",
                               "requestId": "req-1", "identity": {"sourceIp": "127.0.0.1"}}}
        answer = self.module.handler(event, LambdaContext("training", 512, 30, "r-1",
                                                          time.monotonic()))
        status, payload = answer["statusCode"], json.loads(answer["body"] or "null")
        self._check(method, path, status, answer, payload)
        return status, payload

    def _check(self, method: str, path: str, status: int, answer: dict, payload: Any) -> None:
        """The answer is one the operation declares, with a body its schema accepts."""
        template = next(t for t in self.document["paths"] if _matches(t, path))
        declared = self.document["paths"][template][method.lower()]["responses"]
        assert str(status) in declared, f"{method} {path}: {status} is not declared"
        response = declared[str(status)]
        if "$ref" in response:
            response = self.document["components"]["responses"][response["$ref"].rsplit(
                "/", 1)[-1]]
        media, = response["content"]
        assert answer["multiValueHeaders"]["Content-Type"] == [media]
        schema = {**response["content"][media]["schema"],
                  "components": self.document["components"]}
        Draft202012Validator(schema).validate(payload)


def _matches(template: str, path: str) -> bool:
    parts, actual = template.split("/"), path.split("/")
    return len(parts) == len(actual) and all(
        p == a or p.startswith("{") for p, a in zip(parts, actual, strict=True))


@pytest.fixture(scope="module")
def training() -> Training:
    return Training()


@pytest.fixture
def active(training):
    provider, consumer = party(), party()
    return provider, consumer, contract(training.services, provider, consumer).id


def job_request(contract_id: str, **config: Any) -> dict:
    return {"contract_id": contract_id, "model": "mnist_cnn",
            "config": {"epochs": 1, "epsilon": "1.25", **config}}


def test_a_job_is_created_read_stopped_and_budgeted_over_http(training, active):
    provider, consumer, contract_id = active
    status, job = training.call("POST", "/api/v1/training-jobs", consumer.did,
                                job_request(contract_id, lr=0.5))
    assert (status, job["status"], job["privacy_budget"]) == (201, "pending", "1.250000000")
    assert {name: value for name, value in job["config"].items() if value is not None} == {
        "epochs": 1, "epsilon": "1.250000000", "lr": 0.5}  # unset: null, the default
    one = f"/api/v1/training-jobs/{job['id']}"
    assert training.call("GET", one, provider.did) == (200, job)
    status, budget = training.call("GET", f"/api/v1/contracts/{contract_id}/privacy-budget",
                                   provider.did)
    assert (status, budget["epsilon_available"], budget["jobs"]) == (200, "1.750000000", [job])
    status, stopped = training.call("POST", one + "/stop", consumer.did)
    assert (status, stopped["status"]) == (200, "stopped")
    status, problem = training.call("POST", one + "/stop", consumer.did)
    assert (status, problem["code"]) == (409, "illegal_transition")
    status, problem = training.call("GET", one + "/verification", consumer.did)
    assert (status, problem["code"]) == (409, "training_result_unavailable")
    assert training.call("GET", one + "/model", consumer.did)[0] == 409
    assert training.call("GET", one + "/model", provider.did)[0] == 403


@pytest.mark.parametrize("epsilon", ["1e20", "9" * 10_000, "NaN", -1, {"x": 1}])
def test_hostile_terms_are_409_not_a_training_contract_on_every_route(training, epsilon):
    provider, consumer = party(), party()
    made = contract(training.services, provider, consumer,
                    terms=with_budget(training_terms(), epsilon=epsilon))
    for method, path, did, body in (
            ("GET", f"/api/v1/contracts/{made.id}/privacy-budget", provider.did, None),
            ("GET", f"/api/v1/contracts/{made.id}/datasets", consumer.did, None),
            ("POST", f"/api/v1/contracts/{made.id}/datasets", provider.did,
             {"dataset_id": "mnist-train", "size": 10}),
            ("POST", "/api/v1/training-jobs", consumer.did, job_request(made.id))):
        status, problem = training.call(method, path, did, body)
        assert (status, problem["code"], problem["term"]) == (
            409, "not_a_training_contract", "privacy_budget.epsilon"), (method, path)


@pytest.mark.parametrize("config, pointer", [
    ({"epsilon": "1e20"}, "/config/epsilon"), ({"epsilon": 101}, "/config/epsilon"),
    ({"epsilon": "0"}, "/config/epsilon"), ({"epsilon": "9" * 10_000}, "/config/epsilon"),
    ({"epochs": 0}, "/config/epochs"), ({"epochs": 10**15}, "/config/epochs"),
    ({"delta": 1}, "/config/delta"), ({"batch_size": 100_001}, "/config/batch_size"),
    ({"lr": 0}, "/config/lr"), ({"max_grad_norm": 1e9}, "/config/max_grad_norm"),
    ({"augmult": 65}, "/config/augmult"), ({"seed": -1}, "/config/seed"),
    ({"datasets": ["../x"]}, "/config/datasets/0"), ({"bogus": 1}, "/config/bogus"),
])
def test_settings_out_of_range_are_400_with_a_pointer(training, active, config, pointer):
    _, consumer, contract_id = active
    status, problem = training.call("POST", "/api/v1/training-jobs", consumer.did,
                                    job_request(contract_id, **config))
    assert (status, problem["code"]) == (400, "validation_error")
    assert pointer in {error["pointer"] for error in problem["errors"]}


def test_settings_outside_the_terms_are_400_and_lack_of_budget_409(training, active):
    _, consumer, contract_id = active
    status, problem = training.call("POST", "/api/v1/training-jobs", consumer.did,
                                    job_request(contract_id, epochs=21, epsilon="3.5"))
    assert (status, {e["pointer"] for e in problem["errors"]}) == (
        400, {"/config/epochs", "/config/epsilon"})
    training.call("POST", "/api/v1/training-jobs", consumer.did,
                  job_request(contract_id, epsilon="2.5"))
    status, problem = training.call("POST", "/api/v1/training-jobs", consumer.did,
                                    job_request(contract_id, epsilon=0.75))
    assert (status, problem["code"], problem["epsilon_available"]) == (
        409, "privacy_budget_exceeded", "0.500000000")


def test_ids_that_are_not_ids_are_400_and_unknown_ones_404(training, active):
    _, consumer, contract_id = active
    for path in ("/api/v1/training-jobs/not-a-uuid", "/api/v1/contracts/x/privacy-budget"):
        assert training.call("GET", path, consumer.did)[0] == 400
    assert training.call("GET", f"/api/v1/training-jobs/{NO_SUCH_JOB}", consumer.did)[0] == 404
    status, problem = training.call("GET", f"/api/v1/contracts/{contract_id}/datasets",
                                    party().did)
    assert (status, problem["code"]) == (404, "not_found")


def test_datasets_are_granted_and_listed_over_http(training):
    provider, consumer = party(), party()
    made = contract(training.services, provider, consumer, status=Status.SIGNED)
    path = f"/api/v1/contracts/{made.id}/datasets"
    status, grant = training.call("POST", path, provider.did,
                                  {"dataset_id": "mnist-train", "size": 1024})
    assert (status, grant["dataset_id"], grant["media_type"]) == (201, "mnist-train",
                                                                  "application/zip")
    assert training.call("POST", path, consumer.did,
                         {"dataset_id": "mnist-train", "size": 1024})[0] == 403
    for body in ({"dataset_id": "mnist-train", "size": 0},
                 {"dataset_id": "mnist-train", "size": 10**12},
                 {"dataset_id": "../../x", "size": 1}, {"dataset_id": "other", "size": 1}):
        assert training.call("POST", path, provider.did, body)[0] == 400
    assert training.call("GET", path, consumer.did) == (
        200, {"items": [{"id": "mnist-train", "registered": False, "sha256": None,
                         "size": None, "train_examples": None, "test_examples": None,
                         "uploader": None, "registered_at": None, "version": None}]})


def test_a_verified_result_and_its_model_link_over_http(tmp_path):
    services, module = attested_services(tmp_path)
    training = Training(services)
    provider, consumer = party(), party()
    made = contract(services, provider, consumer,
                    terms=training_terms(enclave_measurements=[{"pcr0": module.pcrs[0].hex()}]))
    job = completed(services, module, consumer, made.id)
    one = f"/api/v1/training-jobs/{job.job_id}"
    status, verified = training.call("GET", one + "/verification", provider.did)
    assert (status, verified["valid"], verified["simulated"]) == (200, True, True)
    assert [check["name"] for check in verified["checks"]] == [
        "format", "attestation", "image", "binding", "contract", "budget"]
    status, link = training.call("GET", one + "/model", consumer.did)
    assert (status, link["size"], link["expires_in"]) == (200, 5, 300)
    status, shown = training.call("GET", one, consumer.did)
    assert (status, shown["status"], shown["result"]["statement"]["epsilon_spent"]) == (
        200, "completed", "0.5")


def test_the_provider_and_admins_stop_jobs_and_ended_contracts_answer_with_their_problem(
        tmp_path):
    services, module = attested_services(tmp_path)
    training = Training(services)
    provider, consumer, admin = party(), party(), party()
    made = contract(services, provider, consumer,
                    terms=training_terms(enclave_measurements=[{"pcr0": module.pcrs[0].hex()}],
                                         trained_models="withdrawn_at_end"))
    jobs = [training.call("POST", "/api/v1/training-jobs", consumer.did,
                          job_request(made.id, epsilon="0.5"))[1]["id"] for _ in range(3)]
    status, stopped = training.call("POST", f"/api/v1/training-jobs/{jobs[0]}/stop",
                                    provider.did)
    assert (status, stopped["status"], stopped["stop_cause"]) == (200, "stopped", "provider")
    status, stopped = training.call("POST", f"/api/v1/training-jobs/{jobs[1]}/stop",
                                    admin.did, roles="admin")
    assert (status, stopped["stop_cause"]) == (200, "admin")
    status, problem = training.call("POST", f"/api/v1/training-jobs/{jobs[2]}/stop",
                                    admin.did, roles="auditor")
    assert (status, problem["code"]) == (403, "forbidden")
    job = completed(services, module, consumer, made.id)
    past = replace(made.content, valid_until="2026-01-02T00:00:00.000Z")
    services.contract_file.put(replace(made, content=past))  # over, the expiry not recorded
    status, problem = training.call("POST", "/api/v1/training-jobs", consumer.did,
                                    job_request(made.id))
    assert (status, problem["code"]) == (409, "validity_ended")
    status, problem = training.call("GET", f"/api/v1/training-jobs/{job.job_id}/model",
                                    consumer.did)
    assert (status, problem["code"]) == (410, "model_withdrawn")
    moved_to(services, made, Status.TERMINATED)
    status, problem = training.call("POST", "/api/v1/training-jobs", consumer.did,
                                    job_request(made.id))
    assert (status, problem["code"]) == (409, "illegal_transition")
