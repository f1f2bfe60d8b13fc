"""What the worst call of each kind costs in wall clock, against its gas and the stated limits.

The engine promises that no call runs longer than its limit (2 s a call, 15 s a batch, for
every kind; ``EngineConfig``) and that every costly step is paid for in gas before it runs.
This measures, in one run on this machine:

1. big-integer arithmetic as the Paillier contracts price it (``gas.modexp_gas`` and the
   helpers, EIP-2565 units): time, gas and ns per gas of each operation at each key size, and
   its ratio to MODEXP's (the schedule is sound where every ratio is at most ~1);
2. the worst call of each kind through the unified engine at the largest gas limit: its gas,
   its time, its time over the call limit, and its time over the baseline;
3. a batch of the worst calls against the batch limit;
4. with short limits, how far past its deadline each kind's call runs before it stops.

Baseline, measured in the same run: one ERC20 transfer through the engine. Run
``python bench/engine_limits.py`` (add ``--before`` to also time one unmetered 8192-bit
re-encryption: what a single reveal cost before keys were bounded, ~4 s).
"""

from __future__ import annotations

import secrets
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from math import gcd
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "layers" / "cms" / "python"), str(REPO)]

from cms.adapters.memory.engine import MemoryContractStorage  # noqa: E402
from cms.domain.engine.errors import EngineValidationError  # noqa: E402
from cms.domain.engine.gas import (  # noqa: E402
    MAX_GAS_LIMIT,
    PREDICTED_NS_PER_GAS,
    gcd_gas,
    inverse_gas,
    modexp_gas,
    mulmod_gas,
)
from cms.domain.engine.paillier import generate_keypair  # noqa: E402
from cms.domain.engine.unified import (  # noqa: E402
    Deployment,
    EngineConfig,
    Execution,
    UnifiedContractEngine,
)
from cms.domain.errors import DomainError  # noqa: E402

OWNER, HOLDER = "0x" + "11" * 20, "0x" + "22" * 20
CONFIG = EngineConfig()
CALL_S, BATCH_S = CONFIG.max_execution_time_ms / 1000, CONFIG.max_batch_time_ms / 1000


def best(run: Callable[[], object], repeat: int = 3) -> float:
    """The fastest of ``repeat`` runs, in seconds (the least disturbed by other processes)."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


# -- 1. big-integer arithmetic ------------------------------------------------------------------

def arithmetic() -> None:
    print("1. Big-integer arithmetic as priced (n: key bits; the modulus is n²)")
    print(f"   {'op':<8} {'key':>5} {'gas':>11} {'time':>10} {'ns/gas':>7} {'/ modexp':>9}")
    for bits in (1024, 2048, 3072, 4096):
        arithmetic_at(bits)
    print(f"   the deadline predicts {PREDICTED_NS_PER_GAS} ns/gas: a 4096-bit re-encryption "
          f"at most {modexp_gas(1 << 4095, 8192) * PREDICTED_NS_PER_GAS / 1e9:.2f} s")


def arithmetic_at(bits: int) -> None:
    n = secrets.randbits(bits) | 1 << (bits - 1) | 1
    square = n * n
    a, b, r = secrets.randbelow(square), secrets.randbelow(square), secrets.randbelow(n)
    while gcd(a, n) != 1:
        a = secrets.randbelow(square)
    ops = {"modexp": (lambda: pow(r, n, square), modexp_gas(n, square.bit_length()), 2),
           "mulmod": (lambda: a * b % square, mulmod_gas(square.bit_length()), 200),
           "inverse": (lambda: pow(a, -1, square), inverse_gas(square.bit_length()), 20),
           "gcd": (lambda: gcd(a, n), gcd_gas(square.bit_length()), 200)}
    rates = {}
    for name, (run, gas, repeat) in ops.items():
        seconds = best(run, repeat)
        rates[name] = seconds * 1e9 / gas
        print(f"   {name:<8} {bits:>5} {gas:>11,} {seconds * 1e3:>8.3f}ms "
              f"{rates[name]:>7.1f} {rates[name] / rates['modexp']:>9.2f}")


# -- 2. the worst call of each kind ---------------------------------------------------------------

def engine(config: EngineConfig = CONFIG) -> UnifiedContractEngine:
    return UnifiedContractEngine(MemoryContractStorage(), config)


def run(engine: UnifiedContractEngine, execution: Execution) -> tuple[float, object]:
    started = time.perf_counter()
    result = engine.execute_contract(execution)
    return time.perf_counter() - started, result


class Report:
    def __init__(self, baseline_s: float) -> None:
        self.baseline_s = baseline_s
        print(f"\n2. The worst call of each kind (limit {CALL_S:g} s a call; baseline: one ERC20 "
              f"transfer, {baseline_s * 1e6:.0f} µs, same run)")
        print(f"   {'case':<52} {'gas':>11} {'time':>9} {'ns/gas':>7} {'/limit':>7} "
              f"{'/baseline':>10} outcome")

    def row(self, case: str, seconds: float, gas: int, outcome: str) -> None:
        rate = f"{seconds * 1e9 / gas:>7.1f}" if gas else f"{'-':>7}"
        print(f"   {case:<52} {gas:>11,} {seconds * 1e3:>7.1f}ms {rate} "
              f"{seconds / CALL_S:>7.3f} {seconds / self.baseline_s:>10,.0f} {outcome}")


def outcome_of(result: object) -> str:
    error = getattr(result, "error", None)
    return "ok" if not error else error.get("error") or error["code"]


def erc20_baseline() -> float:
    e = engine()
    token = e.deploy_contract(Deployment("erc20", OWNER, "T", {
        "name": "T", "symbol": "T", "initial_supply": 10**30})).address
    transfer = Execution(token, "transfer", OWNER, {"to": HOLDER, "value": 1})
    for _ in range(200):
        e.execute_contract(transfer)
    return statistics.median(run(e, transfer)[0] for _ in range(500))


def estimate(e: UnifiedContractEngine, execution: Execution) -> tuple[float, int, str]:
    """(seconds, gas, outcome) of an estimate; a stopped one spent the whole limit."""
    started = time.perf_counter()
    try:
        gas, outcome = e.estimate_gas(execution), "ok"
    except DomainError as error:
        gas, outcome = MAX_GAS_LIMIT, error.code
    return time.perf_counter() - started, gas, outcome


def paillier(report: Report) -> None:
    for bits in (2048, 4096):
        paillier_at(report, bits)
    big = format(secrets.randbits(8192) | 1 << 8191 | 1, "x")
    started = time.perf_counter()
    try:
        engine().deploy_contract(Deployment("sealed_bid_tally", OWNER, "Big", {
            "public_key": {"n": big}}))
        refused = "accepted"
    except EngineValidationError:
        refused = "refused"
    report.row("sealed_bid_tally with an 8192-bit key: deployment",
               time.perf_counter() - started, 0, refused)


def paillier_at(report: Report, bits: int) -> None:
    public, private = generate_keypair(bits)
    e = engine()
    tally = e.deploy_contract(Deployment("sealed_bid_tally", OWNER, "Tally", {
        "public_key": public.to_json()})).address
    bid = public.encrypt(7)
    e.execute_contract(Execution(tally, "submitBid", OWNER, {"bid": bid.to_json()}))
    value, r = private.open(bid)
    reveal = Execution(tally, "reveal", OWNER, {"total": str(value),
                                                "randomness": format(r, "x")})
    seconds, gas, outcome = estimate(e, reveal)
    report.row(f"sealed_bid_tally.reveal, {bits}-bit key (estimate-gas)", seconds, gas,
               outcome)
    seconds, result = run(e, replace(reveal, gas_limit=MAX_GAS_LIMIT))
    report.row(f"sealed_bid_tally.reveal, {bits}-bit key", seconds, result.gas_used,
               outcome_of(result))
    ledger = e.deploy_contract(Deployment("confidential_ledger", OWNER, "Ledger", {
        "public_key": public.to_json()})).address
    e.execute_contract(Execution(ledger, "deposit", OWNER, {
        "to": OWNER, "amount": public.encrypt(9).to_json()}))
    seconds, result = run(e, Execution(ledger, "transfer", OWNER, {
        "to": HOLDER, "amount": public.encrypt(4).to_json()}, gas_limit=MAX_GAS_LIMIT))
    report.row(f"confidential_ledger.transfer, {bits}-bit key", seconds, result.gas_used,
               outcome_of(result))


WASM_SPIN = '(module (memory (export "memory") 1) (func (export "spin") (loop $l (br $l))))'
WASM_FILL = ('(module (memory (export "memory") 256) (func (export "fill") (loop $l '
             '(memory.fill (i32.const 0) (i32.const 7) (i32.const 16777216)) (br $l))))')
WASM_READS = ('(module (import "cms" "storage_read" (func $r (param i32 i32 i32 i32) '
              '(result i32))) (memory (export "memory") 1) (func (export "reads") '
              '(loop $l (drop (call $r (i32.const 0) (i32.const 1) (i32.const 64) '
              '(i32.const 32))) (br $l))))')


def pathological_module(functions: int) -> str:
    """A module that is slow to compile for its size: long chains of if/else."""
    body = " ".join(["(if (local.get $x) (then (local.set $x (i32.const 1))) "
                     "(else (local.set $x (i32.const 2))))"] * 150)
    funcs = " ".join(f"(func $f{i} (local $x i32) {body})" for i in range(functions))
    return f'(module (memory (export "memory") 1) {funcs} (func (export "main")))'


def wasm(report: Report) -> None:
    e = engine()
    for name, source, function in (("spin", WASM_SPIN, "spin"), ("fill", WASM_FILL, "fill"),
                                   ("reads", WASM_READS, "reads")):
        address = e.deploy_contract(Deployment("wasm", OWNER, name, code=source)).address
        seconds, result = run(e, Execution(address, function, OWNER, input=b"",
                                           gas_limit=MAX_GAS_LIMIT))
        report.row(f"wasm {name} loop", seconds, result.gas_used, outcome_of(result))
    for functions in (20, 80):
        source = pathological_module(functions)
        started = time.perf_counter()
        try:
            metadata = e.deploy_contract(Deployment("wasm", OWNER, "big", code=source,
                                                    gas_limit=MAX_GAS_LIMIT))
            size, outcome = metadata.manifest["size"], "ok"
        except Exception as error:
            size, outcome = 0, getattr(error, "code", type(error).__name__)
        seconds = time.perf_counter() - started
        report.row(f"wasm deployment, {functions} slow-to-compile functions ({size:,} B)",
                   seconds, 0, outcome)


def circuit(report: Report) -> None:
    import base64
    import hashlib

    import rfc8785
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    from cms.domain.attestation import development_root
    from cms.domain.engine import circuits
    from cms.domain.engine.circuit_contract import CircuitContract, read_stored
    from cms.domain.engine.circuit_library import comparator
    from cms.domain.engine.gas import GasMeter
    from cms.domain.engine.state import MemoryState
    from enclave_app.attestation_module import SimulatedModule, local_measurements
    from enclave_app.circuits import evaluate_circuit
    from enclave_app.key_release import Recipients
    from training_runner.key_release import envelope

    module, pcr0 = SimulatedModule(), local_measurements()[0].hex()
    key = ec.generate_private_key(ec.SECP256R1())
    public = circuits.public_key_der(key.public_key())
    address, state = "0x" + "cc" * 20, MemoryState()
    roots = (development_root(module.root_pem),)

    def contract() -> tuple[CircuitContract, GasMeter]:
        meter = GasMeter(MAX_GAS_LIMIT)
        return CircuitContract(state, meter, address=address, roots=roots), meter

    circuit_json = comparator(700)  # the largest that fits 64 KiB
    deployed, meter = contract()
    started = time.perf_counter()
    deployed.init(circuit_json, {"alice": OWNER, "bob": HOLDER}, [pcr0],
                  base64.b64encode(public).decode(), base64.b64encode(b"wrapped").decode())
    report.row("circuit init, comparator(700) (64 KiB)", time.perf_counter() - started,
               meter.used, "ok")
    digest = circuits.circuit_hash(circuit_json)
    for party, who in (("alice", OWNER), ("bob", HOLDER)):
        bits = circuits.uint_bits(5, 700)
        text = circuits.encrypt_input(public, address, party, digest, bits)
        contract()[0].call("submitInput", {"ciphertext": text}, who)
    contract()[0].call("requestEvaluation", {}, OWNER)
    stored = read_stored(state)
    recipients = Recipients()
    recipient_id, recipient_key = recipients.new()
    private = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    answer = evaluate_circuit({
        "recipient_id": recipient_id, "key": base64.b64encode(envelope(private, recipient_key)
                                                              ).decode(),
        "contract": address, "circuit": stored.circuit, "circuit_hash": stored.circuit_hash,
        "input_public_key": base64.b64encode(stored.input_public_key).decode(),
        "enclave_measurements": [pcr0],
        "inputs": {n: base64.b64encode(d).decode() for n, d in stored.inputs.items()}},
        recipients, module)
    assert hashlib.sha256(rfc8785.dumps(answer["statement"])).digest()
    recorder, meter = contract()
    started = time.perf_counter()
    recorder.call("recordResult", {"statement": answer["statement"],
                                   "document": answer["document"]}, HOLDER)
    report.row("circuit recordResult (attestation verified)", time.perf_counter() - started,
               meter.used, "ok")


# -- 3. a batch, 4. stopping --------------------------------------------------------------------

def batch() -> None:
    """A batch of 4096-bit reveals (each ~0.5-1.7 s of arithmetic) against the batch limit."""
    public, private = generate_keypair(4096)
    e = engine()
    tally = e.deploy_contract(Deployment("sealed_bid_tally", OWNER, "Tally", {
        "public_key": public.to_json()})).address
    bid = public.encrypt(7)
    e.execute_contract(Execution(tally, "submitBid", OWNER, {"bid": bid.to_json()}))
    wrong = {"total": "8", "randomness": format(private.open(bid)[1], "x")}  # reverts
    calls = [Execution(tally, "reveal", OWNER, wrong, gas_limit=MAX_GAS_LIMIT)] * 100
    started = time.perf_counter()
    results = e.execute_batch(calls)
    seconds = time.perf_counter() - started
    ran = sum(r.execution_id is not None for r in results)
    print(f"\n3. A batch of 100 reveals with a 4096-bit key (limit {BATCH_S:g} s a batch)")
    print(f"   {ran} ran, {len(results) - ran} not run; the batch took {seconds:.2f} s = "
          f"{seconds / BATCH_S:.3f} of its limit")


def stopping(report_baseline: float) -> None:
    """Short limits, to see how far past its deadline each kind's call gets before it stops
    (the longest step that cannot be interrupted)."""
    print("\n4. Stopping: short limits, how long each request ran (overshoot: past the limit;"
          " the time includes recording and committing after the call stopped)")
    cases = []
    e = engine(EngineConfig(max_execution_time_ms=10, max_batch_time_ms=10))
    spin = e.deploy_contract(Deployment("wasm", OWNER, "spin", code=WASM_SPIN)).address
    cases.append(("wasm spin loop, 30M gas", 10, lambda: e.execute_contract(Execution(
        spin, "spin", OWNER, input=b"", gas_limit=MAX_GAS_LIMIT))))
    quick = engine(EngineConfig(max_execution_time_ms=1, max_batch_time_ms=2))
    token = quick.deploy_contract(Deployment("erc20", OWNER, "T", {
        "name": "T", "symbol": "T", "initial_supply": 10**30})).address
    transfer = Execution(token, "transfer", OWNER, {"to": HOLDER, "value": 1})
    cases.append(("erc20 batch of 100 transfers (limit is the batch's)", 2,
                  lambda: quick.execute_batch([transfer] * 100)))
    public, private = generate_keypair(2048)
    slow = engine(EngineConfig(max_execution_time_ms=300, max_batch_time_ms=300))
    tally = slow.deploy_contract(Deployment("sealed_bid_tally", OWNER, "Tally", {
        "public_key": public.to_json()})).address
    bid = public.encrypt(7)
    slow.execute_contract(Execution(tally, "submitBid", OWNER, {"bid": bid.to_json()}))
    value, r = private.open(bid)
    # A wrong total: the opening is checked (the whole re-encryption) and reverts, so the
    # tally stays open for the next case.
    reveal = Execution(tally, "reveal", OWNER, {"total": str(value + 1),
                                                "randomness": format(r, "x")},
                       gas_limit=MAX_GAS_LIMIT)
    cases.append(("2048-bit reveal (predicted 224 ms)", 300,
                  lambda: slow.execute_contract(reveal)))
    slower = UnifiedContractEngine(slow.storage, EngineConfig(max_execution_time_ms=100,
                                                              max_batch_time_ms=100))
    cases.append(("2048-bit reveal, refused by the prediction", 100,
                  lambda: slower.execute_contract(reveal)))
    print(f"   {'case':<52} {'limit':>7} {'ran':>9} {'overshoot':>10} {'/baseline':>10} outcome")
    for name, limit_ms, call in cases:
        started = time.perf_counter()
        result = call()
        seconds = time.perf_counter() - started
        outcome = (f"{sum(x.execution_id is not None for x in result)} ran, rest not run"
                   if isinstance(result, list) else outcome_of(result))
        print(f"   {name:<52} {limit_ms:>5}ms {seconds * 1e3:>7.1f}ms "
              f"{max(0.0, seconds * 1e3 - limit_ms):>8.1f}ms "
              f"{seconds / report_baseline:>10,.0f} {outcome}")


def main() -> None:
    if "--before" in sys.argv:
        n = secrets.randbits(8192) | 1 << 8191 | 1
        seconds = best(lambda: pow(secrets.randbelow(n), n, n * n), 1)
        print(f"0. Before: one unmetered 8192-bit re-encryption took {seconds:.2f} s "
              f"(it would cost {modexp_gas(n, 16384):,} gas now)\n")
    arithmetic()
    report = Report(erc20_baseline())
    paillier(report)
    wasm(report)
    circuit(report)
    batch()
    stopping(report.baseline_s)


if __name__ == "__main__":
    main()
