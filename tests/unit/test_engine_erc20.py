"""The engine's built-in ERC20: OpenZeppelin 5 semantics, errors, events, gas and atomicity."""

from __future__ import annotations

import pytest
from eth_abi import encode
from eth_utils import keccak

from cms.domain.engine import (
    FUNCTIONS,
    READ_ONLY_FUNCTIONS,
    ContractNotFound,
    ContractReverted,
    EngineValidationError,
    Erc20,
    GasExhausted,
    GasMeter,
    GasSchedule,
    MemoryState,
    StagedState,
)
from cms.domain.engine.erc20 import MAX_UINT256, ZERO_ADDRESS
from cms.domain.engine.gas import MAX_GAS_LIMIT

OWNER = "0x1111111111111111111111111111111111111111"
ALICE = "0x2222222222222222222222222222222222222222"
BOB = "0x3333333333333333333333333333333333333333"
ZERO = ZERO_ADDRESS
MAX = MAX_UINT256
SUPPLY = 1_000_000
TRANSFER_TOPIC = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"
APPROVAL_TOPIC = "0x8c5be1e5ebec7d5bd14f71427d1e84f3dd0314c0f7b2291e5b200ac8c7c3b925"


class Token:
    """A token in a MemoryState; every call gets a fresh meter, events are collected."""

    def __init__(self, supply: int = SUPPLY, gas_limit: int = 1_000_000) -> None:
        self.state = MemoryState()
        self.events: list = []
        self.gas_limit = gas_limit
        self.meter = GasMeter(1_000_000)
        Erc20(self.state, self.meter, self.events.append).init("Token", "TKN", 18, OWNER,
                                                              supply)
        self.events.clear()

    def __call__(self, function: str, caller: str = OWNER, **args):
        self.meter = GasMeter(self.gas_limit)
        self.events.clear()
        return Erc20(self.state, self.meter, self.events.append).call(function, args, caller)

    def call(self, function: str, args: dict, caller: str = OWNER):
        return self.__call__(function, caller, **args)

    def balance(self, account: str) -> int:
        return self("balanceOf", account=account)

    def allowance(self, owner: str, spender: str) -> int:
        return self("allowance", owner=owner, spender=spender)


@pytest.fixture
def token() -> Token:
    return Token()


def reverted(call, error: str, *arguments) -> ContractReverted:
    with pytest.raises(ContractReverted) as caught:
        call()
    assert (caught.value.error, tuple(caught.value.arguments)) == (error, arguments)
    return caught.value


def topic(address: str) -> str:
    return "0x" + "0" * 24 + address[2:].lower()


def word(value: int) -> str:
    return "0x" + value.to_bytes(32, "big").hex()


def transfer_event(sender: str, to: str, value: int):
    return ("Transfer", (TRANSFER_TOPIC, topic(sender), topic(to)), word(value))


def approval_event(owner: str, spender: str, value: int):
    return ("Approval", (APPROVAL_TOPIC, topic(owner), topic(spender)), word(value))


def logs(token: Token):
    return [(e.name, e.topics, e.data) for e in token.events]


# --- metadata and construction ------------------------------------------------------------

def test_metadata_and_initial_supply(token):
    assert token("name") == "Token" and token("symbol") == "TKN"
    assert token("decimals") == 18 and token("owner") == OWNER
    assert token("totalSupply") == SUPPLY == token.balance(OWNER)
    assert token.balance(ALICE) == 0 and token.allowance(OWNER, ALICE) == 0


def test_init_emits_ownership_then_the_mint():
    state, events = MemoryState(), []
    Erc20(state, GasMeter(10**6), events.append).init("A", "B", 6, OWNER.lower(), "5")
    assert [e.name for e in events] == ["OwnershipTransferred", "Transfer"]
    assert events[0].args == {"previousOwner": ZERO, "newOwner": OWNER}
    assert events[1].args == {"from": ZERO, "to": OWNER, "value": 5}
    events.clear()
    Erc20(MemoryState(), GasMeter(10**6), events.append).init("A", "B", 0, OWNER)
    assert [e.name for e in events] == ["OwnershipTransferred"]  # no supply, no Transfer


def test_init_refuses_a_zero_owner_like_ownable_and_writes_nothing():
    state = MemoryState()
    reverted(lambda: Erc20(state, GasMeter(10**6)).init("A", "B", 18, ZERO, 1),
             "OwnableInvalidOwner", ZERO)
    assert state.snapshot() == {}


@pytest.mark.parametrize("kwargs", [
    {"decimals": 256}, {"decimals": -1}, {"decimals": True}, {"decimals": 1.0},
    {"name": 5}, {"symbol": "x" * 129}, {"owner": "0x12"}, {"initial_supply": -1},
    {"initial_supply": MAX + 1}, {"initial_supply": 1.5},
])
def test_init_validates_its_parameters(kwargs):
    params = {"name": "A", "symbol": "B", "decimals": 18, "owner": OWNER,
              "initial_supply": 0} | kwargs
    with pytest.raises(EngineValidationError):
        Erc20(MemoryState(), GasMeter(10**6)).init(**params)


def test_init_twice_and_calls_on_an_empty_state_are_refused(token):
    with pytest.raises(EngineValidationError):
        Erc20(token.state, GasMeter(10**6)).init("A", "B", 18, OWNER)
    with pytest.raises(ContractNotFound) as caught:
        Erc20(MemoryState(), GasMeter(10**6)).call("totalSupply", {}, OWNER)
    assert (caught.value.code, caught.value.status) == ("contract_not_found", 404)


# --- transfer -----------------------------------------------------------------------------

def test_transfer_moves_tokens_and_emits_transfer(token):
    assert token("transfer", to=ALICE, value=400) is True
    assert (token.balance(OWNER), token.balance(ALICE)) == (SUPPLY - 400, 400)
    assert token("transfer", to=BOB, value=400, caller=ALICE) is True
    assert logs(token) == [transfer_event(ALICE, BOB, 400)]
    token("transfer", caller=BOB, to=ALICE, value=150)
    assert logs(token) == [transfer_event(BOB, ALICE, 150)]
    assert token.events[0].args == {"from": BOB, "to": ALICE, "value": 150}
    assert token("totalSupply") == SUPPLY


def test_zero_and_self_transfers_emit_and_change_nothing(token):
    token("transfer", to=ALICE, value=0)
    assert logs(token) == [transfer_event(OWNER, ALICE, 0)]
    token("transfer", to=OWNER, value=SUPPLY)
    assert logs(token) == [transfer_event(OWNER, OWNER, SUPPLY)]
    assert token.balance(OWNER) == SUPPLY
    token("transfer", caller=BOB, to=ALICE, value=0)  # a holder of nothing may move nothing
    assert token.balance(ALICE) == 0


def test_transfer_errors_in_openzeppelin_order(token):
    reverted(lambda: token("transfer", to=ZERO, value=SUPPLY + 1), "ERC20InvalidReceiver", ZERO)
    reverted(lambda: token("transfer", to=ALICE, value=SUPPLY + 1),
             "ERC20InsufficientBalance", OWNER, SUPPLY, SUPPLY + 1)
    reverted(lambda: token("transfer", caller=ALICE, to=BOB, value=1),
             "ERC20InsufficientBalance", ALICE, 0, 1)
    assert token.balance(OWNER) == SUPPLY


def test_full_256_bit_balances():
    token = Token(supply=MAX)
    assert token("totalSupply") == MAX
    token("transfer", to=ALICE, value=MAX)
    assert logs(token) == [transfer_event(OWNER, ALICE, MAX)]
    assert token.balance(ALICE) == MAX and token.balance(OWNER) == 0
    reverted(lambda: token("transfer", to=BOB, value=1), "ERC20InsufficientBalance", OWNER, 0, 1)
    token("transfer", caller=ALICE, to=BOB, value="1" + "0" * 70)
    assert token.balance(BOB) == 10**70


# --- approve and transferFrom -------------------------------------------------------------

def test_approve_sets_and_overwrites_with_an_event(token):
    assert token("approve", spender=ALICE, value=50) is True
    assert logs(token) == [approval_event(OWNER, ALICE, 50)]
    token("approve", spender=ALICE, value=7)
    assert token.allowance(OWNER, ALICE) == 7
    reverted(lambda: token("approve", spender=ZERO, value=1), "ERC20InvalidSpender", ZERO)


def test_transfer_from_spends_the_allowance_without_an_approval_event(token):
    token("approve", spender=ALICE, value=100)
    assert token("transferFrom", caller=ALICE, **{"from": OWNER, "to": BOB, "value": 60})
    assert logs(token) == [transfer_event(OWNER, BOB, 60)]  # OZ 5: no Approval on spend
    assert token.allowance(OWNER, ALICE) == 40 and token.balance(BOB) == 60
    reverted(lambda: token("transferFrom", caller=ALICE, **{"from": OWNER, "to": BOB,
                                                             "value": 41}),
             "ERC20InsufficientAllowance", ALICE, 40, 41)


def test_infinite_allowance_is_never_decreased(token):
    token("approve", spender=ALICE, value=MAX)
    token("transferFrom", caller=ALICE, **{"from": OWNER, "to": BOB, "value": 10})
    token("burnFrom", caller=ALICE, account=OWNER, value=10)
    assert [e.name for e in token.events] == ["Transfer"]
    assert token.allowance(OWNER, ALICE) == MAX
    token("approve", spender=ALICE, value=MAX - 1)  # one less is finite
    token("transferFrom", caller=ALICE, **{"from": OWNER, "to": BOB, "value": 1})
    assert token.allowance(OWNER, ALICE) == MAX - 2


def test_transfer_from_checks_the_allowance_first(token):
    def transfer_from(sender, to, value, caller=ALICE):
        return lambda: token.call("transferFrom", {"from": sender, "to": to, "value": value},
                                  caller)

    # no allowance: the allowance error wins over a zero receiver and a short balance
    reverted(transfer_from(OWNER, ZERO, SUPPLY + 1), "ERC20InsufficientAllowance",
             ALICE, 0, SUPPLY + 1)
    # from address(0): its allowance is 0, spending 0 still runs _approve(address(0), ...)
    reverted(transfer_from(ZERO, BOB, 0), "ERC20InvalidApprover", ZERO)
    reverted(transfer_from(ZERO, BOB, 1), "ERC20InsufficientAllowance", ALICE, 0, 1)
    token("approve", spender=ALICE, value=SUPPLY * 2)
    reverted(transfer_from(OWNER, ZERO, SUPPLY + 1), "ERC20InvalidReceiver", ZERO)
    reverted(transfer_from(OWNER, BOB, SUPPLY + 1), "ERC20InsufficientBalance",
             OWNER, SUPPLY, SUPPLY + 1)
    # every revert above spent allowance in its staged state only
    assert token.allowance(OWNER, ALICE) == SUPPLY * 2


# --- increase / decrease allowance --------------------------------------------------------

def test_increase_and_decrease_allowance(token):
    assert token("increaseAllowance", spender=ALICE, addedValue=5) is True
    assert logs(token) == [approval_event(OWNER, ALICE, 5)]
    token("increaseAllowance", spender=ALICE, addedValue=MAX - 5)
    assert token.allowance(OWNER, ALICE) == MAX
    error = reverted(lambda: token("increaseAllowance", spender=ALICE, addedValue=1),
                     "Panic", 0x11)
    assert error.data == "0x4e487b71" + encode(["uint256"], [0x11]).hex()
    assert token("decreaseAllowance", spender=ALICE, requestedDecrease=MAX - 3) is True
    assert logs(token) == [approval_event(OWNER, ALICE, 3)]
    reverted(lambda: token("decreaseAllowance", spender=ALICE, requestedDecrease=4),
             "ERC20FailedDecreaseAllowance", ALICE, 3, 4)
    token("decreaseAllowance", spender=ALICE, requestedDecrease=3)
    assert token.allowance(OWNER, ALICE) == 0


def test_allowance_helpers_check_arithmetic_before_the_spender(token):
    reverted(lambda: token("increaseAllowance", spender=ZERO, addedValue=1),
             "ERC20InvalidSpender", ZERO)
    reverted(lambda: token("decreaseAllowance", spender=ZERO, requestedDecrease=1),
             "ERC20FailedDecreaseAllowance", ZERO, 0, 1)
    reverted(lambda: token("decreaseAllowance", spender=ZERO, requestedDecrease=0),
             "ERC20InvalidSpender", ZERO)


# --- mint, burn, burnFrom, ownership ------------------------------------------------------

def test_only_the_owner_mints(token):
    reverted(lambda: token("mint", caller=ALICE, to=ALICE, value=1),
             "OwnableUnauthorizedAccount", ALICE)
    reverted(lambda: token("mint", caller=ALICE, to=ZERO, value=MAX),
             "OwnableUnauthorizedAccount", ALICE)  # ownership is checked first
    reverted(lambda: token("mint", to=ZERO, value=1), "ERC20InvalidReceiver", ZERO)
    assert token("mint", to=ALICE, value=25) is None
    assert logs(token) == [transfer_event(ZERO, ALICE, 25)]
    assert token("totalSupply") == SUPPLY + 25 and token.balance(ALICE) == 25


def test_minting_past_2_256_is_a_panic_and_changes_nothing(token):
    token("mint", to=ALICE, value=MAX - SUPPLY)
    assert token("totalSupply") == MAX
    before = token.state.snapshot()
    error = reverted(lambda: token("mint", to=BOB, value=1), "Panic", 0x11)
    assert (error.selector, error.signature) == ("0x4e487b71", "Panic(uint256)")
    assert token.state.snapshot() == before


def test_burn_is_the_owners_own_balance_only(token):
    token("transfer", to=ALICE, value=100)
    reverted(lambda: token("burn", caller=ALICE, value=1), "OwnableUnauthorizedAccount", ALICE)
    token("burn", value=SUPPLY - 100)
    assert logs(token) == [transfer_event(OWNER, ZERO, SUPPLY - 100)]
    assert token("totalSupply") == 100 and token.balance(OWNER) == 0
    reverted(lambda: token("burn", value=1), "ERC20InsufficientBalance", OWNER, 0, 1)


def test_burn_from_spends_an_allowance(token):
    token("transfer", to=ALICE, value=100)
    reverted(lambda: token("burnFrom", caller=BOB, account=ALICE, value=1),
             "ERC20InsufficientAllowance", BOB, 0, 1)
    reverted(lambda: token("burnFrom", account=ALICE, value=1),  # the owner too
             "ERC20InsufficientAllowance", OWNER, 0, 1)
    token("approve", caller=ALICE, spender=BOB, value=200)
    token("burnFrom", caller=BOB, account=ALICE, value=30)
    assert logs(token) == [transfer_event(ALICE, ZERO, 30)]
    assert token.allowance(ALICE, BOB) == 170 and token("totalSupply") == SUPPLY - 30
    reverted(lambda: token("burnFrom", caller=BOB, account=ALICE, value=71),
             "ERC20InsufficientBalance", ALICE, 70, 71)
    reverted(lambda: token("burnFrom", caller=BOB, account=ZERO, value=0),
             "ERC20InvalidApprover", ZERO)


def test_ownership_transfer_and_renounce(token):
    reverted(lambda: token("transferOwnership", caller=ALICE, newOwner=ALICE),
             "OwnableUnauthorizedAccount", ALICE)
    reverted(lambda: token("transferOwnership", newOwner=ZERO), "OwnableInvalidOwner", ZERO)
    token("transferOwnership", newOwner=ALICE)
    assert token.events[0].args == {"previousOwner": OWNER, "newOwner": ALICE}
    assert token("owner") == ALICE
    reverted(lambda: token("mint", to=OWNER, value=1), "OwnableUnauthorizedAccount", OWNER)
    token("renounceOwnership", caller=ALICE)
    assert token("owner") == ZERO
    reverted(lambda: token("mint", caller=ALICE, to=ALICE, value=1),
             "OwnableUnauthorizedAccount", ALICE)


# --- error encoding -----------------------------------------------------------------------

@pytest.mark.parametrize(("signature", "selector"), [
    ("ERC20InsufficientBalance(address,uint256,uint256)", "0xe450d38c"),
    ("ERC20InvalidSender(address)", "0x96c6fd1e"),
    ("ERC20InvalidReceiver(address)", "0xec442f05"),
    ("ERC20InsufficientAllowance(address,uint256,uint256)", "0xfb8f41b2"),
    ("ERC20InvalidApprover(address)", "0xe602df05"),
    ("ERC20InvalidSpender(address)", "0x94280d62"),
    ("OwnableUnauthorizedAccount(address)", "0x118cdaa7"),
    ("OwnableInvalidOwner(address)", "0x1e4fbdf7"),
    ("Panic(uint256)", "0x4e487b71"),
])
def test_selectors_are_the_well_known_ones(signature, selector):
    assert "0x" + keccak(text=signature)[:4].hex() == selector


def test_a_revert_carries_evm_revert_data_and_a_stable_code(token):
    error = reverted(lambda: token("transfer", caller=ALICE, to=BOB, value=7),
                     "ERC20InsufficientBalance", ALICE, 0, 7)
    assert (error.code, error.status) == ("contract_reverted", 422)
    assert error.selector == "0xe450d38c"
    assert error.data == "0xe450d38c" + encode(["address", "uint256", "uint256"],
                                               [ALICE, 0, 7]).hex()
    assert error.extra["arguments"] == [ALICE, "0", "7"]  # JSON-safe for big numbers


def test_event_to_dict_is_json_ready(token):
    token("transfer", to=ALICE, value=3)
    assert token.events[0].to_dict() == {
        "event": "Transfer", "signature": "Transfer(address,address,uint256)",
        "topics": [TRANSFER_TOPIC, topic(OWNER), topic(ALICE)], "data": word(3),
        "args": {"from": OWNER, "to": ALICE, "value": "3"}}


# --- input validation ---------------------------------------------------------------------

@pytest.mark.parametrize("value", [
    -1, MAX + 1, 1.0, True, None, "", "-1", "+1", " 1", "1e3", "0x10", "1.0", "1" * 79, [1],
])
def test_bad_amounts_are_validation_errors(token, value):
    before = token.state.snapshot()
    with pytest.raises(EngineValidationError) as caught:
        token("transfer", to=ALICE, value=value)
    assert (caught.value.code, caught.value.status) == ("engine_validation_error", 400)
    assert caught.value.field == "args/value"
    assert token.state.snapshot() == before and token.meter.used == 0


@pytest.mark.parametrize("address", [
    "", "0x", "1111111111111111111111111111111111111111",
    "0x111111111111111111111111111111111111111",
    "0x11111111111111111111111111111111111111111", "0xg111111111111111111111111111111111111111",
    "0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", 0x11, None,
])
def test_bad_addresses_are_validation_errors_not_reverts(token, address):
    with pytest.raises(EngineValidationError):
        token("transfer", to=address, value=1)
    with pytest.raises(EngineValidationError):
        token("balanceOf", caller=address if isinstance(address, str) else "x", account=ALICE)


def test_addresses_are_normalised_to_their_checksum(token):
    checksummed = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
    token("transfer", to=checksummed.lower(), value=1)
    token("transfer", to="0x" + checksummed[2:].upper(), value=1)
    assert token.balance(checksummed) == 2
    token("transfer", to=checksummed, value=1)
    assert token.events[0].args["to"] == checksummed


@pytest.mark.parametrize(("function", "args"), [
    ("mintAll", {}), ("_update", {}), ("__init__", {}), ("transfer", {"to": ALICE}),
    ("transfer", {"to": ALICE, "value": 1, "memo": "x"}), ("transfer", [ALICE, 1]),
    ("balanceOf", {"owner": ALICE}),
])
def test_unknown_functions_and_arguments_are_validation_errors(token, function, args):
    with pytest.raises(EngineValidationError):
        Erc20(token.state, GasMeter(10**6)).call(function, args, OWNER)


def test_read_only_functions_are_marked():
    assert {"name", "symbol", "decimals", "totalSupply", "balanceOf", "allowance",
            "owner"} == READ_ONLY_FUNCTIONS
    assert Erc20.is_read_only("balanceOf") and not Erc20.is_read_only("transfer")
    assert FUNCTIONS["transferFrom"].signature == "transferFrom(address,address,uint256)"
    assert FUNCTIONS["transfer"].selector == "0xa9059cbb"


# --- gas ----------------------------------------------------------------------------------

def test_gas_follows_the_schedule(token):
    schedule = GasSchedule()
    transfer_event_gas = schedule.event + 3 * schedule.event_topic + 32 * schedule.event_data_byte
    token("transfer", to=ALICE, value=10)  # ALICE's slot is new
    assert token.meter.used == (schedule.call_base + 2 * schedule.storage_read
                                + schedule.storage_write_update + schedule.storage_write_new
                                + transfer_event_gas) == 49_856
    token("transfer", to=ALICE, value=10)  # now an update
    assert token.meter.used == 49_856 - schedule.storage_write_new + schedule.storage_write_update
    token("balanceOf", account=ALICE)
    assert token.meter.used == schedule.call_base + schedule.storage_read
    assert dict(token.meter.breakdown) == {"call": 21_000, "storage_read": 2_100}


def test_a_revert_is_charged_up_to_the_failing_check(token):
    with pytest.raises(ContractReverted):
        token("transfer", caller=ALICE, to=BOB, value=1)
    assert token.meter.used == 21_000 + 2_100


def test_running_out_of_gas_changes_nothing():
    token = Token(gas_limit=49_855)  # one short of a first transfer to a new holder
    before = token.state.snapshot()
    with pytest.raises(GasExhausted) as caught:
        token("transfer", to=ALICE, value=10)
    assert (caught.value.code, caught.value.status) == ("gas_exhausted", 422)
    assert caught.value.gas_required == 1_756 and token.meter.used == 49_856 - 1_756
    assert token.state.snapshot() == before and token.events == []


def test_gas_exhaustion_inside_an_outer_staged_execution():
    token = Token()
    outer = StagedState(token.state)
    meter = GasMeter(60_000)
    erc20 = Erc20(outer, meter)
    erc20.call("transfer", {"to": ALICE, "value": 1}, OWNER)
    with pytest.raises(GasExhausted):
        erc20.call("transfer", {"to": BOB, "value": 1}, OWNER)
    assert token.balance(ALICE) == 0  # nothing reached the base: the engine drops `outer`
    outer.commit()
    assert token.balance(ALICE) == 1 and token.balance(BOB) == 0


@pytest.mark.parametrize("limit", [0, -1, MAX_GAS_LIMIT + 1, 1.5, True, "100"])
def test_absurd_gas_limits_are_refused(limit):
    with pytest.raises(EngineValidationError):
        GasMeter(limit)


def test_gas_meter_refuses_without_recording():
    meter = GasMeter(100)
    meter.charge(60, "a")
    with pytest.raises(GasExhausted):
        meter.charge(41, "b")
    meter.charge(40, "b")
    assert (meter.used, meter.remaining, dict(meter.breakdown)) == (100, 0, {"a": 60, "b": 40})
    with pytest.raises(ValueError):
        meter.charge(-1)


def test_storage_write_costs_by_size_and_change():
    meter, schedule = GasMeter(10**6), GasSchedule()
    assert meter.write_cost(None, b"x" * 33) == 2 * schedule.storage_write_new
    assert meter.write_cost(b"x", b"y" * 40) == (schedule.storage_write_update
                                                 + schedule.storage_write_new)
    assert meter.write_cost(b"x", b"x") == meter.write_cost(None, None) == 100
    assert meter.write_cost(b"x", None) == schedule.storage_write_update


# --- state --------------------------------------------------------------------------------

def test_staged_state_buffers_until_commit():
    base = MemoryState({"a": b"1", "b": b"2"})
    staged = StagedState(base)
    staged.set("a", b"9")
    staged.remove("b")
    staged.set("c", b"3")
    assert (staged.get("a"), staged.get("b"), staged.get("c")) == (b"9", None, b"3")
    assert base.snapshot() == {"a": b"1", "b": b"2"}
    assert staged.pending == {"a": b"9", "b": None, "c": b"3"}
    nested = StagedState(staged)
    nested.set("d", b"4")
    nested.discard()
    nested.commit()
    staged.commit()
    assert base.snapshot() == {"a": b"9", "c": b"3"} and staged.pending == {}


def test_zero_balances_free_their_slot(token):
    token("transfer", to=ALICE, value=5)
    token("transfer", caller=ALICE, to=BOB, value=5)
    assert not any(key.endswith(ALICE[2:].lower()) for key in token.state.snapshot())
