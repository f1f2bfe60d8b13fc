"""Training jobs over HTTP: admission by the consumer of an active AI-training contract,
checked against the terms, with the privacy budget reserved atomically."""

from __future__ import annotations

import threading

import pytest

from tests.e2e.test_contracts_api import expect_error
from tests.e2e.test_templates_api import training_variables
from tests.e2e.test_training_runs import active_contract
from tests.e2e.test_training_runs import start as job

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def jobs_stay_pending(stack):
    """These tests look at admission and pending jobs: the parent service holds off."""
    with stack.paused("training-parent"):
        yield


@pytest.fixture
def active(new_party):
    return active_contract(new_party)


def test_the_consumer_reserves_budget_and_stopping_gives_it_back(active):
    provider, consumer, contract_id = active
    created = job(consumer.client, contract_id, epsilon=1.25)
    assert (created["status"], created["privacy_budget"]) == ("pending", "1.250000000")
    budget = provider.client._call("GET", f"/api/v1/contracts/{contract_id}/privacy-budget")
    assert (budget["epsilon_reserved"], budget["epsilon_available"]) == (
        "1.250000000", "1.750000000")
    assert [j["id"] for j in budget["jobs"]] == [created["id"]]
    assert provider.client._call("GET", f"/api/v1/training-jobs/{created['id']}")["id"] == \
        created["id"]
    stopped = consumer.client._call("POST", f"/api/v1/training-jobs/{created['id']}/stop")
    assert (stopped["status"], stopped["privacy_budget_spent"]) == ("stopped", "0.000000000")
    budget = consumer.client._call("GET", f"/api/v1/contracts/{contract_id}/privacy-budget")
    assert budget["epsilon_available"] == "3.000000000"
    expect_error(lambda: consumer.client._call(
        "POST", f"/api/v1/training-jobs/{created['id']}/stop"), 409, "illegal_transition")


def test_concurrent_jobs_cannot_overspend(active):
    _, consumer, contract_id = active
    outcomes: list[str] = []

    def ask() -> None:
        try:
            job(consumer.client, contract_id, epsilon=0.7)
            outcomes.append("ok")
        except Exception as error:  # ApiError
            outcomes.append(getattr(error, "code", repr(error)))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ok"] * 4 + ["privacy_budget_exceeded"] * 4
    budget = consumer.client._call("GET", f"/api/v1/contracts/{contract_id}/privacy-budget")
    assert budget["epsilon_available"] == "0.200000000" and len(budget["jobs"]) == 4


def test_jobs_outside_the_terms_or_by_the_wrong_party_are_refused(active, new_party):
    provider, consumer, contract_id = active
    problem = expect_error(lambda: job(consumer.client, contract_id, epochs=500, epsilon=9),
                           400, "validation_error")
    assert {e["pointer"] for e in problem["errors"]} == {"/config/epochs", "/config/epsilon"}
    expect_error(lambda: job(provider.client, contract_id), 403, "forbidden")
    expect_error(lambda: job(new_party().client, contract_id), 404, "not_found")
    budget = consumer.client._call("GET", f"/api/v1/contracts/{contract_id}/privacy-budget")
    assert budget["jobs"] == [] and budget["epsilon_reserved"] == "0.000000000"


def test_only_active_training_contracts_take_jobs(new_party):
    from datetime import UTC, datetime, timedelta

    provider, consumer = new_party("eth"), new_party("ed25519")
    draft = provider.client.create_contract({
        "template_id": "ai_training", "consumer_did": consumer.did,
        "variables": training_variables()})
    expect_error(lambda: job(consumer.client, draft["id"]), 409, "illegal_transition")
    now = datetime.now(UTC)
    plain = provider.client.create_contract({
        "title": "Plain", "consumer_did": consumer.did, "terms": {"purpose": "sharing"},
        "valid_from": now.isoformat(), "valid_until": (now + timedelta(days=1)).isoformat()})
    provider.client.transition(plain["id"], "submit")
    provider.client.sign_contract(plain["id"], provider.signer)
    consumer.client.sign_contract(plain["id"], consumer.signer)
    consumer.client.transition(plain["id"], "activate")
    expect_error(lambda: job(consumer.client, plain["id"]), 409, "not_a_training_contract")
