"""What the per-identity request limit costs each request (cms.api.limits).

1. The bucket store on DynamoDB (moto's server, in a process of its own, over loopback): time and
   DynamoDB calls per take for a new bucket, a busy one and a refusal, against two baselines
   measured in the same run on the same server:
     * floor: one unconditional UpdateItem of the same item (the least a shared counter costs);
     * before: the store this replaced (a consistent GetItem, then a conditional PutItem).
   Then takers racing one bucket from threads: tokens granted must equal the burst.
2. A request through the HTTP entry point (GET /api/v1/contracts on the in-memory services),
   with the limit check on the in-memory store and on the DynamoDB store, against the same
   request whose store admits without any work (the request without the check), and that
   request followed by one plain UpdateItem (the round trip any shared counter costs).

moto is not DynamoDB (no network, one lock around its DynamoDB backend): the ratios and the
calls per take carry over, the milliseconds do not.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "300"))
BIG = {"burst": 1_000_000, "per_minute": 60_000_000}


def interleaved_ms(cases: list[tuple[str, Callable[[], object]]],
                   rounds: int = ROUNDS) -> dict[str, float]:
    """Median milliseconds per call of each case, the cases taking turns every round so that
    a busy machine slows them alike."""
    samples: dict[str, list[float]] = {label: [] for label, _ in cases}
    for _, operation in cases:
        operation()  # warm
    for _ in range(rounds):
        for label, operation in cases:
            started = time.perf_counter()
            operation()
            samples[label].append(time.perf_counter() - started)
    return {label: statistics.median(values) * 1000 for label, values in samples.items()}


class ReadThenPut:
    """The store before: read the bucket consistently, then put it back conditioned on the
    value read (its calls, made here with boto3 as the baseline)."""

    def take(self, bucket_key: str, *, burst: int, per_minute: int) -> bool:
        from botocore.exceptions import ClientError

        from cms.adapters.aws import client
        from cms.adapters.tables import RateLimitRecord

        dynamodb, table = client("dynamodb"), RateLimitRecord.Meta.table_name
        key = {"bucket": {"S": bucket_key}}
        for _ in range(4):
            item = dynamodb.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")
            now, rate = time.time(), per_minute / 60.0
            tokens = float(burst) if item is None else min(float(burst), float(
                item["tokens"]["N"]) + (now - float(item["refilled_at"]["N"])) * rate)
            allowed = tokens >= 1.0
            condition = ({"ConditionExpression": "attribute_not_exists(#b)",
                          "ExpressionAttributeNames": {"#b": "bucket"}} if item is None
                         else {"ConditionExpression": "refilled_at = :seen",
                               "ExpressionAttributeValues": {":seen": item["refilled_at"]}})
            try:
                dynamodb.put_item(TableName=table, Item={
                    **key, "tokens": {"N": repr(tokens - 1.0 if allowed else tokens)},
                    "refilled_at": {"N": repr(now)}, "ttl": {"N": str(int(now) + 120)}},
                    **condition)
                return allowed
            except ClientError as error:
                if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                    raise
                continue
        return False


@contextmanager
def moto_process() -> Iterator[None]:
    """moto in a process of its own, so that its work does not share this process's
    interpreter lock with the client's; the environment points at it meanwhile."""
    from local_stack.moto_process import moto_in_own_process
    from local_stack.stack import aws_environment

    with moto_in_own_process() as port:
        os.environ.update(aws_environment(port))
        yield


def counting(calls: list[str]):
    def count(event_name: str, **_: object) -> None:
        calls.append(event_name.rsplit(".", 1)[-1])

    return count


def store_section() -> None:
    from cms.adapters.aws import client
    from cms.adapters.rate_limit_store import DynamoRateLimitStore
    from cms.adapters.tables import RateLimitRecord

    dynamodb, calls = client("dynamodb"), []
    dynamodb.meta.events.register("before-call.dynamodb.*", counting(calls))
    store, before = DynamoRateLimitStore(), ReadThenPut()
    table = RateLimitRecord.Meta.table_name

    def floor() -> None:
        dynamodb.update_item(TableName=table, Key={"bucket": {"S": "floor"}},
                             UpdateExpression="SET #t = :t", ExpressionAttributeNames={
                                 "#t": "tat"}, ExpressionAttributeValues={":t": {"N": "1"}})

    busy, refusing = f"busy:{uuid.uuid4().hex}", f"refusing:{uuid.uuid4().hex}"
    store.take(refusing, burst=1, per_minute=1)
    cases = [
        ("floor: UpdateItem", floor),
        ("before: Get + cond. Put (busy)", lambda: before.take(busy + ":b", **BIG)),
        ("take: new bucket", lambda: store.take(f"new:{uuid.uuid4().hex}", **BIG)),
        ("take: busy bucket", lambda: store.take(busy, **BIG)),
        ("take: refused", lambda: store.take(refusing, burst=1, per_minute=1)),
    ]
    print(f"bucket store on moto (median of {ROUNDS} rounds, cases interleaved)")
    print(f"{'case':<34} {'ms':>7} {'x floor':>8} {'calls':>6}")
    latencies = interleaved_ms(cases)
    base = latencies[cases[0][0]]
    for label, operation in cases:
        calls.clear()
        operation()
        print(f"{label:<34} {latencies[label]:7.2f} {latencies[label] / base:8.2f} "
              f"{len(calls):6d}")

    race, threads, takers = f"race:{uuid.uuid4().hex}", 8, 200
    store.take(race, burst=50, per_minute=1)  # in use: 49 left
    calls.clear()
    with ThreadPoolExecutor(threads) as pool:
        granted = sum(pool.map(lambda _: store.take(race, burst=50, per_minute=1).allowed,
                               range(takers)))
    print(f"{takers} takers on {threads} threads, 49 tokens left: granted {granted}, "
          f"{len(calls) / takers:.2f} calls per take")


def http_section() -> None:
    from cms.adapters.aws import client
    from cms.adapters.rate_limit_store import DynamoRateLimitStore
    from cms.adapters.tables import RateLimitRecord
    from cms.bootstrap import MemoryServices
    from cms.config import Settings
    from cms.domain.ratelimit import Outcome
    from local_stack.lambdas import fresh_instance
    from tests.unit.test_limits_per_identity import Context

    class AdmitAll:
        def take(self, bucket_key: str, *, burst: int, per_minute: int) -> Outcome:
            return Outcome(True, burst - 1, 1)

    settings = Settings(**{f"rate_limit_{kind}_{part}": value
                           for kind in ("read", "write", "render", "compute", "training",
                                        "upload")
                           for part, value in (("burst", 1_000_000),
                                               ("per_minute", 60_000_000))})
    did = f"did:key:z6Mk{uuid.uuid4().hex}"
    event = {"resource": "/api/v1/contracts", "path": "/api/v1/contracts",
             "httpMethod": "GET", "headers": {}, "multiValueHeaders": {},
             "queryStringParameters": None, "multiValueQueryStringParameters": None,
             "pathParameters": None, "stageVariables": None, "isBase64Encoded": False,
             "body": None, "requestContext": {
                 "authorizer": {"did": did, "roles": ""}, "httpMethod": "GET",
                 "path": "/api/v1/contracts", "resourcePath": "/api/v1/contracts",
                 "stage": "bench", "requestId": "r", "identity": {"sourceIp": "192.0.2.1"}}}
    cases = []
    for number, (label, store) in enumerate([("none (a store that admits)", AdmitAll()),
                                             ("in-memory store", None),
                                             ("DynamoDB store (moto)", DynamoRateLimitStore())]):
        services = MemoryServices(settings)
        if store is not None:
            services.__dict__["rate_limit_store"] = store
        module = fresh_instance("functions.contracts.app", f"bench_contracts_{number}")
        module.runtime.use(services)

        def request(module: Any = module) -> None:
            assert module.handler(dict(event), Context())["statusCode"] == 200

        cases.append((label, request))
    plain_request, dynamodb = cases[0][1], client("dynamodb")

    def request_and_update() -> None:  # the least a shared counter adds: one round trip
        plain_request()
        dynamodb.update_item(TableName=RateLimitRecord.Meta.table_name,
                             Key={"bucket": {"S": "floor"}}, UpdateExpression="SET #t = :t",
                             ExpressionAttributeNames={"#t": "tat"},
                             ExpressionAttributeValues={":t": {"N": "1"}})

    cases.insert(1, ("none + one plain UpdateItem", request_and_update))
    print("\nGET /api/v1/contracts through http_entry, in-memory services "
          f"(median of {ROUNDS} rounds, interleaved)")
    print(f"{'limit check':<34} {'ms':>7} {'x none':>8}")
    latencies = interleaved_ms(cases)
    base = latencies[cases[0][0]]
    for label, _ in cases:
        print(f"{label:<34} {latencies[label]:7.2f} {latencies[label] / base:8.2f}")


def main() -> None:
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
    with moto_process():
        from cms.adapters.tables import RateLimitRecord, bind_tables
        from cms.config import Settings

        bind_tables(Settings.from_environ({**os.environ,
                                           "CMS_RATE_LIMITS_TABLE": "bench-rate-limits"}))
        RateLimitRecord.create_table(wait=True, billing_mode="PAY_PER_REQUEST")
        store_section()
        http_section()


if __name__ == "__main__":
    main()
