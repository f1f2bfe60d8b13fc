"""Built-in ERC20 transfers per second on one core, in-memory state, gas metering on.

Each transfer is a whole execution as the engine will run it: a fresh ``GasMeter``, the
arguments parsed and checked (addresses checksummed, a uint256 amount), a staged overlay
committed at the end, a Transfer log. Baseline, measured in the same run: the same balance
move on a bare Python dict (two reads, two writes, no checks, no metering, no log), i.e. the
floor of what any Python engine can do per transfer. The seed claims 16,000+ operations/s.
Pin to one core with ``taskset -c 0`` for the one-core figure.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "layers" / "cms" / "python"))

from cms.domain.engine.erc20 import Erc20  # noqa: E402
from cms.domain.engine.gas import GasMeter  # noqa: E402
from cms.domain.engine.state import MemoryState  # noqa: E402

TRANSFERS = int(os.environ.get("BENCH_ERC20_TRANSFERS", "20000"))
SEED_CLAIM = 16_000
OWNER = "0x" + "11" * 20
HOLDERS = ["0x" + f"{i:040x}" for i in range(2, 102)]


def engine_latencies() -> list[float]:
    state = MemoryState()
    Erc20(state, GasMeter(1_000_000)).init("Bench", "BNC", 18, OWNER, 10**30)
    latencies = []
    for i in range(TRANSFERS):
        started = time.perf_counter()
        Erc20(state, GasMeter(100_000)).call(
            "transfer", {"to": HOLDERS[i % len(HOLDERS)], "value": 1}, OWNER)
        latencies.append(time.perf_counter() - started)
    return latencies


def baseline_rate() -> float:
    balances = {OWNER: 10**30}
    started = time.perf_counter()
    for i in range(TRANSFERS):
        to = HOLDERS[i % len(HOLDERS)]
        balances[OWNER] = balances[OWNER] - 1
        balances[to] = balances.get(to, 0) + 1
    return TRANSFERS / (time.perf_counter() - started)


def main() -> None:
    baseline = baseline_rate()
    latencies = engine_latencies()
    rate = len(latencies) / sum(latencies)
    ordered = sorted(latencies)
    p50 = statistics.median(ordered) * 1e6
    p99 = ordered[int(len(ordered) * 0.99)] * 1e6
    print(f"Built-in ERC20, {TRANSFERS} transfers, in-memory state, metering on")
    print(f"  engine     {rate:>12,.0f} transfers/s   p50 {p50:.1f} µs   p99 {p99:.1f} µs")
    print(f"  baseline   {baseline:>12,.0f} moves/s (bare dict, same run)")
    print(f"  ratio      {rate / baseline:.4f} of the baseline; {rate / SEED_CLAIM:.2f}x the "
          f"seed's {SEED_CLAIM:,} operations/s claim")


if __name__ == "__main__":
    main()
