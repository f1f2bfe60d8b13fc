"""WebAssembly token transfers per second on one core, in-memory state, gas metering on.

The token is ``contracts/wasm/token.wat``. A transfer is measured as the engine will run it:
arguments encoded from JSON (address checked, u64 range checked), a fresh ``GasMeter``,
fuel and host-call metering, storage through a ``ContractState``, a Transfer event, the
result decoded. Lines:

- raw wasmtime, metering on (fuel and an epoch deadline), an export that does nothing:
  wasmtime-py's ``Func.__call__`` and the unchecked C entry point the runtime uses: the ceiling
  of any Python host for one call;
- ``execute``: one transfer per execution, each in a fresh instance (the isolation a single
  REST call gets), committed through a ``StagedState``;
- ``execute_batch``: 100 transfer calls per batch, each its own meter and all-or-nothing, the
  batch sharing one instance; then the same with the inputs encoded beforehand (the
  runtime's own share);
- ``transferBatch``: the token's own batch function (100 transfers in one call, all or
  nothing), run through ``execute_batch`` too: batching as a contract API;
- the unified engine (in-memory storage) over the same module: one ``execute_contract`` per
  transfer, ``execute_batch`` of 100 transfers (what ``POST …/execute`` with ``calls`` runs:
  validation, staged state, execution records, counters and one commit per segment), and a
  batch of ``transferBatch`` calls.

The process pins itself to one CPU (``os.sched_setaffinity``) when it can. The seed claims
16,000+ operations/s. Each line is the best of ``BENCH_REPEATS`` runs (default 3: on a shared
host other processes only make a run slower) and prints its ratio to the seed's claim, to the
unchecked empty call and to the runtime's own line in the same run (``execute`` for one call,
``execute_batch`` for batches); the unified engine's lines print their goal
(docs/engine-performance.md).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "layers" / "cms" / "python"))

import wasmtime  # noqa: E402

from cms.adapters.memory.engine import MemoryContractStorage  # noqa: E402
from cms.domain.engine.gas import GasMeter  # noqa: E402
from cms.domain.engine.state import MemoryState, StagedState  # noqa: E402
from cms.domain.engine.unified import (  # noqa: E402
    Deployment,
    Execution,
    UnifiedContractEngine,
)
from cms.domain.engine.wasm import (  # noqa: E402
    CallContext,
    WasmCall,
    WasmModuleInfo,
    WasmRuntime,
    validate_module,
)
from cms.domain.engine.wasm.native import NativeInstance, engine  # noqa: E402

TRANSFERS = int(os.environ.get("BENCH_WASM_TRANSFERS", "20000"))
REPEATS = int(os.environ.get("BENCH_REPEATS", "3"))
BATCH = 100
IN_GUEST = 50
SEED_CLAIM = 16_000
SINGLE_GOAL, BATCH_GOAL = 32_000, 64_000  # transfers/s through the unified engine
GAS_LIMIT = 100_000
OWNER = "0x" + "11" * 20
CONTRACT = "0x" + "c0" * 20
HOLDERS = ["0x" + f"{i:040x}" for i in range(2, 102)]
EMPTY = '(module (memory (export "memory") 1) (func (export "nop")))'


def pin_to_one_core() -> str:
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (no sched_setaffinity)"
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return f"pinned to CPU {cpu}"


def rate(call: Callable[[], object], count: int) -> float:
    call()
    started = time.perf_counter()
    for _ in range(count):
        call()
    return count / (time.perf_counter() - started)


def raw_empty_call_rates(count: int) -> tuple[float, float]:
    """Func.__call__ and the unchecked path on an empty export, fuel and deadline set."""
    store = wasmtime.Store(engine())
    store.set_fuel(10**12)
    store.set_epoch_deadline(10**9)
    nop = wasmtime.Instance(store, wasmtime.Module(engine(), EMPTY), []).exports(store)["nop"]
    high_level = rate(lambda: nop(store), count)
    runtime = WasmRuntime()
    info = validate_module(EMPTY)
    instance: NativeInstance = runtime._instantiate(info, context(OWNER))
    function = instance.function("nop")
    assert function is not None
    unchecked = rate(lambda: instance.call(function, 10**9, 10**6), count)
    return high_level, unchecked


def context(caller: str) -> CallContext:
    return CallContext(CONTRACT, caller, block_number=1, timestamp=1_700_000_000)


def deploy(runtime: WasmRuntime) -> tuple[WasmModuleInfo, MemoryState]:
    manifest = json.loads((REPO / "contracts" / "wasm" / "token.manifest.json").read_text())
    info = validate_module((REPO / "contracts" / "wasm" / "token.wat").read_text(), manifest)
    state = MemoryState()
    assert info.init_function is not None
    runtime.init(info, info.init_function.encode_args({"supply": 10**18}), state=state,
                 gas=GasMeter(1_000_000), context=context(OWNER))
    return info, state


def single_latencies(runtime: WasmRuntime, info: WasmModuleInfo,
                     state: MemoryState) -> list[float]:
    transfer, owner = info.functions["transfer"], context(OWNER)
    latencies = []
    for i in range(TRANSFERS):
        started = time.perf_counter()
        stage = StagedState(state)
        data = transfer.encode_args({"to": HOLDERS[i % len(HOLDERS)], "amount": 1})
        output = runtime.execute(info, "transfer", data, state=stage, gas=GasMeter(GAS_LIMIT),
                                 context=owner)
        stage.commit()
        assert transfer.decode_result(output) is True
        latencies.append(time.perf_counter() - started)
    return latencies


def batch_latencies(runtime: WasmRuntime, info: WasmModuleInfo, state: MemoryState
                    ) -> list[float]:
    """Seconds per batch of BATCH transfer calls, arguments encoded and results decoded."""
    transfer, owner = info.functions["transfer"], context(OWNER)
    encode, decode = transfer.encode_args, transfer.decode_result
    latencies = []
    for start in range(0, TRANSFERS, BATCH):
        begun = time.perf_counter()
        calls = [WasmCall("transfer", encode({"to": HOLDERS[i % len(HOLDERS)], "amount": 1}))
                 for i in range(start, start + BATCH)]
        outcomes = runtime.execute_batch(info, calls, state=state, gas_limit=GAS_LIMIT,
                                         context=owner)
        results = [decode(o.return_data) for o in outcomes if o.return_data is not None]
        latencies.append(time.perf_counter() - begun)
        assert len(results) == BATCH and all(results), outcomes[0].error
    return latencies


def preencoded_latencies(runtime: WasmRuntime, info: WasmModuleInfo, state: MemoryState
                         ) -> list[float]:
    """The same batches with the inputs encoded beforehand: the runtime's own share."""
    transfer, owner = info.functions["transfer"], context(OWNER)
    calls = [WasmCall("transfer", transfer.encode_args({"to": holder, "amount": 1}))
             for holder in HOLDERS[:BATCH]]
    latencies = []
    for _ in range(0, TRANSFERS, BATCH):
        begun = time.perf_counter()
        outcomes = runtime.execute_batch(info, calls, state=state, gas_limit=GAS_LIMIT,
                                         context=owner)
        latencies.append(time.perf_counter() - begun)
        assert all(o.ok for o in outcomes), outcomes[0].error
    return latencies


def contract_batch_latencies(runtime: WasmRuntime, info: WasmModuleInfo, state: MemoryState
                             ) -> list[float]:
    """Seconds per batch of BATCH transferBatch calls of BATCH transfers each."""
    batch, owner = info.functions["transferBatch"], context(OWNER)
    latencies = []
    for _ in range(max(1, TRANSFERS // (BATCH * BATCH))):
        begun = time.perf_counter()
        calls = [WasmCall("transferBatch", batch.encode_args(
            {"to": HOLDERS[:BATCH], "amount": [1] * BATCH})) for _ in range(BATCH)]
        outcomes = runtime.execute_batch(info, calls, state=state,
                                         gas_limit=GAS_LIMIT * BATCH, context=owner)
        results = [batch.decode_result(o.return_data) for o in outcomes
                   if o.return_data is not None]
        latencies.append(time.perf_counter() - begun)
        assert len(results) == BATCH and all(results), outcomes[0].error
    return latencies


def unified_token() -> tuple[UnifiedContractEngine, str]:
    token = REPO / "contracts" / "wasm" / "token"
    unified = UnifiedContractEngine(MemoryContractStorage())
    address = unified.deploy_contract(Deployment(
        "wasm", OWNER, "token", {"supply": 10**18}, token.with_suffix(".wat").read_text(),
        json.loads(token.with_suffix(".manifest.json").read_text()))).address
    return unified, address


def unified_single_latencies() -> list[float]:
    unified, address = unified_token()
    latencies = []
    for i in range(TRANSFERS):
        started = time.perf_counter()
        result = unified.execute_contract(Execution(
            address, "transfer", OWNER, {"to": HOLDERS[i % len(HOLDERS)], "amount": 1},
            gas_limit=GAS_LIMIT))
        latencies.append(time.perf_counter() - started)
        assert result.success, result.error
    return latencies


def unified_batch_latencies(function: str = "transfer", per_call: int = 1) -> list[float]:
    """Seconds per engine batch of BATCH calls (each ``per_call`` transfers)."""
    unified, address = unified_token()
    if per_call == 1:
        args = [{"to": HOLDERS[i % len(HOLDERS)], "amount": 1} for i in range(BATCH)]
    else:
        args = [{"to": HOLDERS[:per_call], "amount": [1] * per_call}] * BATCH
    latencies = []
    for _ in range(0, TRANSFERS, BATCH * per_call):
        begun = time.perf_counter()
        results = unified.execute_batch([Execution(address, function, OWNER, a,
                                                   gas_limit=GAS_LIMIT * per_call)
                                         for a in args])
        latencies.append(time.perf_counter() - begun)
        assert all(r.success for r in results), results[0].error
    return latencies


def best(measure: Callable[[], list[float]], per_sample: int) -> list[float]:
    """The latencies of the fastest of ``REPEATS`` runs (by total time)."""
    return min((measure() for _ in range(REPEATS)), key=lambda run: sum(run) / len(run))


def percentiles(seconds: list[float], scale: float = 1e6) -> tuple[float, float]:
    ordered = sorted(seconds)
    return statistics.median(ordered) * scale, ordered[int(len(ordered) * 0.99)] * scale


def main() -> None:
    pinned = pin_to_one_core()
    high_level, unchecked = raw_empty_call_rates(TRANSFERS)
    runtime = WasmRuntime()
    info, state = deploy(runtime)
    single = best(lambda: single_latencies(runtime, info, state), 1)
    batched = best(lambda: batch_latencies(runtime, info, state), BATCH)
    preencoded = best(lambda: preencoded_latencies(runtime, info, state), BATCH)
    in_guest = best(lambda: contract_batch_latencies(runtime, info, state), BATCH * BATCH)
    unified_single = best(unified_single_latencies, 1)
    unified_batch = best(unified_batch_latencies, BATCH)
    # An execution writes at most 64 keys (one DynamoDB transaction), so 50 recipients a call.
    unified_in_guest = best(lambda: unified_batch_latencies("transferBatch", IN_GUEST),
                            BATCH * IN_GUEST)
    runtime_rate = {n: per * len(lat) / sum(lat) for n, lat, per in (
        ("single", single, 1), ("batch", batched, BATCH))}
    goals = {"unified engine, one call per transfer": ("single", SINGLE_GOAL),
             f"unified engine, batch of {BATCH} transfer calls": ("batch", BATCH_GOAL)}

    print(f"WebAssembly token ({TRANSFERS} transfers per line), in-memory state, metering on, "
          f"{pinned}, best of {REPEATS}")
    print(f"  raw wasmtime empty call, Func.__call__   {high_level:>10,.0f} calls/s")
    print(f"  raw wasmtime empty call, unchecked path  {unchecked:>10,.0f} calls/s")
    lines = [("execute (fresh instance each)", single, 1),
             (f"execute_batch ({BATCH} transfer calls)", batched, BATCH),
             ("  the same, inputs encoded beforehand", preencoded, BATCH),
             (f"execute_batch ({BATCH} x transferBatch({BATCH}))", in_guest, BATCH * BATCH),
             ("unified engine, one call per transfer", unified_single, 1),
             (f"unified engine, batch of {BATCH} transfer calls", unified_batch, BATCH),
             (f"unified engine, batch of {BATCH} x transferBatch({IN_GUEST})", unified_in_guest,
              BATCH * IN_GUEST)]
    for label, latencies, per_sample in lines:
        transfers_per_s = per_sample * len(latencies) / sum(latencies)
        p50, p99 = percentiles([s / per_sample for s in latencies])
        print(f"  {label:<42} {transfers_per_s:>10,.0f} transfers/s   per transfer "
              f"p50 {p50:.1f} µs   p99 {p99:.1f} µs")
        print(f"  {'':<42} {transfers_per_s / unchecked:>10.3f} of the unchecked empty-call "
              f"rate; {transfers_per_s / SEED_CLAIM:.2f}x the seed's {SEED_CLAIM:,}/s claim "
              f"({1e6 / p50 / SEED_CLAIM:.2f}x at p50)")
        if label in goals:
            path, goal = goals[label]
            print(f"  {'':<42} {transfers_per_s / runtime_rate[path]:>10.3f} of the runtime's own "
                  f"{path} line; goal {goal:,}/s ({goal / SEED_CLAIM:.0f}x): "
                  + ("met" if transfers_per_s >= goal else f"{transfers_per_s / goal:.2f} of it"))
    batch_p50, batch_p99 = percentiles(batched, 1e3)
    print(f"  a batch of {BATCH} transfer calls: p50 {batch_p50:.2f} ms   p99 {batch_p99:.2f} ms")


if __name__ == "__main__":
    main()
