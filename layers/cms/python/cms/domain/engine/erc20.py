"""The built-in ERC20 token, behaving exactly like OpenZeppelin Contracts 5.x.

The reference is ``contracts/erc20_reference/ReferenceToken.sol``: OZ 5 ``ERC20`` +
``ERC20Burnable`` + ``Ownable``, with an owner-only ``mint``, a configurable ``decimals`` and the
allowance helpers described below. ``tests/integration/test_engine_erc20_vs_openzeppelin.py``
runs the same random operations here and on an EVM node and compares results, revert data,
events and balances step by step. Every rule below follows the Solidity source line by line,
including the order of checks (which decides which error a doubly-wrong call gets):

- ``transfer``/``transferFrom``/``mint``/``burn`` all go through ``_update``: a mint is a
  transfer from address(0) (total supply grows, checked: overflow is ``Panic(0x11)``), a burn a
  transfer to address(0). Every one emits ``Transfer``, zero amounts and self-transfers included.
- ``transferFrom`` spends the allowance *before* checking addresses and balance, so a caller
  without allowance gets ``ERC20InsufficientAllowance`` even when the transfer would also fail.
- An allowance of ``2**256-1`` is infinite: ``transferFrom``/``burnFrom`` do not decrease it.
  Spending an allowance emits no ``Approval`` (OZ 5 behaviour; OZ 4 emitted one).
- ``_approve`` refuses a zero owner before a zero spender; spending a zero allowance of zero
  still calls ``_approve``, so ``transferFrom(address(0), to, 0)`` is
  ``ERC20InvalidApprover(address(0))``, as in OZ.

Choices where OpenZeppelin offers no single answer (mirrored by the reference contract):

- **burn (owner only)**: ``burn(value)`` is ERC20Burnable's burn restricted by ``onlyOwner``:
  the owner burns from *its own* balance; nobody, the owner included, can destroy another
  holder's tokens without that holder's allowance. ``burnFrom(account, value)`` is
  ERC20Burnable's unchanged: anyone may burn what ``account`` allowed them to spend. The owner
  therefore controls supply growth (``mint``) and can retire treasury tokens, but cannot
  confiscate.
- **increaseAllowance / decreaseAllowance** were removed in OZ 5.0 (they do not fix the approve
  race they were meant to). They are kept as OZ 4.9 implemented them (``_approve`` with the new
  value, emitting ``Approval``; an increase past ``2**256-1`` is ``Panic(0x11)``), with the error
  OZ 5's pre-release defined for a decrease below zero:
  ``ERC20FailedDecreaseAllowance(spender, currentAllowance, requestedDecrease)``.
- ``Ownable``: ``owner()``, ``transferOwnership`` and ``renounceOwnership`` as OZ 5 (after a
  renounce nobody can mint or burn any more).

Calls are atomic: each runs against a ``StagedState`` that is committed only when it returns;
events reach the sink only then. Arguments are validated (``EngineValidationError``) before
anything runs or is charged; a malformed address is never a revert.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from eth_utils import keccak, to_checksum_address

from cms.domain.engine.errors import (
    PANIC_ARITHMETIC_OVERFLOW,
    ContractNotFound,
    ContractReverted,
    EngineValidationError,
    panic,
    selector,
)
from cms.domain.engine.gas import GasMeter, words
from cms.domain.engine.quick import quick_init
from cms.domain.engine.state import ContractState, StagedState

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
MAX_UINT256 = 2**256 - 1
MAX_TEXT_LENGTH = 128
DEFAULT_DECIMALS = 18

_HEX_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")
_DECIMAL = re.compile(r"[0-9]{1,78}")

# Storage keys. Zero balances and allowances are removed, as an EVM clears a zeroed slot.
_NAME, _SYMBOL, _DECIMALS, _OWNER, _SUPPLY = "name", "symbol", "decimals", "owner", "totalSupply"


def _balance_key(account: str) -> str:
    return "balance:" + account[2:].lower()


def _allowance_key(owner: str, spender: str) -> str:
    return f"allowance:{owner[2:].lower()}:{spender[2:].lower()}"


# --- input validation ---------------------------------------------------------------------

@lru_cache(maxsize=65_536)
def _checksum(lower_hex: str) -> str:
    """EIP-55 costs a keccak per address: the few active holders are cached."""
    return to_checksum_address(lower_hex)


# Strings already accepted, as given -> checksummed: an engine call parses the same caller,
# contract and recipient several times (request, batch, token), and a valid spelling stays
# valid. Only accepted strings are kept, so every refusal still takes the checks below.
_ACCEPTED: dict[str, str] = {}
_ACCEPTED_MAX = 65_536


def parse_address(value: object, name: str) -> str:
    """A 20-byte address as 0x-hex, returned EIP-55 checksummed.

    All-lower or all-upper hex is accepted as is; mixed case must be a valid checksum (a typo
    in a checksummed address is caught instead of sending tokens nowhere).
    """
    if type(value) is str:
        accepted = _ACCEPTED.get(value)
        if accepted is not None:
            return accepted
    if not isinstance(value, str) or not _HEX_ADDRESS.fullmatch(value):
        raise EngineValidationError(f"{name} must be a 0x-prefixed 20-byte hex address", name)
    checksummed = _checksum(value.lower())
    digits = value[2:]
    if digits not in (digits.lower(), digits.upper()) and value != checksummed:
        raise EngineValidationError(f"{name} has an invalid EIP-55 checksum", name)
    if type(value) is str:
        if len(_ACCEPTED) >= _ACCEPTED_MAX:
            _ACCEPTED.clear()
        _ACCEPTED[value] = checksummed
    return checksummed


def parse_uint256(value: object, name: str) -> int:
    """An amount in [0, 2**256-1]: a JSON integer or a decimal string (no floats, no signs)."""
    if isinstance(value, str) and _DECIMAL.fullmatch(value):
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise EngineValidationError(f"{name} must be an integer or a decimal string", name)
    if not 0 <= value <= MAX_UINT256:
        raise EngineValidationError(f"{name} must be between 0 and 2**256-1", name)
    return value


def _parse_text(value: object, name: str) -> str:
    if not isinstance(value, str) or len(value) > MAX_TEXT_LENGTH:
        raise EngineValidationError(f"{name} must be a string of at most "
                                    f"{MAX_TEXT_LENGTH} characters", name)
    return value


def _parse_decimals(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 255:
        raise EngineValidationError("decimals must be an integer from 0 to 255 (uint8)",
                                    "decimals")
    return value


_PARSERS: dict[str, Callable[[object, str], Any]] = {
    "address": parse_address, "uint256": parse_uint256}


# --- the ABI ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Function:
    """One callable function: its Solidity parameters, result type and whether it writes."""

    name: str
    params: tuple[tuple[str, str], ...] = ()
    returns: str | None = None
    read_only: bool = False
    # (name, parser, error field) per parameter, built once: parse runs on every call.
    _plan: tuple[tuple[str, Callable[[object, str], Any], str], ...] = field(
        init=False, repr=False, compare=False, default=())

    def __post_init__(self) -> None:
        plan = tuple((name, _PARSERS[kind], f"args/{name}") for name, kind in self.params)
        object.__setattr__(self, "_plan", plan)

    @property
    def signature(self) -> str:
        return f"{self.name}({','.join(kind for _, kind in self.params)})"

    @property
    def selector(self) -> str:
        return selector(self.signature)

    def parse(self, args: object) -> list[Any]:
        """The arguments in parameter order, validated; unknown or missing names are errors."""
        plan = self._plan
        if type(args) is dict and len(args) == len(plan) and all(n in args for n, _, _ in plan):
            return [parser(args[n], label) for n, parser, label in plan]  # exactly its names
        if args is None:
            args = {}
        if not isinstance(args, Mapping):
            raise EngineValidationError("args must be an object of named arguments", "args")
        expected = [name for name, _ in self.params]
        unknown = sorted(set(args) - set(expected))
        if unknown:
            raise EngineValidationError(
                f"{self.name} takes no argument {unknown[0]!r} (takes {expected})", "args")
        missing = [name for name in expected if name not in args]
        if missing:
            raise EngineValidationError(f"{self.name} needs argument {missing[0]!r}", "args")
        return [parser(args[n], label) for n, parser, label in plan]


_ADDRESS, _UINT = "address", "uint256"
FUNCTIONS: dict[str, Function] = {f.name: f for f in (
    Function("name", returns="string", read_only=True),
    Function("symbol", returns="string", read_only=True),
    Function("decimals", returns="uint8", read_only=True),
    Function("totalSupply", returns=_UINT, read_only=True),
    Function("balanceOf", (("account", _ADDRESS),), _UINT, read_only=True),
    Function("allowance", (("owner", _ADDRESS), ("spender", _ADDRESS)), _UINT, read_only=True),
    Function("owner", returns=_ADDRESS, read_only=True),
    Function("transfer", (("to", _ADDRESS), ("value", _UINT)), "bool"),
    Function("approve", (("spender", _ADDRESS), ("value", _UINT)), "bool"),
    Function("transferFrom", (("from", _ADDRESS), ("to", _ADDRESS), ("value", _UINT)), "bool"),
    Function("increaseAllowance", (("spender", _ADDRESS), ("addedValue", _UINT)), "bool"),
    Function("decreaseAllowance", (("spender", _ADDRESS), ("requestedDecrease", _UINT)), "bool"),
    Function("mint", (("to", _ADDRESS), ("value", _UINT))),
    Function("burn", (("value", _UINT),)),
    Function("burnFrom", (("account", _ADDRESS), ("value", _UINT))),
    Function("transferOwnership", (("newOwner", _ADDRESS),)),
    Function("renounceOwnership"),
)}
READ_ONLY_FUNCTIONS = frozenset(name for name, f in FUNCTIONS.items() if f.read_only)


# --- events -------------------------------------------------------------------------------

@quick_init
@dataclass(frozen=True)
class Event:
    """An EVM-style log: topic 0 is keccak256 of the signature, indexed args follow, the rest
    is ABI-encoded in ``data``. ``args`` holds the decoded values for convenience."""

    name: str
    signature: str
    topics: tuple[str, ...]
    data: str
    args: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: uint256 values as decimal strings."""
        args = {k: str(v) if isinstance(v, int) else v for k, v in self.args.items()}
        return {"event": self.name, "signature": self.signature, "topics": list(self.topics),
                "data": self.data, "args": args}


EventSink = Callable[[Event], None]

TRANSFER_SIGNATURE = "Transfer(address,address,uint256)"
APPROVAL_SIGNATURE = "Approval(address,address,uint256)"
OWNERSHIP_SIGNATURE = "OwnershipTransferred(address,address)"
_TOPIC0 = {s: "0x" + keccak(text=s).hex()
           for s in (TRANSFER_SIGNATURE, APPROVAL_SIGNATURE, OWNERSHIP_SIGNATURE)}


@lru_cache(maxsize=65_536)
def _address_topic(address: str) -> str:
    return "0x" + "0" * 24 + address[2:].lower()


def _uint_word(value: int) -> str:
    return value.to_bytes(32, "big").hex()


def _event(signature: str, names: tuple[str, ...], addresses: tuple[str, ...],
           value: int | None) -> Event:
    """An event whose address arguments are indexed and whose optional uint256 is data."""
    topics = (_TOPIC0[signature], *(_address_topic(a) for a in addresses))
    args: dict[str, Any] = dict(zip(names, addresses, strict=False))
    if value is not None:
        args[names[-1]] = value
    data = "0x" + (_uint_word(value) if value is not None else "")
    return Event(signature.partition("(")[0], signature, topics, data, args)


# --- errors -------------------------------------------------------------------------------

def _revert(error: str, *arguments: tuple[str, Any]) -> ContractReverted:
    """A custom-error revert from (type, value) pairs, e.g. ("address", sender)."""
    return ContractReverted(error, [t for t, _ in arguments], [v for _, v in arguments])


# --- storage ------------------------------------------------------------------------------

class _Slots:
    """Typed, gas-metered access to the token's storage within one staged call."""

    __slots__ = ("gas", "state")

    def __init__(self, state: ContractState, gas: GasMeter) -> None:
        self.state, self.gas = state, gas

    def read(self, key: str) -> bytes | None:
        value = self.state.get(key)
        gas = self.gas  # GasMeter.charge_read, inlined: every slot access runs this
        gas.charge(gas.schedule.storage_read * words(value), "storage_read")
        return value

    def write(self, key: str, value: bytes | None) -> None:
        gas = self.gas  # GasMeter.charge_write, inlined
        gas.charge(gas.write_cost(self.state.get(key), value), "storage_write")
        if value is None:
            self.state.remove(key)
        else:
            self.state.set(key, value)

    def read_uint(self, key: str) -> int:
        value = self.state.get(key)  # ``read``, inlined: balances are read on every transfer
        gas = self.gas
        gas.charge(gas.schedule.storage_read * words(value), "storage_read")
        return int.from_bytes(value, "big") if value else 0

    def write_uint(self, key: str, value: int) -> None:
        self.write(key, value.to_bytes((value.bit_length() + 7) // 8, "big") if value else None)

    def read_address(self, key: str) -> str:
        value = self.read(key)
        return _checksum("0x" + value.hex()) if value else ZERO_ADDRESS

    def write_address(self, key: str, address: str) -> None:
        self.write(key, None if address == ZERO_ADDRESS else bytes.fromhex(address[2:]))


# --- the token ----------------------------------------------------------------------------

class Erc20:
    """An ERC20 token over one contract's ``ContractState``.

    ``gas`` meters everything this object does (one meter per execution); ``events`` receives
    each event of a successful call, in order. One instance serves one execution at a time.
    """

    def __init__(self, state: ContractState, gas: GasMeter,
                 events: EventSink | None = None, *, staged: bool = False) -> None:
        # ``staged``: ``state`` is already an overlay of this one call that its owner drops
        # if the call fails (the unified engine's): a second overlay would only slow reads.
        self._staged = staged
        self._state = state
        self._gas = gas
        self._sink = events
        self._slots: _Slots | None = None
        self._pending: list[Event] = []

    @staticmethod
    def is_read_only(function_name: str) -> bool:
        """Whether a function only reads state (the engine may cache its results)."""
        return function_name in READ_ONLY_FUNCTIONS

    def init(self, name: str, symbol: str, decimals: int = DEFAULT_DECIMALS,
             owner: str = ZERO_ADDRESS, initial_supply: object = 0) -> None:
        """The constructor: metadata, ``Ownable(owner)``, then ``initial_supply`` minted to the
        owner (nothing is minted, and no event emitted, for a supply of zero)."""
        name, symbol = _parse_text(name, "name"), _parse_text(symbol, "symbol")
        decimals = _parse_decimals(decimals)
        owner = parse_address(owner, "owner")
        supply = parse_uint256(initial_supply, "initial_supply")
        if self._state.get(_DECIMALS) is not None:
            raise EngineValidationError("this state already holds a token", "state")
        self._run(lambda: self._construct(name, symbol, decimals, owner, supply))

    def call(self, function_name: str, args: Mapping[str, Any] | None, caller: str) -> Any:
        """Run one function as ``caller``; returns its Solidity result (None for no result).

        Raises ``EngineValidationError`` for a bad request, ``ContractReverted`` for a refusal,
        ``GasExhausted`` when the meter runs out; in every failure nothing is written.
        """
        function = FUNCTIONS.get(function_name) if isinstance(function_name, str) else None
        if function is None:
            raise EngineValidationError(f"the ERC20 token has no function {function_name!r}",
                                        "function")
        caller = parse_address(caller, "caller")
        values = function.parse(args)
        if self._state.get(_DECIMALS) is None:
            raise ContractNotFound("no ERC20 token is initialised in this state")
        handler = getattr(self, "_fn_" + function.name)
        return self._run(lambda: handler(caller, *values))

    # -- execution frame --

    def _run(self, body: Callable[[], Any]) -> Any:
        """Run ``body`` against a staged overlay; commit and publish events only on success."""
        stage = self._state if self._staged else StagedState(self._state)
        self._slots, self._pending = _Slots(stage, self._gas), []
        try:
            self._gas.charge_call()
            result = body()
            if stage is not self._state:
                stage.commit()
            events = self._pending
        finally:
            self._slots, self._pending = None, []
        if self._sink is not None:
            for event in events:
                self._sink(event)
        return result

    @property
    def _s(self) -> _Slots:
        assert self._slots is not None, "storage is only reachable inside a call"
        return self._slots

    def _emit(self, event: Event) -> None:
        self._gas.charge_event(len(event.topics), (len(event.data) - 2) // 2)
        self._pending.append(event)

    def _construct(self, name: str, symbol: str, decimals: int, owner: str,
                   supply: int) -> None:
        self._s.write(_NAME, name.encode())
        self._s.write(_SYMBOL, symbol.encode())
        self._s.write(_DECIMALS, bytes([decimals]))
        if owner == ZERO_ADDRESS:
            raise _revert("OwnableInvalidOwner", ("address", ZERO_ADDRESS))
        self._transfer_ownership(owner)
        if supply:
            self._mint(owner, supply)

    # -- read-only functions (`_fn_<name>(caller, *args)`) --

    def _fn_name(self, _caller: str) -> str:
        return (self._s.read(_NAME) or b"").decode()

    def _fn_symbol(self, _caller: str) -> str:
        return (self._s.read(_SYMBOL) or b"").decode()

    def _fn_decimals(self, _caller: str) -> int:
        return (self._s.read(_DECIMALS) or b"\x00")[0]

    def _fn_totalSupply(self, _caller: str) -> int:  # noqa: N802 - the Solidity name
        return self._s.read_uint(_SUPPLY)

    def _fn_balanceOf(self, _caller: str, account: str) -> int:  # noqa: N802
        return self._s.read_uint(_balance_key(account))

    def _fn_allowance(self, _caller: str, owner: str, spender: str) -> int:
        return self._s.read_uint(_allowance_key(owner, spender))

    def _fn_owner(self, _caller: str) -> str:
        return self._s.read_address(_OWNER)

    # -- ERC20 --

    def _fn_transfer(self, caller: str, to: str, value: int) -> bool:
        self._transfer(caller, to, value)
        return True

    def _fn_approve(self, caller: str, spender: str, value: int) -> bool:
        self._approve(caller, spender, value)
        return True

    def _fn_transferFrom(self, caller: str, sender: str, to: str,  # noqa: N802
                         value: int) -> bool:
        self._spend_allowance(sender, caller, value)
        self._transfer(sender, to, value)
        return True

    # -- OZ 4.9 allowance helpers, OZ 5 pre-release error --

    def _fn_increaseAllowance(self, caller: str, spender: str,  # noqa: N802
                              added: int) -> bool:
        current = self._s.read_uint(_allowance_key(caller, spender))
        if current + added > MAX_UINT256:
            raise panic(PANIC_ARITHMETIC_OVERFLOW)
        self._approve(caller, spender, current + added)
        return True

    def _fn_decreaseAllowance(self, caller: str, spender: str,  # noqa: N802
                              decrease: int) -> bool:
        current = self._s.read_uint(_allowance_key(caller, spender))
        if current < decrease:
            raise _revert("ERC20FailedDecreaseAllowance", ("address", spender),
                          ("uint256", current), ("uint256", decrease))
        self._approve(caller, spender, current - decrease)
        return True

    # -- supply: owner-only mint and burn, ERC20Burnable's burnFrom --

    def _fn_mint(self, caller: str, to: str, value: int) -> None:
        self._check_owner(caller)
        self._mint(to, value)

    def _fn_burn(self, caller: str, value: int) -> None:
        self._check_owner(caller)
        self._burn(caller, value)

    def _fn_burnFrom(self, caller: str, account: str, value: int) -> None:  # noqa: N802
        self._spend_allowance(account, caller, value)
        self._burn(account, value)

    # -- Ownable --

    def _fn_transferOwnership(self, caller: str, new_owner: str) -> None:  # noqa: N802
        self._check_owner(caller)
        if new_owner == ZERO_ADDRESS:
            raise _revert("OwnableInvalidOwner", ("address", ZERO_ADDRESS))
        self._transfer_ownership(new_owner)

    def _fn_renounceOwnership(self, caller: str) -> None:  # noqa: N802
        self._check_owner(caller)
        self._transfer_ownership(ZERO_ADDRESS)

    def _check_owner(self, caller: str) -> None:
        if self._s.read_address(_OWNER) != caller:
            raise _revert("OwnableUnauthorizedAccount", ("address", caller))

    def _transfer_ownership(self, new_owner: str) -> None:
        previous = self._s.read_address(_OWNER)
        self._s.write_address(_OWNER, new_owner)
        self._emit(_event(OWNERSHIP_SIGNATURE, ("previousOwner", "newOwner"),
                          (previous, new_owner), None))

    # -- OpenZeppelin ERC20 internals, line by line --

    def _transfer(self, sender: str, to: str, value: int) -> None:
        if sender == ZERO_ADDRESS:
            raise _revert("ERC20InvalidSender", ("address", ZERO_ADDRESS))
        if to == ZERO_ADDRESS:
            raise _revert("ERC20InvalidReceiver", ("address", ZERO_ADDRESS))
        self._update(sender, to, value)

    def _mint(self, account: str, value: int) -> None:
        if account == ZERO_ADDRESS:
            raise _revert("ERC20InvalidReceiver", ("address", ZERO_ADDRESS))
        self._update(ZERO_ADDRESS, account, value)

    def _burn(self, account: str, value: int) -> None:
        if account == ZERO_ADDRESS:
            raise _revert("ERC20InvalidSender", ("address", ZERO_ADDRESS))
        self._update(account, ZERO_ADDRESS, value)

    def _update(self, sender: str, to: str, value: int) -> None:
        """Move ``value`` from ``sender`` to ``to``; address(0) stands for minting/burning."""
        s = self._s  # once: every transfer runs this, and ``_s`` is a checked property
        if sender == ZERO_ADDRESS:
            supply = s.read_uint(_SUPPLY) + value
            if supply > MAX_UINT256:
                raise panic(PANIC_ARITHMETIC_OVERFLOW)  # Solidity's checked `+=`
            s.write_uint(_SUPPLY, supply)
        else:
            key = _balance_key(sender)
            balance = s.read_uint(key)
            if balance < value:
                raise _revert("ERC20InsufficientBalance", ("address", sender),
                              ("uint256", balance), ("uint256", value))
            s.write_uint(key, balance - value)
        if to == ZERO_ADDRESS:
            s.write_uint(_SUPPLY, s.read_uint(_SUPPLY) - value)
        else:
            key = _balance_key(to)  # read after the debit: a self-transfer nets to zero
            s.write_uint(key, s.read_uint(key) + value)
        self._emit(_event(TRANSFER_SIGNATURE, ("from", "to", "value"), (sender, to), value))

    def _approve(self, owner: str, spender: str, value: int, emit: bool = True) -> None:
        if owner == ZERO_ADDRESS:
            raise _revert("ERC20InvalidApprover", ("address", ZERO_ADDRESS))
        if spender == ZERO_ADDRESS:
            raise _revert("ERC20InvalidSpender", ("address", ZERO_ADDRESS))
        self._s.write_uint(_allowance_key(owner, spender), value)
        if emit:
            self._emit(_event(APPROVAL_SIGNATURE, ("owner", "spender", "value"),
                              (owner, spender), value))

    def _spend_allowance(self, owner: str, spender: str, value: int) -> None:
        current = self._s.read_uint(_allowance_key(owner, spender))
        if current < MAX_UINT256:
            if current < value:
                raise _revert("ERC20InsufficientAllowance", ("address", spender),
                              ("uint256", current), ("uint256", value))
            self._approve(owner, spender, current - value, emit=False)
