"""Edit stored records directly in DynamoDB on the local stack: the verification report names
what broke, and a record edited into something unreadable is a problem, not a stack trace.
Every other kind of tampering is tested on the services in memory
(tests/unit/services/test_contract_evidence.py), and decoding every unreadable field on the
DynamoDB adapter (tests/contract/test_contract_store.py)."""

from __future__ import annotations

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


@pytest.mark.parametrize("attribute, value", [("status", {"S": "bogus"})])
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
