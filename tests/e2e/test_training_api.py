"""Training jobs over the gateway: what only the stack shows (status codes, Location, ETag and
304 for polling, problems as the gateway returns them), and hostile terms answered with a 409
problem, never a 500. The admission rules themselves (terms, parties, states, concurrent
reservations) are tested on the service in tests/unit/services/test_training.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.e2e.test_contracts_api import expect_error
from tests.e2e.test_training_runs import active_contract
from tests.e2e.test_training_runs import start as job

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def jobs_stay_pending(stack):
    """These tests look at admission and pending jobs: the parent service holds off."""
    with stack.paused("training-parent"):
        yield


def test_a_job_is_created_polled_and_stopped_through_the_gateway(new_party):
    provider, consumer, contract_id = active_contract(new_party)
    response = consumer.client._request("POST", "/api/v1/training-jobs", {
        "contract_id": contract_id, "model": "mnist_cnn",
        "config": {"epochs": 1, "epsilon": "1.25"}})
    created = response.json()
    assert (response.status_code, created["status"], created["privacy_budget"]) == (
        201, "pending", "1.250000000")
    one = f"/api/v1/training-jobs/{created['id']}"
    assert response.headers["Location"] == one
    polled = provider.client._request("GET", one)
    assert polled.json() == created and polled.headers["ETag"]
    stranger = new_party("eth")  # no party to the contract: learns nothing, not even its tag
    expect_error(lambda: stranger.client._call("GET", one), 404, "not_found")
    unchanged = provider.client._request("GET", one,
                                         headers={"If-None-Match": polled.headers["ETag"]})
    assert unchanged.status_code == 304
    budget = provider.client._call("GET", f"/api/v1/contracts/{contract_id}/privacy-budget")
    assert (budget["epsilon_available"], [j["id"] for j in budget["jobs"]]) == (
        "1.750000000", [created["id"]])
    stopped = consumer.client._call("POST", one + "/stop")
    assert (stopped["status"], stopped["privacy_budget_spent"]) == ("stopped", "0.000000000")
    assert provider.client._request(
        "GET", one, headers={"If-None-Match": polled.headers["ETag"]}).status_code == 200
    expect_error(lambda: consumer.client._call("POST", one + "/stop"), 409,
                 "illegal_transition")
    problem = expect_error(lambda: job(consumer.client, contract_id, epochs=500, epsilon=9),
                           400, "validation_error")
    assert {e["pointer"] for e in problem["errors"]} == {"/config/epochs", "/config/epsilon"}
    expect_error(lambda: job(consumer.client, contract_id, epsilon="1e20"), 400,
                 "validation_error")
    expect_error(lambda: consumer.client._call("GET", "/api/v1/training-jobs/not-an-id"),
                 400, "validation_error")


@pytest.mark.parametrize("epsilon", ["1e20", "9" * 2_000])  # the rest: unit tests
def test_a_contract_with_hostile_terms_is_a_409_on_every_training_route(new_party, epsilon):
    provider, consumer = new_party("eth"), new_party("ed25519")
    now = datetime.now(UTC)
    terms = {"privacy_budget": {"epsilon": epsilon, "delta": 1e-6, "accountant": "prv"},
             "model_architectures": ["mnist_cnn"], "max_epochs": 5,
             "datasets": [{"id": "mnist-train"}], "allowed_operations": ["training"]}
    plain = provider.client.create_contract({
        "title": "Hostile", "consumer_did": consumer.did, "terms": terms,
        "valid_from": now.isoformat(), "valid_until": (now + timedelta(days=1)).isoformat()})
    provider.client.transition(plain["id"], "submit")
    provider.client.sign_contract(plain["id"], provider.signer)
    consumer.client.sign_contract(plain["id"], consumer.signer)
    consumer.client.transition(plain["id"], "activate")
    routes = [
        lambda: provider.client._call("GET", f"/api/v1/contracts/{plain['id']}/privacy-budget"),
        lambda: consumer.client._call("GET", f"/api/v1/contracts/{plain['id']}/datasets"),
        lambda: provider.client._call("POST", f"/api/v1/contracts/{plain['id']}/datasets",
                                      {"dataset_id": "mnist-train", "size": 10}),
        lambda: job(consumer.client, plain["id"]),
    ]
    for route in routes:
        problem = expect_error(route, 409, "not_a_training_contract")
        assert problem["term"] == "privacy_budget.epsilon"


def test_jobs_are_listed_for_their_parties_across_contracts_through_the_gateway(new_party):
    provider, consumer, contract_id = active_contract(new_party)
    first = job(consumer.client, contract_id, epsilon="0.5")
    second = job(consumer.client, contract_id, epsilon="0.5")
    consumer.client._call("POST", f"/api/v1/training-jobs/{first['id']}/stop")
    listed = [j["id"] for j in consumer.client.iter_training_jobs(limit=1)]
    assert listed == [second["id"], first["id"]]
    assert [j["id"] for j in provider.client.iter_training_jobs(status="stopped")] == [
        first["id"]]
    page = provider.client.list_training_jobs(contract_id=contract_id, status="pending")
    assert [j["id"] for j in page["items"]] == [second["id"]]
    assert page["items"][0]["provider_did"] == provider.did
    stranger = new_party("eth")
    assert stranger.client.list_training_jobs()["items"] == []
    expect_error(lambda: stranger.client.list_training_jobs(contract_id=contract_id), 404,
                 "not_found")
    expect_error(lambda: consumer.client.list_training_jobs(status="done"), 400,
                 "validation_error")
    expect_error(lambda: consumer.client.list_training_jobs(cursor="not-a-cursor"), 400,
                 "validation_error")
    far = "1970-01-01T00:00:00.000Z_00000000-0000-0000-0000-000000000000"
    assert consumer.client.list_training_jobs(cursor=far) == {"items": [],
                                                               "next_cursor": None}
