"""WebAssembly contracts: the examples end to end, gas, limits, failures, batches, determinism."""

from __future__ import annotations

import pytest

from cms.domain.engine import (
    ContractReverted,
    EngineValidationError,
    ExecutionTimeout,
    GasExhausted,
    GasMeter,
    MemoryState,
    StagedState,
    StorageError,
)
from cms.domain.engine.gas import DEFAULT_SCHEDULE
from cms.domain.engine.wasm import DEFAULT_WASM_SCHEDULE, WasmCall, WasmRuntime, storage_key
from tests.unit.wasm_helpers import (
    ALICE,
    BOB,
    OWNER,
    Deployed,
    context,
    example,
    module,
)

SUPPLY = 1_000_000
WRITE = '(import "cms" "storage_write" (func $write (param i32 i32 i32 i32)))'
READ = '(import "cms" "storage_read" (func $read (param i32 i32 i32 i32) (result i32)))'
RETURN = '(import "cms" "return_data" (func $return (param i32 i32)))'
ABORT = '(import "cms" "abort" (func $abort (param i32 i32)))'


@pytest.fixture(scope="module")
def runtime() -> WasmRuntime:
    return WasmRuntime()


@pytest.fixture
def token(runtime: WasmRuntime) -> Deployed:
    deployed = Deployed(runtime, example("token"))
    deployed.init(supply=SUPPLY)
    return deployed


def reverted_with(error: ContractReverted) -> tuple[str, list]:
    return error.error, error.arguments


# --- the example contracts ------------------------------------------------------------------

def test_counter_increments_adds_and_refuses_to_overflow(runtime: WasmRuntime) -> None:
    counter = Deployed(runtime, example("counter"))
    assert counter("get") == "0"
    assert counter("increment") == "1"
    assert counter("add", amount=41) == "42"
    with pytest.raises(ContractReverted) as caught:
        counter("add", amount=2**64 - 1)
    assert reverted_with(caught.value) == ("Error", ["counter overflow"])
    assert counter("get") == "42"


def test_token_mints_the_supply_to_the_deployer_with_a_transfer_event(token: Deployed) -> None:
    assert token("totalSupply") == str(SUPPLY)
    assert token("balanceOf", account=OWNER) == str(SUPPLY)
    zero = "0x" + "00" * 20
    assert token.state.get(storage_key(b"s")) == SUPPLY.to_bytes(8, "little")
    fresh = Deployed(token.runtime, token.info)
    fresh.init(caller=ALICE, supply=5)
    assert [e.to_dict() for e in fresh.events] == [{
        "event": "Transfer",
        "data": "0x" + "00" * 20 + ALICE[2:] + (5).to_bytes(8, "little").hex(),
        "args": {"from": zero, "to": ALICE, "amount": "5"}}]
    with pytest.raises(ContractReverted, match="already initialised"):
        fresh.init(caller=ALICE, supply=5)


def test_token_transfers_with_events_and_refuses_overdrafts(token: Deployed) -> None:
    assert token("transfer", to=ALICE, amount=300) is True
    assert token.events[0].args == {"from": "0x1111111111111111111111111111111111111111",
                                    "to": "0x2222222222222222222222222222222222222222",
                                    "amount": "300"}
    assert token("transfer", caller=ALICE, to=BOB, amount=100) is True
    assert [token("balanceOf", account=a) for a in (OWNER, ALICE, BOB)] == [
        str(SUPPLY - 300), "200", "100"]
    before = token.state.snapshot()
    with pytest.raises(ContractReverted) as caught:
        token("transfer", caller=BOB, to=ALICE, amount=101)
    assert reverted_with(caught.value) == ("Error", ["insufficient balance"])
    assert token.state.snapshot() == before
    assert token.events == []


def test_token_self_transfer_and_zero_amount_change_nothing(token: Deployed) -> None:
    before = token.state.snapshot()
    assert token("transfer", to=OWNER, amount=10) is True
    assert token("transfer", to=ALICE, amount=0) is True
    assert token.state.snapshot() == before


def test_token_batch_transfer_is_all_or_nothing(token: Deployed) -> None:
    assert token("transferBatch", to=[ALICE, BOB], amount=[5, 7]) is True
    assert [e.args["amount"] for e in token.events] == ["5", "7"]
    before = token.state.snapshot()
    with pytest.raises(ContractReverted, match="insufficient balance"):
        token("transferBatch", to=[ALICE, BOB], amount=[1, SUPPLY])
    assert token.state.snapshot() == before
    with pytest.raises(ContractReverted, match="differ in length"):
        token("transferBatch", to=[ALICE, BOB], amount=[1])


def test_escrow_state_machine(runtime: WasmRuntime) -> None:
    buyer, seller, arbiter = OWNER, ALICE, BOB
    escrow = Deployed(runtime, example("escrow"))
    escrow.init(caller=buyer, seller=seller, arbiter=arbiter)
    assert (escrow("status"), escrow("amount")) == ("created", "0")
    with pytest.raises(ContractReverted, match="only the buyer can deposit"):
        escrow("deposit", caller=seller, amount=50)
    with pytest.raises(ContractReverted, match="must be positive"):
        escrow("deposit", amount=0)
    with pytest.raises(ContractReverted, match="not funded"):
        escrow("release")
    escrow("deposit", amount=50)
    assert [e.to_dict()["args"] for e in escrow.events] == [{"buyer": buyer, "amount": "50"}]
    assert (escrow("status"), escrow("amount")) == ("funded", "50")
    with pytest.raises(ContractReverted, match="not awaiting a deposit"):
        escrow("deposit", amount=1)
    with pytest.raises(ContractReverted, match="only the seller or the arbiter can refund"):
        escrow("refund", caller=buyer)
    escrow("release", caller=arbiter)
    assert escrow.events[0].name == "Released"
    assert escrow.events[0].args == {"seller": seller, "amount": "50"}
    assert escrow("status") == "released"
    with pytest.raises(ContractReverted, match="not funded"):
        escrow("refund", caller=arbiter)


def test_escrow_refund_by_the_seller(runtime: WasmRuntime) -> None:
    escrow = Deployed(runtime, example("escrow"))
    escrow.init(seller=ALICE, arbiter=BOB)
    escrow("deposit", amount=9)
    escrow("refund", caller=ALICE)
    assert escrow.events[0].to_dict() == {
        "event": "Refunded", "data": "0x" + OWNER[2:] + (9).to_bytes(8, "little").hex(),
        "args": {"buyer": OWNER, "amount": "9"}}
    assert escrow("status") == "refunded"


def test_read_only_functions_cannot_write(runtime: WasmRuntime) -> None:
    info = module('(func (export "poke") (call $write (i32.const 0) (i32.const 1) '
                  '(i32.const 0) (i32.const 1)))', imports=WRITE,
                  manifest={"functions": {"poke": {"returns": None, "read_only": True}}})
    with pytest.raises(ContractReverted) as caught:
        Deployed(runtime, info)("poke")
    assert reverted_with(caught.value) == ("Trap", ["storage_write in a read-only function"])


# --- gas ------------------------------------------------------------------------------------

def test_gas_follows_the_documented_schedule(runtime: WasmRuntime) -> None:
    # 4 i32.const + call = 5 instructions, +1 for entering the function; one host call; one
    # new 8-byte slot (a word): 21000 + 6 + 700 + 20000.
    info = module('(func (export "store") (call $write (i32.const 0) (i32.const 1) '
                  '(i32.const 8) (i32.const 8)))', imports=WRITE)
    store = Deployed(runtime, info)
    store("store")
    assert store.meter is not None
    assert dict(store.meter.breakdown) == {
        "call": DEFAULT_SCHEDULE.call_base, "instructions": 6,
        "host_call": DEFAULT_WASM_SCHEDULE.host_call,
        "storage_write": DEFAULT_SCHEDULE.storage_write_new}
    assert store.meter.used == 41_706
    store("store")  # the same value again: a no-op write
    assert store.meter.breakdown["storage_write"] == DEFAULT_SCHEDULE.storage_write_noop


def test_gas_is_deterministic_and_exact_at_the_limit(token: Deployed) -> None:
    twin = Deployed(token.runtime, token.info, MemoryState(token.state.snapshot()))
    breakdowns = []
    for deployed in (token, twin, token):
        deployed("transfer", to=ALICE, amount=1)
        assert deployed.meter is not None
        breakdowns.append(dict(deployed.meter.breakdown))
    assert breakdowns[0] == breakdowns[1]  # the same call on the same state
    assert breakdowns[0]["storage_write"] - breakdowns[2]["storage_write"] == \
        DEFAULT_SCHEDULE.storage_write_new - DEFAULT_SCHEDULE.storage_write_update
    assert token.meter is not None
    exact = token.meter.used
    token("transfer", to=ALICE, amount=1, gas_limit=exact)
    assert token.meter.used == exact
    before = token.state.snapshot()
    with pytest.raises(GasExhausted) as caught:
        token("transfer", to=ALICE, amount=1, gas_limit=exact - 1)
    assert token.state.snapshot() == before
    assert caught.value.gas_used == token.meter.used == exact - 1
    assert token.events == []


@pytest.mark.parametrize("gas_limit", [21_000, 25_000, 30_000, 40_000])
def test_out_of_gas_anywhere_changes_nothing(token: Deployed, gas_limit: int) -> None:
    before = token.state.snapshot()
    with pytest.raises(GasExhausted) as caught:
        token("transfer", to=ALICE, amount=1, gas_limit=gas_limit)
    assert token.state.snapshot() == before
    assert caught.value.gas_limit == gas_limit
    assert token.meter is not None and token.meter.used <= gas_limit


def test_instructions_alone_run_out_of_gas(runtime: WasmRuntime) -> None:
    spin = Deployed(runtime, module('(func (export "spin") (loop $l (br $l)))'))
    with pytest.raises(GasExhausted):
        spin("spin", gas_limit=100_000)
    assert spin.meter is not None and spin.meter.used == 100_000


def test_host_calls_alone_run_out_of_gas(runtime: WasmRuntime) -> None:
    body = ('(func (export "spam") (loop $l (drop (call $read (i32.const 0) (i32.const 1) '
            '(i32.const 0) (i32.const 0))) (br $l)))')
    spam = Deployed(runtime, module(body, imports=READ))
    with pytest.raises(GasExhausted):
        spam("spam", gas_limit=1_000_000, timeout_ms=10_000)


# --- limits and failures --------------------------------------------------------------------

def test_an_infinite_loop_hits_the_time_limit_and_the_runtime_carries_on(
        runtime: WasmRuntime) -> None:
    spin = Deployed(runtime, module('(func (export "spin") (loop $l (br $l)))'))
    with pytest.raises(ExecutionTimeout):
        spin("spin", gas_limit=30_000_000, timeout_ms=5)
    counter = Deployed(runtime, example("counter"))
    assert counter("increment") == "1"


def test_a_memory_bomb_fails_cleanly(runtime: WasmRuntime) -> None:
    # grow a page at a time until refused; "size" reports the pages reached, "bomb" then traps
    grow = ('(block $full (loop $grow '
            '(br_if $full (i32.eq (memory.grow (i32.const 1)) (i32.const -1))) (br $grow)))')
    body = (f'(func (export "size") {grow} (i32.store (i32.const 0) (memory.size)) '
            '(call $return (i32.const 0) (i32.const 4))) '
            f'(func (export "bomb") {grow} unreachable)')
    info = module(body, imports=RETURN)
    assert Deployed(runtime, info)("size") == "0x" + (256).to_bytes(4, "little").hex()  # 16 MiB
    small = WasmRuntime(max_memory_bytes=1 << 20)
    assert Deployed(small, info)("size") == "0x" + (16).to_bytes(4, "little").hex()
    with pytest.raises(ContractReverted) as caught:
        Deployed(runtime, info)("bomb")
    assert reverted_with(caught.value) == ("Trap", ["unreachable instruction executed"])
    huge = module('(func (export "huge") (if (i32.ne (memory.grow (i32.const 60000)) '
                  '(i32.const -1)) (then unreachable)))')
    Deployed(runtime, huge)("huge")  # refused: grow returns -1, no trap
    assert Deployed(runtime, example("counter"))("increment") == "1"


def test_memory_grows_up_to_the_limit_and_host_calls_see_it(runtime: WasmRuntime) -> None:
    body = ('(func (export "grow") (drop (memory.grow (i32.const 2))) '
            '(i32.store (i32.const 0x20000) (i32.const 7)) '
            '(call $return (i32.const 0x20000) (i32.const 4)))')
    grower = Deployed(runtime, module(body, imports=RETURN))
    assert grower("grow") == "0x07000000"


def test_abort_and_traps_surface_as_reverts(runtime: WasmRuntime) -> None:
    body = ('(data (i32.const 16) "nope: \\e2\\9c\\97") '
            '(func (export "abort") (call $abort (i32.const 16) (i32.const 9))) '
            '(func (export "divide") (drop (i32.div_u (i32.const 1) (i32.const 0)))) '
            '(func (export "oob") (drop (i32.load (i32.const 70000)))) '
            '(func $deep (export "recurse") (call $deep)) '
            '(func (export "unreachable") unreachable) '
            '(func (export "wild") (call $abort (i32.const 65530) (i32.const 100)))')
    guest = Deployed(runtime, module(body, imports=ABORT))
    expected = {"abort": ("Error", ["nope: ✗"]),
                "divide": ("Trap", ["integer divide by zero"]),
                "oob": ("Trap", ["out of bounds memory access"]),
                "recurse": ("Trap", ["stack overflow"]),
                "unreachable": ("Trap", ["unreachable instruction executed"]),
                "wild": ("Trap", ["a host call reached byte 65630 of a 65536-byte memory"])}
    for function, (error, arguments) in expected.items():
        with pytest.raises(ContractReverted) as caught:
            guest(function)
        assert reverted_with(caught.value) == (error, arguments), function
    assert caught.value.data.startswith(caught.value.selector)


def test_host_abi_misuse_traps_with_a_clear_message(runtime: WasmRuntime) -> None:
    body = ('(func (export "long_key") (call $write (i32.const 0) (i32.const 65) '
            '(i32.const 0) (i32.const 1))) '
            '(func (export "big_value") (call $write (i32.const 0) (i32.const 1) '
            '(i32.const 0) (i32.const 16385))) '
            '(func (export "negative") (call $write (i32.const -1) (i32.const 4) '
            '(i32.const 0) (i32.const 1)))')
    guest = Deployed(runtime, module(body, imports=WRITE))
    for function, message in (("long_key", "a storage key must be 1 to 64 bytes, not 65"),
                              ("big_value", "a storage value must be at most 16384 bytes"),
                              ("negative", "a host call reached byte 4294967299")):
        with pytest.raises(ContractReverted, match=message):
            guest(function)


def test_invalid_return_data_is_a_revert(runtime: WasmRuntime) -> None:
    info = module('(func (export "f") (call $return (i32.const 0) (i32.const 3)))',
                  imports=RETURN, manifest={"functions": {"f": {"returns": "u64"}}})
    with pytest.raises(ContractReverted) as caught:
        Deployed(runtime, info)("f")
    assert caught.value.error == "InvalidReturnData"


def test_unknown_functions_and_bad_calls_are_refused_before_running(
        token: Deployed, runtime: WasmRuntime) -> None:
    gas = GasMeter(100_000)
    for function in ("mint", "init", "memory", 7):
        with pytest.raises(EngineValidationError) as caught:
            runtime.execute(token.info, function, b"", state=MemoryState(), gas=gas,  # type: ignore[arg-type]
                            context=context())
        assert caught.value.field == "function"
    with pytest.raises(EngineValidationError, match="timeout_ms"):
        runtime.execute(token.info, "totalSupply", b"", state=MemoryState(), gas=gas,
                        context=context(), timeout_ms=0)
    with pytest.raises(EngineValidationError, match="input"):
        runtime.execute(token.info, "totalSupply", b"x" * 70_000, state=MemoryState(),
                        gas=gas, context=context())
    assert gas.used == 0
    with pytest.raises(EngineValidationError, match="caller"):
        context(caller="0x1234")


def test_a_failing_state_backend_is_not_a_revert(token: Deployed) -> None:
    class Broken(MemoryState):
        def get(self, key: str) -> bytes | None:
            raise StorageError("the table is unavailable")

    with pytest.raises(StorageError):
        token.runtime.execute(token.info, "totalSupply", b"", state=Broken(),
                              gas=GasMeter(100_000), context=context())


def test_execute_writes_only_to_the_state_it_is_given(token: Deployed) -> None:
    before = token.state.snapshot()
    stage = StagedState(token.state)
    data = token.info.functions["transfer"].encode_args({"to": ALICE, "amount": 5})
    token.runtime.execute(token.info, "transfer", data, state=stage, gas=GasMeter(100_000),
                          context=context())
    assert token.state.snapshot() == before
    assert stage.pending


def test_init_without_an_init_export(runtime: WasmRuntime) -> None:
    info = example("counter")
    assert not info.has_init and info.init_function is None
    gas = GasMeter(100_000)
    assert runtime.init(info, b"", state=MemoryState(), gas=gas, context=context()) == b""
    assert gas.used == 0
    with pytest.raises(EngineValidationError, match="no init function"):
        runtime.init(info, b"x", state=MemoryState(), gas=gas, context=context())


# --- determinism and batches ----------------------------------------------------------------

GLOBAL_COUNTER = ('(global $n (mut i64) (i64.const 0)) '
                  '(func (export "bump") (global.set $n (i64.add (global.get $n) (i64.const 1))) '
                  '(i64.store (i32.const 0) (global.get $n)) '
                  '(call $return (i32.const 0) (i32.const 8))) '
                  '(func (export "fail") unreachable)')


def test_nothing_but_storage_survives_an_execution(runtime: WasmRuntime) -> None:
    info = module(GLOBAL_COUNTER, imports=RETURN,
                  manifest={"functions": {"bump": {"returns": "u64"}}})
    bump = Deployed(runtime, info)
    assert [bump("bump") for _ in range(3)] == ["1", "1", "1"]


def test_every_execution_returns_its_instance_to_the_pool(runtime: WasmRuntime) -> None:
    from cms.domain.engine.wasm.limits import POOL_SLOTS

    counter = Deployed(runtime, example("counter"))
    for _ in range(POOL_SLOTS + 20):
        counter("get")


def test_context_reaches_the_guest(runtime: WasmRuntime) -> None:
    imports = ('(import "cms" "caller" (func $caller (param i32))) '
               '(import "cms" "contract_address" (func $contract (param i32))) '
               '(import "cms" "block_number" (func $block (result i64))) '
               '(import "cms" "timestamp" (func $time (result i64))) ' + RETURN)
    body = ('(func (export "who") (call $caller (i32.const 0)) (call $contract (i32.const 20)) '
            '(i64.store (i32.const 40) (call $block)) (i64.store (i32.const 48) (call $time)) '
            '(call $return (i32.const 0) (i32.const 56)))')
    info = module(body, imports=imports)
    output = Deployed(runtime, info)("who", caller=ALICE)
    raw = bytes.fromhex(output[2:])
    assert raw[:20].hex() == ALICE[2:] and raw[20:40].hex() == "c0" * 20
    assert int.from_bytes(raw[40:48], "little") == 7
    assert int.from_bytes(raw[48:], "little") == 1_700_000_000


def transfer_call(token: Deployed, to: str, amount: int, caller: str | None = None) -> WasmCall:
    data = token.info.functions["transfer"].encode_args({"to": to, "amount": amount})
    return WasmCall("transfer", data, caller)


def test_a_failed_call_in_a_batch_leaves_the_others_applied(token: Deployed) -> None:
    calls = [transfer_call(token, ALICE, 10), transfer_call(token, BOB, 1, caller=ALICE),
             transfer_call(token, ALICE, 5, caller=BOB), transfer_call(token, BOB, 20),
             WasmCall("nope"), WasmCall("transfer", b"short")]
    outcomes = token.runtime.execute_batch(token.info, calls, state=token.state,
                                           gas_limit=100_000, context=context())
    assert [o.ok for o in outcomes] == [True, True, False, True, False, False]
    assert token("balanceOf", account=ALICE) == "9"
    assert token("balanceOf", account=BOB) == "21"
    failed = outcomes[2]
    assert isinstance(failed.error, ContractReverted) and failed.events == []
    assert failed.return_data is None and 0 < failed.gas_used <= 100_000
    assert isinstance(outcomes[4].error, EngineValidationError) and outcomes[4].gas_used == 0
    assert outcomes[5].error.arguments == ["invalid input length"]  # type: ignore[union-attr]
    ok = outcomes[0]
    assert ok.return_data == b"\x01" and ok.events[0].args["amount"] == "10"
    assert set(ok.gas_breakdown) == {"call", "host_call", "storage_read", "storage_write",
                                     "event", "instructions"}
    assert sum(ok.gas_breakdown.values()) == ok.gas_used


def test_batch_gas_matches_single_executions(token: Deployed) -> None:
    twin_state = MemoryState(token.state.snapshot())
    token("transfer", to=ALICE, amount=1)
    assert token.meter is not None
    [outcome] = token.runtime.execute_batch(token.info, [transfer_call(token, ALICE, 1)],
                                            state=twin_state, gas_limit=100_000,
                                            context=context())
    assert outcome.gas_breakdown == dict(token.meter.breakdown)
    assert outcome.meter is not None and outcome.meter.used == token.meter.used
    assert twin_state.snapshot() == token.state.snapshot()


def test_a_batch_shares_one_instance_until_a_call_fails(runtime: WasmRuntime) -> None:
    info = module(GLOBAL_COUNTER, imports=RETURN)
    calls = [WasmCall("bump"), WasmCall("bump"), WasmCall("fail"), WasmCall("bump")]
    outcomes = runtime.execute_batch(info, calls, state=MemoryState(), gas_limit=100_000,
                                     context=context())
    counts = [int.from_bytes(o.return_data, "little") if o.ok else None for o in outcomes]
    assert counts == [1, 2, None, 1]


def test_batch_limits(token: Deployed) -> None:
    for gas_limit in (0, 10**12):
        with pytest.raises(EngineValidationError, match="gas_limit"):
            token.runtime.execute_batch(token.info, [], state=token.state, gas_limit=gas_limit,
                                        context=context())
    [outcome] = token.runtime.execute_batch(
        token.info, [WasmCall("totalSupply", gas_limit=0)], state=token.state,
        gas_limit=100_000, context=context())
    assert isinstance(outcome.error, EngineValidationError)
    with pytest.raises(EngineValidationError, match="at most"):
        token.runtime.execute_batch(token.info, [WasmCall("totalSupply")] * 10_001,
                                    state=token.state, gas_limit=100_000, context=context())


def test_the_runtime_refuses_a_memory_limit_it_cannot_honour() -> None:
    with pytest.raises(ValueError, match="max_memory_bytes"):
        WasmRuntime(max_memory_bytes=1 << 30)
