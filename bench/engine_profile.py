"""Where the engine's time goes, per path: cProfile's cumulative time grouped by stage, and
the Python calls per transfer (a count, so free of a shared host's noise).

Paths: ``erc1`` (ERC20, one execute_contract per transfer), ``ercb`` (ERC20, batches of 100),
``w1`` and ``wb`` (the WebAssembly token, the same two ways). Usage:
``python bench/engine_profile.py [erc1 ercb w1 wb]``. cProfile slows Python code more than C
code, so the shares overstate Python's; the counts are exact. docs/engine-performance.md
keeps the figures before and after the engine's throughput work.
"""

from __future__ import annotations

import cProfile
import pstats
import sys
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "layers" / "cms" / "python"))
sys.path.insert(0, str(REPO / "bench"))

import engine_erc20  # noqa: E402
import engine_wasm  # noqa: E402

TRANSFERS = 4_000
PATHS: dict[str, Callable[[], list[float]]] = {
    "erc1": engine_erc20.unified_latencies, "ercb": engine_erc20.batch_latencies,
    "w1": engine_wasm.unified_single_latencies, "wb": engine_wasm.unified_batch_latencies}
Key = tuple[str, int, str]


def stages() -> dict[str, Callable[[Key], bool]]:
    """Each stage by the functions whose cumulative time it is (the unindented ones add up)."""
    return {
        "contract (the kind's call)": lambda k: k[0].endswith("kinds.py") and k[2] == "call",
        "  of which the WebAssembly runtime": lambda k: (k[0].endswith("wasm/runtime.py")
                                                         and k[2] == "call"),
        "storage commit and counters": lambda k: (k[0].endswith("memory/engine.py")
                                                  and k[2] == "commit"),
        "records and results": lambda k: (k[0].endswith("unified/calls.py")
                                          and k[2] in ("record_of", "result_of")),
        "request checks and snapshot": lambda k: (k[0].endswith("unified/engine.py")
                                                  and k[2] in ("_validated", "<setcomp>",
                                                               "snapshot"))}


def profile(name: str) -> None:
    engine_erc20.TRANSFERS = engine_wasm.TRANSFERS = TRANSFERS
    run = PATHS[name]
    run()  # warm: modules compiled, caches filled
    profiler = cProfile.Profile()
    profiler.enable()
    run()
    profiler.disable()
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]

    def cumulative(match: Callable[[Key], bool]) -> float:
        return sum(row[3] for key, row in stats.items() if match(key))

    total = cumulative(lambda k: k[0].endswith("unified/engine.py")
                       and k[2] == "execute_batch")
    calls = sum(row[1] for row in stats.values())
    print(f"{name}: {calls / TRANSFERS:.0f} Python calls per transfer")
    named = 0.0
    for label, match in stages().items():
        share = cumulative(match)
        named += 0 if label.startswith(" ") else share
        print(f"  {label:<38} {100 * share / total:5.1f} %")
    print(f"  {'engine plumbing (the rest)':<38} {100 * (total - named) / total:5.1f} %")


if __name__ == "__main__":
    for path in sys.argv[1:] or list(PATHS):
        profile(path)
