"""Bulk creation throughput through the CLI's bulk runner (``cms contract create --from``, in
process) against the local stack, at concurrency 1 and 8 in the same run.

Baseline measured in the same run: the same number of template contracts created one after
the other with the SDK alone (``CmsClient.create_contract``, each with an Idempotency-Key as
every bulk row has, which costs the server an idempotency record), so the runner's own cost
(row keys, the thread pool, the report) shows beside what concurrency gains. Each run creates rows
of its own (a distinct title), so no run is answered from an earlier run's idempotency keys.
The stack serves from this same process on a shared machine: the ratio says how much the
runner overlaps round trips, not what a deployed API would take.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
ROWS = int(os.environ.get("BENCH_BULK_ROWS", "100"))
VARIABLES = {"start_date": "2027-01-01", "end_date": "2027-12-31", "jurisdiction": "EU",
             "regulations": ["GDPR"], "audit_frequency": "quarterly",
             "data_residency": ["EU"], "breach_notification_hours": 72,
             "dpo_contact": "dpo@example.com"}


def rows_for(consumer_did: str, label: str) -> list:
    from cms_client.cli.bulk_runner import Row

    marker = f"bench {label} {uuid.uuid4().hex[:8]}"
    return [Row(n, {"template_id": "compliance", "consumer_did": consumer_did,
                    "title": f"{marker} {n}", "variables": VARIABLES})
            for n in range(1, ROWS + 1)]


def through_runner(client, consumer_did: str, concurrency: int, report_dir: Path) -> float:
    from cms_client.cli.commands.bulk import BulkOptions, create_from_file

    rows = rows_for(consumer_did, f"c{concurrency}")
    report = report_dir / f"report-{concurrency}.jsonl"
    started = time.perf_counter()
    code = create_from_file(client, rows, BulkOptions(concurrency, False, report))
    elapsed = time.perf_counter() - started
    assert code == 0, report.read_text()
    return ROWS / elapsed


def sdk_loop(client, consumer_did: str) -> float:
    rows = rows_for(consumer_did, "sdk")
    started = time.perf_counter()
    for row in rows:
        client.create_contract(row.data, idempotency_key=str(uuid.uuid4()))
    return ROWS / (time.perf_counter() - started)


def main() -> None:
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
    from cms_client import CmsClient, Ed25519Signer, EthereumSigner
    from local_stack.stack import LocalStack, free_port, lifted_request_limits

    stack = LocalStack(api_port=free_port(), log=lambda *_: None, extra_env={
        "CMS_SIGNIN_IP_BURST": "100000", "CMS_SIGNIN_IP_PER_MINUTE": "100000",
        **lifted_request_limits()}).start()
    try:
        key = EthereumSigner(chain_id=31337)
        client = CmsClient(stack.url)
        client.register(key)
        client.sign_in(key)
        consumer = Ed25519Signer().did
        client.create_contract(rows_for(consumer, "warm")[0].data)  # warm the handlers
        with tempfile.TemporaryDirectory() as report_dir:
            base = sdk_loop(client, consumer)
            one = through_runner(client, consumer, 1, Path(report_dir))
            eight = through_runner(client, consumer, 8, Path(report_dir))
        print(f"bulk create of {ROWS} template contracts (compliance), local stack on moto")
        print(f"{'run':<34} {'contracts/s':>12} {'x base':>8}")
        print(f"{'SDK loop, one at a time (base)':<34} {base:12.1f} {1.0:8.2f}")
        print(f"{'bulk runner, concurrency 1':<34} {one:12.1f} {one / base:8.2f}")
        print(f"{'bulk runner, concurrency 8':<34} {eight:12.1f} {eight / base:8.2f}")
        print(f"concurrency 8 / concurrency 1 = {eight / one:.2f}")
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
