"""The local stack's DynamoDB transactions (local_stack/moto_server.py): a cancelled or failed
TransactWriteItems writes nothing, and the table's stream keeps flowing to the readers it has."""

from __future__ import annotations

import uuid
from decimal import Decimal

import boto3
import pytest
from botocore.exceptions import ClientError

pytestmark = pytest.mark.e2e


@pytest.fixture
def table(stack):
    dynamodb = boto3.client("dynamodb")
    name = f"test-tx-{uuid.uuid4().hex[:8]}"
    dynamodb.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
    yield name
    dynamodb.delete_table(TableName=name)


class StreamReader:
    """A consumer holding one shard iterator, as the stack's poller does."""

    def __init__(self, table: str) -> None:
        self._streams = boto3.client("dynamodbstreams")
        arn = boto3.client("dynamodb").describe_table(TableName=table)["Table"]["LatestStreamArn"]
        [shard] = self._streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
        self._iterator = self._streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="LATEST")["ShardIterator"]

    def keys(self) -> list[str]:
        response = self._streams.get_records(ShardIterator=self._iterator)
        self._iterator = response["NextShardIterator"]
        return [record["dynamodb"]["Keys"]["pk"]["S"] for record in response["Records"]]


def put(table: str, pk: str, **condition: str) -> dict:
    return {"Put": {"TableName": table, "Item": {"pk": {"S": pk}, "n": {"N": "1"}}, **condition}}


def transact(*writes: dict) -> str | None:
    try:
        boto3.client("dynamodb").transact_write_items(TransactItems=list(writes))
    except ClientError as error:
        return error.response["Error"]["Code"]
    return None


def stored(table: str) -> set[str]:
    items = boto3.client("dynamodb").scan(TableName=table, ConsistentRead=True)["Items"]
    return {item["pk"]["S"] for item in items}


def test_a_cancelled_transaction_writes_nothing_and_the_stream_keeps_flowing(table):
    reader = StreamReader(table)
    assert transact(put(table, "a")) is None
    conflict = put(table, "a", ConditionExpression="attribute_not_exists(pk)")
    assert transact(put(table, "b"), conflict) == "TransactionCanceledException"
    assert stored(table) == {"a"}
    assert transact(put(table, "c")) is None
    assert reader.keys() == ["a", "c"]


def test_a_write_failing_midway_is_undone_with_its_stream_records(table):
    reader = StreamReader(table)
    assert transact(put(table, "a")) is None
    adds_to_a_string = {"Update": {
        "TableName": table, "Key": {"pk": {"S": "a"}},
        "UpdateExpression": "SET n = n + :text",
        "ExpressionAttributeValues": {":text": {"S": "x"}}}}
    assert transact(put(table, "b"), adds_to_a_string) is not None
    assert stored(table) == {"a"}
    item = boto3.client("dynamodb").get_item(TableName=table, Key={"pk": {"S": "a"}},
                                             ConsistentRead=True)["Item"]
    assert item["n"] == {"N": "1"}
    assert transact(put(table, "c")) is None
    assert reader.keys() == ["a", "c"]


def test_two_writes_to_one_item_are_refused(table):
    assert transact(put(table, "a"), put(table, "a")) == "ValidationException"
    assert stored(table) == set()


def test_sums_that_reach_zero_stay_numbers(table):
    dynamodb = boto3.client("dynamodb")

    def add(amount: str) -> None:
        dynamodb.update_item(TableName=table, Key={"pk": {"S": "budget"}},
                             UpdateExpression="ADD n :amount",
                             ExpressionAttributeValues={":amount": {"N": amount}})

    for amount in ("1.000000000", "-1.000000000", "0.250000000"):
        add(amount)  # moto alone stores 0E-9 after the second and cannot add to it
    item = dynamodb.get_item(TableName=table, Key={"pk": {"S": "budget"}})["Item"]
    assert Decimal(item["n"]["N"]) == Decimal("0.25")
