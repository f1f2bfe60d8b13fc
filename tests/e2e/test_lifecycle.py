"""The lifecycle workflow on the local stack: Step Functions (moto's interpreter) waits for the
signatures on a task token, expires at the signing deadline, activates at valid_from, and
hands expiry to a one-time schedule; every step is published on the EventBridge bus."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from tests.e2e.test_contracts_api import expect_error

pytestmark = pytest.mark.e2e


@pytest.fixture
def parties(new_party):
    return new_party("eth"), new_party("ed25519")


@pytest.fixture(scope="module")
def bus_events(stack):
    """Every event on the CMS bus, read from a queue a test rule feeds."""
    events, sqs = boto3.client("events"), boto3.client("sqs")
    queue = sqs.create_queue(QueueName=f"test-bus-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    events.put_rule(Name="test-all", EventBusName="cms-events",
                    EventPattern=json.dumps({"source": ["cms.contracts"]}))
    events.put_targets(Rule="test-all", EventBusName="cms-events",
                       Targets=[{"Id": "q", "Arn": arn}])
    seen: list[dict] = []

    def of(contract_id: str) -> list[dict]:
        while True:
            messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10,
                                           WaitTimeSeconds=0).get("Messages", [])
            if not messages:
                break
            for message in messages:
                seen.append(json.loads(message["Body"]))
                sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
        return [event for event in seen if event["detail"]["contract_id"] == contract_id]

    return of


def body(consumer_did, *, starts_in=0.0, lasts=3600.0):
    now = datetime.now(UTC)
    return {"title": "Lifecycle", "consumer_did": consumer_did, "terms": {"a": 1},
            "valid_from": (now + timedelta(seconds=starts_in)).isoformat(),
            "valid_until": (now + timedelta(seconds=starts_in + lasts)).isoformat()}


def wait_for(check, timeout=30.0, every=0.25):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"not within {timeout}s")


def status_becomes(client, contract_id, status, timeout=30.0):
    return wait_for(lambda: client.get_contract(contract_id)["status"] == status, timeout)


def executions(contract_id):
    sfn = boto3.client("stepfunctions")
    [machine] = [m for m in sfn.list_state_machines()["stateMachines"]
                 if m["name"] == "cms-contract-lifecycle"]
    pages = sfn.get_paginator("list_executions").paginate(
        stateMachineArn=machine["stateMachineArn"])
    return [e for page in pages for e in page["executions"] if e["name"].startswith(contract_id)]


def sign_both(provider, consumer, contract_id):
    provider.client.sign_contract(contract_id, provider.signer)
    return consumer.client.sign_contract(contract_id, consumer.signer)


def test_signed_contract_activates_at_valid_from_and_expires_at_valid_until(parties,
                                                                            bus_events):
    provider, consumer = parties
    contract = provider.client.create_contract(body(consumer.did, starts_in=4, lasts=6))
    provider.client.transition(contract["id"], "submit")
    wait_for(lambda: executions(contract["id"]))  # started from the audit stream
    signed = sign_both(provider, consumer, contract["id"])
    assert signed["status"] == "signed"
    status_becomes(provider.client, contract["id"], "active", timeout=20)
    active = provider.client.get_contract(contract["id"])
    activated = [e for e in consumer.client.events(contract["id"])
                 if e["type"] == "contract.activated"]
    assert activated[0]["actor"] == "system:lifecycle"
    assert activated[0]["at"] >= active["valid_from"]
    status_becomes(provider.client, contract["id"], "expired", timeout=25)
    assert len(executions(contract["id"])) == 1
    assert wait_for(lambda: executions(contract["id"])[0]["status"] == "SUCCEEDED")
    def published_types():
        types = [e["detail-type"] for e in bus_events(contract["id"])]
        return types if "contract.expired" in types else None

    types = wait_for(published_types)
    assert types[:5] == ["contract.created", "contract.submitted", "contract.signed",
                         "contract.signed", "contract.activated"]
    assert "contract.reminder" in types  # expiry reminder 4 s before valid_until
    published = bus_events(contract["id"])
    last_signature = [e for e in published if e["detail-type"] == "contract.signed"][-1]
    assert last_signature["detail"]["status"] == "signed"
    assert set(last_signature["detail"]["parties"]) == {provider.did, consumer.did}
    assert "did_document" not in last_signature["detail"]["data"]
    assert provider.client.verify(contract["id"])["valid"]


def test_unsigned_at_the_signing_deadline_the_contract_expires(parties, bus_events):
    provider, consumer = parties
    contract = provider.client.create_contract(body(consumer.did))
    deadline = (datetime.now(UTC) + timedelta(seconds=6)).isoformat()
    submitted = provider.client.transition(contract["id"], "submit",
                                           {"signing_deadline": deadline})
    assert submitted["signing_deadline"] is not None
    provider.client.sign_contract(contract["id"], provider.signer)
    status_becomes(provider.client, contract["id"], "expired", timeout=25)
    expired = [e for e in provider.client.events(contract["id"])
               if e["type"] == "contract.expired"]
    assert expired[0]["data"] == {"reason": "signing_deadline_passed"}
    expect_error(lambda: consumer.client.sign_contract(contract["id"], consumer.signer),
                 409, "illegal_transition")
    types = [e["detail-type"] for e in bus_events(contract["id"])]
    assert "contract.reminder" in types  # signing reminder 4 s before the deadline
    reminder = next(e for e in bus_events(contract["id"])
                    if e["detail-type"] == "contract.reminder")
    assert reminder["detail"]["data"] == {"kind": "signing_deadline",
                                          "due_at": submitted["signing_deadline"]}


def test_changes_end_the_execution_and_a_resubmission_starts_another(parties):
    provider, consumer = parties
    contract = provider.client.create_contract(body(consumer.did))
    provider.client.transition(contract["id"], "submit")
    wait_for(lambda: executions(contract["id"]))
    consumer.client.transition(contract["id"], "request-changes", {"reason": "price"})
    wait_for(lambda: executions(contract["id"])[0]["status"] == "SUCCEEDED")
    provider.client.update_contract(contract["id"], {"terms": {"a": 2}})
    provider.client.transition(contract["id"], "submit")
    wait_for(lambda: len(executions(contract["id"])) == 2)
    sign_both(provider, consumer, contract["id"])
    status_becomes(provider.client, contract["id"], "active", timeout=20)
    wait_for(lambda: [e["status"] for e in executions(contract["id"])] == ["SUCCEEDED"] * 2)


def test_termination_before_valid_from_ends_the_workflow(parties):
    provider, consumer = parties
    contract = provider.client.create_contract(body(consumer.did, starts_in=5))
    provider.client.transition(contract["id"], "submit")
    sign_both(provider, consumer, contract["id"])
    provider.client.transition(contract["id"], "terminate", {"reason": "cancelled"})
    wait_for(lambda: executions(contract["id"])
             and executions(contract["id"])[0]["status"] == "SUCCEEDED", timeout=20)
    assert provider.client.get_contract(contract["id"])["status"] == "terminated"
    types = [e["type"] for e in provider.client.events(contract["id"])]
    assert "contract.activated" not in types


def test_a_redelivered_request_for_changes_does_not_end_the_next_submission(parties, stack):
    """The stream delivers at least once: an old event must not fail a newer task token."""
    provider, consumer = parties
    contract = provider.client.create_contract(body(consumer.did))
    provider.client.transition(contract["id"], "submit")
    consumer.client.transition(contract["id"], "request-changes", {"reason": "price"})
    provider.client.transition(contract["id"], "submit")
    wait_for(lambda: len(executions(contract["id"])) == 2)
    old = boto3.client("dynamodb").get_item(
        TableName="cms-audit", Key={"stream": {"S": f"contract:{contract['id']}"},
                                    "seq": {"N": "2"}})["Item"]
    assert old["event_type"]["S"] == "contract.changes_requested"
    wait_for(lambda: boto3.client("dynamodb").get_item(  # the second one awaits its token
        TableName="cms-workflows", Key={"contract_id": {"S": contract["id"]}}
    ).get("Item", {}).get("submission", {}).get("N") == "3")
    stack.invoke("events", {"Records": [{"eventName": "INSERT",
                                         "dynamodb": {"NewImage": old}}]})
    sign_both(provider, consumer, contract["id"])
    status_becomes(provider.client, contract["id"], "active", timeout=20)
