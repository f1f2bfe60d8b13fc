"""Local-stack throughput and latency of create + get over HTTP.

Baselines measured in the same run, on the same machine and stack:
  * jwks: a public route through the gateway and a handler, no database work;
  * dynamo: a raw DynamoDB PutItem + GetItem pair against the same moto server.
The ratios show what the API adds over the transport floor and over the storage floor.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "200"))
THREADS = int(os.environ.get("BENCH_THREADS", "4"))


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run(label: str, operation, baseline: float | None = None) -> float:
    latencies: list[float] = []

    def timed(_: int) -> None:
        started = time.perf_counter()
        operation()
        latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(timed, range(REQUESTS)))
    elapsed = time.perf_counter() - started
    p50 = statistics.median(latencies)
    ratio = f"{p50 / baseline:8.2f}" if baseline else f"{1.0:8.2f}"
    print(f"{label:<22} {REQUESTS / elapsed:9.1f} {p50 * 1000:9.1f} "
          f"{percentile(latencies, 0.99) * 1000:9.1f} {ratio}")
    return p50


def main() -> None:
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
    import boto3
    import httpx

    from cms_client import CmsClient, Ed25519Signer, EthereumSigner
    from local_stack.stack import LocalStack, free_port, lifted_request_limits

    stack = LocalStack(api_port=free_port(), log=lambda *_: None, extra_env={
        "CMS_SIGNIN_IP_BURST": "100000", "CMS_SIGNIN_IP_PER_MINUTE": "100000",
        **lifted_request_limits()}).start()
    try:
        provider_key, consumer = EthereumSigner(chain_id=31337), Ed25519Signer()
        provider = CmsClient(stack.url)
        provider.register(provider_key)
        provider.sign_in(provider_key)
        now = datetime.now(UTC)
        body = {"title": "bench", "consumer_did": consumer.did, "terms": {"k": 1},
                "valid_from": now.isoformat(),
                "valid_until": (now + timedelta(days=1)).isoformat()}
        http = httpx.Client(timeout=30)
        dynamodb = boto3.client("dynamodb")

        def raw_dynamo() -> None:
            key = {"nonce": {"S": os.urandom(8).hex()}}
            dynamodb.put_item(TableName="cms-challenges", Item={**key, "did": {"S": "x"}})
            dynamodb.get_item(TableName="cms-challenges", Key=key, ConsistentRead=True)

        def create_and_get() -> None:
            created = provider.create_contract(body)
            provider.get_contract(created["id"])

        print(f"{REQUESTS} operations, {THREADS} client threads, local stack on moto")
        print(f"{'operation':<22} {'ops/s':>9} {'p50 ms':>9} {'p99 ms':>9} {'x base':>8}")
        floor = run("dynamo put+get (base)", raw_dynamo)
        jwks = run("GET jwks", lambda: http.get(stack.url + "/.well-known/jwks.json"), floor)
        both = run("create + get", create_and_get, floor)
        print(f"create + get p50 = {both / jwks:.2f} x GET jwks p50 (gateway + handler floor)")
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
