"""Lifecycle latency on the local stack: from the response to the last signature until the
contract reads `active`, with the workflow in between (audit stream → events function →
Step Functions on moto resumes the task token → lock documents → wait for valid_from →
activate). valid_from is already past, so the figure is the machinery's own latency.

Baseline, measured in the same run: one authenticated GET of the contract (an API round
trip), and the sign request itself.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
CONTRACTS = int(os.environ.get("BENCH_LIFECYCLE_CONTRACTS", "10"))
POLL_S = 0.01


def party(url: str, kind: str):
    from cms_client import CmsClient, Ed25519Signer, EthereumSigner

    signer = EthereumSigner(chain_id=31337) if kind == "eth" else Ed25519Signer()
    client = CmsClient(url)
    client.register(signer)
    client.sign_in(signer)
    return signer, client


def one_contract(provider, consumer) -> tuple[float, float, float]:
    """(sign request s, last signature → active s, GET s) for one contract."""
    (provider_key, provider_api), (consumer_key, consumer_api) = provider, consumer
    now = datetime.now(UTC)
    contract = provider_api.create_contract({
        "title": "bench", "consumer_did": consumer_key.did, "terms": {"n": 1},
        "valid_from": (now - timedelta(minutes=1)).isoformat(),
        "valid_until": (now + timedelta(days=1)).isoformat()})
    provider_api.transition(contract["id"], "submit")
    provider_api.sign_contract(contract["id"], provider_key)
    started = time.perf_counter()
    consumer_api.sign_contract(contract["id"], consumer_key)
    signed = time.perf_counter()
    while provider_api.get_contract(contract["id"])["status"] != "active":
        if time.perf_counter() - signed > 60:
            raise RuntimeError("the contract did not become active within a minute")
        time.sleep(POLL_S)
    active = time.perf_counter()
    provider_api.get_contract(contract["id"])
    return signed - started, active - signed, time.perf_counter() - active


def main() -> None:
    from local_stack.stack import LocalStack, free_port, lifted_request_limits

    stack = LocalStack(api_port=free_port(), schedule_every_s=60, log=lambda *_: None,
                       extra_env={"POWERTOOLS_LOG_LEVEL": "ERROR",
                                  "CMS_SIGNIN_IP_BURST": "100000",
                                  "CMS_SIGNIN_IP_PER_MINUTE": "100000",
                                  **lifted_request_limits()}).start()
    try:
        provider, consumer = party(stack.url, "eth"), party(stack.url, "ed25519")
        one_contract(provider, consumer)  # warm every function once
        runs = [one_contract(provider, consumer) for _ in range(CONTRACTS)]
    finally:
        stack.stop()
    sign, activation, get = (sorted(column) for column in zip(*runs, strict=True))
    get_ms = statistics.median(get) * 1000
    print(f"Lifecycle latency, {CONTRACTS} contracts on the local stack (moto, in-process "
          "functions)")
    print(f"{'measure':<40} {'p50 ms':>9} {'max ms':>9} {'x GET':>7}")
    for name, values in (("GET /contracts/{id} (baseline)", get),
                         ("sign request (last signature)", sign),
                         ("last signature → active", activation)):
        p50 = statistics.median(values) * 1000
        print(f"{name:<40} {p50:>9.1f} {max(values) * 1000:>9.1f} {p50 / get_ms:>7.1f}")


if __name__ == "__main__":
    main()
