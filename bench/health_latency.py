"""How long a health check takes with every probe, against the check it replaced, in one run.

On the local stack (moto, anvil with the ledger, the enclave parent reporting), with the meta
function's own configuration:
  * old: what /health did before: DescribeTable on every table, then the token keys, one
    after the other;
  * new: every dependency (tables, buckets, queues, the bus, the token keys, the chain and the
    signer's balance, anchoring, the enclave parents) probed at once, no cached report;
  * GET /health through the gateway without the report cache, with it (the default 5 s), and
    GET /.well-known/jwks.json (the gateway and a handler, nothing probed) as the floor.
The ratio new/old is what checking everything costs over checking the tables alone.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "40"))
SETTLE_S = 180  # the enclave app imports torch before the parent reports


def measure(label: str, operation: Callable[[], object],
            baseline: float | None = None) -> float:
    operation()  # warm: clients, connections, imports
    samples = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        operation()
        samples.append(time.perf_counter() - started)
    p50 = statistics.median(samples)
    p99 = sorted(samples)[min(len(samples) - 1, int(0.99 * len(samples)))]
    ratio = f"{p50 / baseline:7.2f}" if baseline else f"{1.0:7.2f}"
    print(f"{label:<44} {p50 * 1000:8.1f} {p99 * 1000:8.1f} {ratio}")
    return p50


def old_check(services) -> Callable[[], object]:
    """The check this replaced: every table described, then the keys, one after the other."""
    from cms.adapters.aws import client
    from cms.adapters.tables import TABLE_SPECS

    def check() -> None:
        for spec in TABLE_SPECS:
            client("dynamodb").describe_table(TableName=services.settings.resource(
                spec.env_var))
        services.tokens.jwks()

    return check


def main() -> None:
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
    import httpx

    from cms.services.health import HealthService
    from local_stack.stack import LocalStack, free_port

    stack = LocalStack(api_port=free_port(), log=lambda *_: None,
                       extra_env={"CMS_HEALTH_CACHE_TTL_S": "0"}).start()
    try:
        http = httpx.Client(timeout=30)
        deadline = time.monotonic() + SETTLE_S
        while http.get(stack.url + "/health").json().get("status") != "ok":
            if time.monotonic() > deadline:
                print("note: not every dependency is ok yet; measuring anyway")
                break
            time.sleep(1)
        services = stack.services("meta")
        health = HealthService(services.health_dependencies(),
                               timeout_s=services.settings.health_probe_timeout_s)
        report = health.check()
        print(f"{len(report.checks)} dependencies ({report.status.value}), {ROUNDS} rounds, "
              "local stack on moto and anvil")
        print(f"{'':<44} {'p50 ms':>8} {'p99 ms':>8} {'ratio':>7}")
        old = measure("old check (tables + keys, one by one)", old_check(services))
        measure("new check (every dependency, at once)", health.check, old)
        cached = HealthService(services.health_dependencies(), cache_ttl_s=5)
        measure("new check, report reused (5 s cache)", cached.check, old)
        floor = measure("GET /.well-known/jwks.json (floor)",
                        lambda: http.get(stack.url + "/.well-known/jwks.json"), old)
        served = measure("GET /health, no report cache",
                         lambda: http.get(stack.url + "/health"), old)
        slowest = max(report.checks.items(), key=lambda item: item[1].latency_ms)
        print(f"GET /health over the gateway floor: {served / floor:.2f}x; slowest probe in "
              f"the first report: {slowest[0]} ({slowest[1].latency_ms} ms)")
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
