"""Receipt size and the time to build and verify it, as a contract's history grows to the
platform's bound (cms.domain.contracts.history).

On in-memory services: a provider edits a draft with the largest content (32 KiB) 0, 25, 50
and 99 times (99 is where edits stop: the creation is the first of the 100 events of
negotiation), then both parties sign, it is activated and terminated, and everything is
anchored. For each: the receipt's bytes (against the 5 MiB a response may carry), the time to
build it, and the time the offline verifier takes (replaying the history, checking the chain
and the proofs against an in-memory chain). Baseline, in the same run: the receipt of a
contract with no edit.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
for path in (REPO, REPO / "layers" / "cms" / "python", REPO / "client"):
    sys.path.insert(0, str(path))

EDITS = (0, 25, 50, 99)


def measure(edits: int) -> tuple[int, int, float, float]:
    """(events, bytes, seconds to build, seconds to verify) for ``edits`` largest edits."""
    from cms.services.contracts.verification import MAX_RECEIPT_BYTES
    from tests.unit.services.contract_world import World, ed_party, eth_party
    from tests.unit.services.test_receipt_bounds import (
        largest_terms,
        sign_activate_and_end,
        verified,
    )

    world, provider, consumer = World(), eth_party(), ed_party()
    contract = world.draft(provider, consumer)
    for round_ in range(edits):
        world.contracts.update(provider.caller, contract.id,
                               {"terms": largest_terms(world, contract.id, round_)})
    ended = sign_activate_and_end(world, provider, consumer, contract.id)
    world.anchor_all()
    started = time.perf_counter()
    raw = world.contracts.receipt(consumer.caller, contract.id)
    built = time.perf_counter() - started
    started = time.perf_counter()
    assert verified(world, raw).valid
    checked = time.perf_counter() - started
    assert len(raw) <= MAX_RECEIPT_BYTES
    return ended.version, len(raw), built, checked


def main() -> None:
    print(f"{'edits':>6} {'events':>7} {'bytes':>10} {'of 5 MiB':>9} {'build ms':>9} "
          f"{'verify ms':>10}")
    for edits in EDITS:
        events, size, built, checked = measure(edits)
        print(f"{edits:>6} {events:>7} {size:>10,} {size / (5 * 1024 * 1024):>8.0%} "
              f"{built * 1000:>9.0f} {checked * 1000:>10.0f}")


if __name__ == "__main__":
    main()
