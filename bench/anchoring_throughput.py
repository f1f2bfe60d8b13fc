"""Anchoring throughput (audit events per second) through the real path: queued events in
DynamoDB (moto server), AnchorService building the tree, one `anchor` transaction on anvil,
confirmation, and every event's proof written back.

Baseline, measured in the same run on the same node: the seed's design, one `recordEvent`
transaction per event, sent and mined one after another. The table also shows where the
batched path spends its time (chain versus writing the proofs).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SIZES = [int(n) for n in os.environ.get("BENCH_ANCHOR_SIZES", "100,1000").split(",")]
SEED_EVENTS = int(os.environ.get("BENCH_SEED_EVENTS", "50"))


def queue_events(count: int, tag: str) -> None:
    """``count`` un-anchored events, ten per stream, as the API's transactions leave them."""
    from cms.adapters.audit_log import PENDING
    from cms.adapters.tables import AuditEventRecord
    from cms.domain.audit import GENESIS_HASH, seal

    with AuditEventRecord.batch_write() as batch:
        prev = GENESIS_HASH
        for i in range(count):
            stream, seq = f"contract:bench-{tag}-{i // 10}", i % 10
            prev = GENESIS_HASH if seq == 0 else prev
            event = seal(stream=stream, seq=seq, prev_hash=prev, event_id=f"{tag}-{i}",
                         event_type="contract.updated", actor="did:key:z6MkBench",
                         at=f"2026-11-22T10:00:00.{i % 1000:03d}Z", data={"i": i})
            prev = event.hash
            batch.save(AuditEventRecord(
                stream, seq, event_id=event.event_id, event_type=event.event_type,
                actor=event.actor, at=event.at, data=event.data, prev_hash=event.prev_hash,
                hash=event.hash, anchor_pending=PENDING,
                pending_key=f"{event.at}#{stream}#{seq:012d}"))


def anchor_all(services, size: int) -> tuple[float, float]:
    """Seconds to anchor ``size`` queued events, and of those the seconds writing proofs."""
    from cms.adapters.anchor_store import AnchorStore
    from cms.adapters.contract_store import ContractStore
    from cms.services.anchoring import AnchorService

    services.tables("audit", "anchor_batches", "contracts")
    store = AnchorStore()
    settling = {"s": 0.0}
    settle = store.settle

    def timed_settle(batch):
        started = time.perf_counter()
        settle(batch)
        settling["s"] += time.perf_counter() - started

    store.settle = timed_settle  # type: ignore[method-assign]
    service = AnchorService(store, services.ledger(), ContractStore(), max_batch=size)
    started = time.perf_counter()
    while service.run()[-1].action != "idle":
        pass
    return time.perf_counter() - started, settling["s"]


def seed_rate(services, count: int) -> float:
    """Events/s of one recordEvent transaction per event, each waited for."""
    ledger = services.ledger()
    started = time.perf_counter()
    for i in range(count):
        tx_hash = ledger.send_record_event(f"contract-{i % 4}", "contract.updated",
                                           f'{{"i":{i}}}')
        while ledger.outcome(tx_hash) is None:
            time.sleep(0.001)
    return count / (time.perf_counter() - started)


def main() -> None:
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
    from local_stack.stack import LocalStack, free_port

    stack = LocalStack(api_port=free_port(), log=lambda *_: None).start()
    try:
        with stack.paused("anchor"):
            services = stack.services("anchor")
            anchor_all(services, 1000)  # whatever the stack queued at start
            seed = seed_rate(services, SEED_EVENTS)
            print("anchoring throughput on the local stack (moto DynamoDB + anvil, 2 cores)")
            print(f"{'path':<36} {'events/s':>9} {'x seed':>8} {'proof writes':>13}")
            print(f"{'seed: recordEvent, 1 tx per event':<36} {seed:9.1f} {1.0:8.2f} "
                  f"{'-':>13}")
            for size in SIZES:
                queue_events(size, f"n{size}")
                elapsed, settling = anchor_all(services, size)
                rate = size / elapsed
                print(f"{f'batched: {size} events, 1 anchor tx':<36} {rate:9.1f} "
                      f"{rate / seed:8.2f} {settling / elapsed:12.0%}")
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
