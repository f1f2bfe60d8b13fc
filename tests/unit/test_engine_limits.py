"""What one call may cost: every kind's costly work is priced before it runs, and every call,
estimate and batch stops at its wall-clock limit with nothing changed.

Times here are a ``ManualTimer`` the test moves (tests/unit/engine_timing.py), so nothing
depends on the machine's speed; bench/engine_limits.py measures the real figures."""

from __future__ import annotations

import random
from math import gcd

import pytest

from cms.adapters.memory.engine import MemoryContractStorage
from cms.config import Misconfigured, Settings
from cms.domain.engine.bigint import interruptible_pow
from cms.domain.engine.errors import (
    ContractReverted,
    EngineValidationError,
    ExecutionTimeout,
    GasExhausted,
)
from cms.domain.engine.gas import (
    MAX_GAS_LIMIT,
    PREDICTED_NS_PER_GAS,
    GasMeter,
    inverse_gas,
    modexp_gas,
    mulmod_gas,
)
from cms.domain.engine.kinds import PrivacyKind, WasmKind
from cms.domain.engine.paillier import MAX_KEY_BITS, PublicKey, generate_keypair
from cms.domain.engine.privacy_contracts import ARITHMETIC, SealedBidTally
from cms.domain.engine.state import MemoryState
from cms.domain.engine.unified import Deployment, Execution, UnifiedContractEngine
from tests.unit.engine_timing import ManualTimer, Slowed

OWNER = "0x" + "ab" * 20
TALLY = "sealed_bid_tally"


def modulus(bits: int) -> int:
    """An odd number of exactly ``bits`` bits: a public key as far as pricing can tell."""
    return random.Random(bits).getrandbits(bits) | 1 << (bits - 1) | 1


def unit(n: int, below: int) -> int:
    rng = random.Random(n)
    while gcd(value := rng.randrange(2, below), n) != 1:
        continue
    return value


def tally_engine(n: int, **options: object) -> tuple[UnifiedContractEngine, str]:
    """A sealed-bid tally under modulus ``n`` with one bid in."""
    engine = UnifiedContractEngine(MemoryContractStorage(), **options)  # type: ignore[arg-type]
    address = engine.deploy_contract(Deployment(
        TALLY, OWNER, "Tally", {"public_key": {"n": format(n, "x")}})).address
    bid = format(unit(n, n * n), "x")
    assert engine.execute_contract(Execution(address, "submitBid", OWNER, {"bid": bid})).success
    return engine, address


def reveal(address: str, n: int, gas_limit: int | None = None) -> Execution:
    return Execution(address, "reveal", OWNER, {"total": "1", "randomness": format(
        unit(n + 1, n), "x")}, gas_limit=gas_limit)


@pytest.fixture
def reencryptions(monkeypatch) -> list[int]:
    """Re-encryptions that actually ran (stubbed: a failed opening, without the work)."""
    ran: list[int] = []

    def verify_opening(key: PublicKey, *_args: object, **_kwargs: object) -> bool:
        ran.append(key.n.bit_length())
        return False

    monkeypatch.setattr(PublicKey, "verify_opening", verify_opening)
    return ran


# -- prices ---------------------------------------------------------------------------------------

def test_modexp_is_priced_as_eip_2565_prices_the_precompile():
    # EIP-2565's own vectors: nagydani_5 (1024-byte base and modulus), exponents 3 and 65537.
    assert modexp_gas(3, 8192) == 5_461
    assert modexp_gas(0x10001, 8192) == 87_381
    assert modexp_gas(2, 512) == 200  # the floor
    # A reveal's re-encryption: r^n mod n^2, by key size.
    assert modexp_gas(modulus(2048), 4096) == 2_794_837
    assert modexp_gas(modulus(4096), 8192) == 22_364_160
    assert modexp_gas(modulus(8192), 16384) > 5 * MAX_GAS_LIMIT


def test_an_inverse_costs_more_than_a_multiplication_and_both_grow_with_the_modulus():
    assert mulmod_gas(4096) < inverse_gas(4096) < inverse_gas(8192)
    assert mulmod_gas(8192) == 4 * mulmod_gas(4096) + 1  # words squared, floored thirds


# -- the Paillier reveal (the finding) ------------------------------------------------------------

def test_a_reveal_pays_for_its_reencryption_before_doing_it(reencryptions):
    n = modulus(MAX_KEY_BITS)
    engine, address = tally_engine(n)
    short = engine.execute_contract(reveal(address, n))  # the default 3,000,000 gas
    assert short.error["code"] == "gas_exhausted" and reencryptions == []
    assert short.error["gas_required"] >= modexp_gas(n, 2 * MAX_KEY_BITS)
    full = engine.execute_contract(reveal(address, n, MAX_GAS_LIMIT))
    assert full.error["error"] == "InvalidOpening" and reencryptions == [MAX_KEY_BITS]
    assert modexp_gas(n, 2 * MAX_KEY_BITS) < full.gas_used < MAX_GAS_LIMIT


@pytest.mark.parametrize("kind", ["confidential_ledger", TALLY])
@pytest.mark.parametrize("bits", [MAX_KEY_BITS + 1, 8192])
def test_a_key_whose_arithmetic_no_call_could_pay_for_is_refused(kind, bits):
    engine = UnifiedContractEngine(MemoryContractStorage())
    with pytest.raises(EngineValidationError) as refused:
        engine.deploy_contract(Deployment(kind, OWNER, "Big key", {
            "public_key": {"n": format(modulus(bits), "x")}}))
    assert refused.value.extra["errors"][0]["pointer"] == "/n"


def test_a_contract_stored_with_a_larger_key_refuses_calls_before_running(reencryptions):
    n = modulus(MAX_KEY_BITS)
    engine, address = tally_engine(n)
    big = modulus(8192)  # as a contract deployed before keys were bounded holds it
    engine.storage.set_contract_state(address, "publicKey", big.to_bytes(1024, "big"))
    with pytest.raises(EngineValidationError):
        engine.execute_contract(reveal(address, n, MAX_GAS_LIMIT))
    assert reencryptions == []


def test_a_reencryption_that_would_end_past_the_deadline_never_starts(reencryptions):
    n = modulus(MAX_KEY_BITS)
    timer = ManualTimer()
    slow = Slowed(PrivacyKind(SealedBidTally), timer, 0.0)
    engine, address = tally_engine(n, timer=timer, kinds={TALLY: slow})
    version = engine.storage.snapshot(address).version
    slow.seconds = 1.5  # 0.5 s of the 2 s left: the re-encryption is predicted at 1.8 s
    assert modexp_gas(n, 2 * MAX_KEY_BITS) * PREDICTED_NS_PER_GAS / 1e9 > 0.5
    late = engine.execute_contract(reveal(address, n, MAX_GAS_LIMIT))
    assert late.error["code"] == "execution_timeout" and late.error["time_limit_ms"] == 2_000
    assert reencryptions == [] and late.gas_used == MAX_GAS_LIMIT
    assert engine.storage.snapshot(address).version == version


def test_an_estimate_runs_within_the_same_limits_and_is_counted(reencryptions):
    n = modulus(MAX_KEY_BITS)
    timer = ManualTimer()
    slow = Slowed(PrivacyKind(SealedBidTally), timer, 0.0)
    engine, address = tally_engine(n, timer=timer, kinds={TALLY: slow})
    with pytest.raises(GasExhausted):  # its own limit, when it names one
        engine.estimate_gas(reveal(address, n, 3_000_000))
    with pytest.raises(ContractReverted):  # else the largest a call may have
        engine.estimate_gas(reveal(address, n))
    slow.seconds = 1.5
    with pytest.raises(ExecutionTimeout):
        engine.estimate_gas(reveal(address, n))
    assert reencryptions == [MAX_KEY_BITS]
    runs = engine.storage.get_execution_history(address, 3)
    assert [r.dry_run for r in runs] == [True] * 3
    assert [r.error["code"] for r in runs] == ["execution_timeout", "contract_reverted",
                                               "gas_exhausted"]
    assert all(r.caller.lower() == OWNER for r in runs)


def test_interruptible_pow_is_pow():
    rng = random.Random(7)
    for bits in (1, 4, 5, 6, 64, 1_000):
        for _ in range(20):
            modulus = rng.getrandbits(bits + 1) | 2
            base, exponent = rng.getrandbits(2 * bits), rng.getrandbits(bits)
            assert interruptible_pow(base, exponent, modulus, lambda: None) == pow(
                base, exponent, modulus)
    assert interruptible_pow(5, 0, 7, lambda: None) == 1


def test_a_reencryption_is_stopped_between_its_pieces_at_the_deadline():
    key, private = generate_keypair(1024)  # a 1024-bit exponent: 205 windows, 12 checks
    state = MemoryState()
    SealedBidTally(state, GasMeter(MAX_GAS_LIMIT)).init(key.to_json(), OWNER)
    SealedBidTally(state, GasMeter(MAX_GAS_LIMIT)).submit_bid(OWNER, key.encrypt(3).to_json())
    total, r = private.open(key.parse_ciphertext(
        SealedBidTally(state, GasMeter(MAX_GAS_LIMIT)).tally(OWNER)))
    timer, checks = ManualTimer(), []
    meter = GasMeter(MAX_GAS_LIMIT, deadline=timer.now + 1, time_limit_ms=1_000, timer=timer)

    def check() -> None:  # from the arithmetic on, each piece "takes" 0.3 s
        if ARITHMETIC in meter.breakdown:
            checks.append(timer.now)
            timer.advance(0.3)
        GasMeter.check_deadline(meter)

    meter.check_deadline = check  # type: ignore[method-assign]
    with pytest.raises(ExecutionTimeout):
        SealedBidTally(state, meter).reveal(OWNER, str(total), format(r, "x"))
    # The arithmetic's charge, then pieces of the exponentiation: the third piece ends 1.2 s
    # in, past the deadline, and the rest of the 12 never run.
    assert len(checks) == 4
    assert SealedBidTally(state, GasMeter(MAX_GAS_LIMIT)).revealed_total(OWNER) is None
    assert SealedBidTally(state, GasMeter(MAX_GAS_LIMIT)).reveal(
        OWNER, str(total), format(r, "x")) == 3  # with time, the same reveal succeeds


# -- WebAssembly: code is paid for before it is compiled -------------------------------------------

def test_a_module_the_constructor_cannot_pay_for_is_never_compiled(monkeypatch):
    from cms.domain.engine.wasm import native

    compiled: list[str] = []
    real = native.compiled_module
    monkeypatch.setattr(native, "compiled_module",
                        lambda wasm, code_hash: compiled.append(code_hash) or real(wasm, code_hash))
    monkeypatch.setattr("cms.domain.engine.wasm.validation.compiled_module",
                        native.compiled_module)
    engine = UnifiedContractEngine(MemoryContractStorage(), kinds={"wasm": WasmKind()})
    body = " ".join(f'(func (export "f{i}"))' for i in range(200))
    code = f'(module (memory (export "memory") 1) {body})'
    with pytest.raises(GasExhausted) as short:
        engine.deploy_contract(Deployment("wasm", OWNER, "Big", code=code, gas_limit=100_000))
    assert short.value.gas_required > 100_000 and compiled == []
    deployed = engine.deploy_contract(Deployment("wasm", OWNER, "Big", code=code))
    assert set(compiled) == {deployed.code_hash}


# -- configuration ----------------------------------------------------------------------------

def test_the_limits_come_from_settings_and_the_engine_states_them():
    from cms.bootstrap import MemoryServices

    settings = Settings.from_environ({"CMS_ENGINE_CALL_TIME_MS": "500",
                                      "CMS_ENGINE_BATCH_TIME_MS": "4000"})
    config = MemoryServices(settings).engine.info().config
    assert (config.max_execution_time_ms, config.max_batch_time_ms) == (500, 4_000)
    assert MemoryServices().engine.info().config.max_execution_time_ms == 2_000


@pytest.mark.parametrize(("call_ms", "batch_ms"), [("0", "1000"), ("20000", "25000"),
                                                   ("2000", "1000"), ("2000", "60000")])
def test_limits_out_of_range_are_a_misconfiguration(call_ms, batch_ms):
    from cms.bootstrap import MemoryServices

    settings = Settings.from_environ({"CMS_ENGINE_CALL_TIME_MS": call_ms,
                                      "CMS_ENGINE_BATCH_TIME_MS": batch_ms})
    with pytest.raises(Misconfigured):
        _ = MemoryServices(settings).engine


def test_a_meter_stops_at_its_deadline_and_predicts_priced_work():
    timer = ManualTimer()
    meter = GasMeter(MAX_GAS_LIMIT, deadline=timer.now + 1, time_limit_ms=1_000, timer=timer)
    half_a_second = 500_000_000 // PREDICTED_NS_PER_GAS
    meter.charge(1_000)
    meter.charge_compute(half_a_second, "arithmetic")  # predicted to end in time
    assert meter.time_left_ms() == 1_000
    with pytest.raises(ExecutionTimeout):
        meter.charge_compute(2 * half_a_second + 1, "arithmetic")  # just past it
    assert meter.used == 1_000 + half_a_second  # a refused step is not charged
    timer.advance(1.001)
    with pytest.raises(ExecutionTimeout) as late:
        meter.charge(1)
    assert late.value.extra["time_limit_ms"] == 1_000
