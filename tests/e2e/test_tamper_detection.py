"""Edit stored records directly in DynamoDB: the verification report names what broke."""

from __future__ import annotations

import json

import boto3
import pytest

pytestmark = pytest.mark.e2e


@pytest.fixture
def active(new_party):
    provider, consumer = new_party("eth"), new_party("ed25519")
    from tests.e2e.test_contracts_api import body

    contract = provider.client.create_contract(body(consumer.did))
    provider.client.transition(contract["id"], "submit")
    provider.client.sign_contract(contract["id"], provider.signer)
    consumer.client.sign_contract(contract["id"], consumer.signer)
    provider.client.transition(contract["id"], "activate")
    assert provider.client.verify(contract["id"])["valid"]
    return provider, consumer, contract["id"]


def dynamodb():
    return boto3.client("dynamodb")


def set_contract(contract_id, attribute, value):
    dynamodb().update_item(
        TableName="cms-contracts", Key={"contract_id": {"S": contract_id}},
        UpdateExpression="SET #a = :v", ExpressionAttributeNames={"#a": attribute},
        ExpressionAttributeValues={":v": value})


def set_event(contract_id, seq, attribute, value):
    dynamodb().update_item(
        TableName="cms-audit", Key={"stream": {"S": f"contract:{contract_id}"},
                                    "seq": {"N": str(seq)}},
        UpdateExpression="SET #a = :v", ExpressionAttributeNames={"#a": attribute},
        ExpressionAttributeValues={":v": value})


def failures(party, contract_id):
    report = party.client.verify(contract_id)
    assert report["valid"] is False
    return {c["name"]: c["detail"] for c in report["checks"] if not c["ok"]}


def test_editing_the_title_breaks_the_digest_and_the_snapshot(active):
    provider, _, contract_id = active
    set_contract(contract_id, "title", {"S": "A different deal"})
    broken = failures(provider, contract_id)
    assert set(broken) == {"digest", "snapshot.title"}
    assert "A different deal" in broken["snapshot.title"]


def test_editing_terms_is_caught(active):
    provider, _, contract_id = active
    set_contract(contract_id, "terms", {"S": json.dumps({"price": 1})})
    assert set(failures(provider, contract_id)) == {"digest", "snapshot.terms"}


def test_editing_the_status_is_caught(active):
    provider, _, contract_id = active
    set_contract(contract_id, "status", {"S": "completed"})
    assert set(failures(provider, contract_id)) == {"snapshot.status"}


def test_replacing_a_signature_is_caught(active):
    provider, consumer, contract_id = active
    item = dynamodb().get_item(TableName="cms-contracts",
                               Key={"contract_id": {"S": contract_id}})["Item"]
    signatures = json.loads(item["signatures"]["S"])
    signatures[1]["signature"] = "00" * 64
    set_contract(contract_id, "signatures", {"S": json.dumps(signatures)})
    broken = failures(provider, contract_id)
    assert set(broken) == {"snapshot.signatures", f"signature:{consumer.did}"}


def test_editing_an_event_breaks_its_hash(active):
    provider, _, contract_id = active
    set_event(contract_id, 1, "data", {"S": json.dumps({"digest": "ab" * 32})})
    broken = failures(provider, contract_id)
    assert "audit_chain.event[1]" in broken and "recomputed" in broken["audit_chain.event[1]"]


def test_editing_an_event_actor_breaks_its_hash(active):
    provider, _, contract_id = active
    set_event(contract_id, 3, "actor", {"S": provider.did})
    assert "audit_chain.event[3]" in failures(provider, contract_id)


def test_deleting_the_last_event_is_caught(active):
    provider, _, contract_id = active
    dynamodb().delete_item(TableName="cms-audit", Key={
        "stream": {"S": f"contract:{contract_id}"}, "seq": {"N": "4"}})
    broken = failures(provider, contract_id)
    assert {"audit_chain.head", "snapshot.status", "snapshot.version"} <= set(broken)


def test_editing_the_version_or_timestamps_is_caught(active):
    provider, _, contract_id = active
    set_contract(contract_id, "version", {"N": "42"})
    set_contract(contract_id, "created_at", {"S": "2000-01-01T00:00:00.000Z"})
    assert set(failures(provider, contract_id)) == {"snapshot.version", "snapshot.created_at"}


@pytest.mark.parametrize("attribute, value", [
    ("status", {"S": "bogus"}),
    ("signatures", {"S": "[{}]"}),
    ("terms", {"S": "{not json"}),
    ("version", {"S": "forty-two"}),
    ("title", {"N": "7"}),
])
def test_unreadable_values_are_reported_not_500(active, attribute, value):
    provider, _, contract_id = active
    set_contract(contract_id, attribute, value)
    broken = failures(provider, contract_id)
    assert f"snapshot.{attribute}" in broken and "cannot be read" in broken[f"snapshot.{attribute}"]
    from cms_client import ApiError

    with pytest.raises(ApiError) as error:
        provider.client.get_contract(contract_id)
    assert error.value.status == 500 and error.value.code == "corrupt_record"
    assert attribute in error.value.problem["fields"]
