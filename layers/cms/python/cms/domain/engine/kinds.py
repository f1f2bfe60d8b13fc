"""How the unified engine runs each kind of contract: one small adapter per kind.

An adapter validates a deployment (returning what metadata records: manifest, code hash, the
init arguments kept), runs the constructor and runs calls. Every call gets a ``GasMeter`` and a
``ContractState`` that is already a staged overlay: the engine, not the adapter, decides what
is committed. Events reach the engine through ``emit`` as JSON-ready dicts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from cms.domain.attestation import TrustedRoot
from cms.domain.engine import circuit_contract, erc20
from cms.domain.engine.errors import EngineValidationError
from cms.domain.engine.gas import GasMeter
from cms.domain.engine.privacy_contracts import (
    PRIVACY_MULTIPLIERS,
    ConfidentialLedger,
    SealedBidTally,
)
from cms.domain.engine.records import ContractMetadata
from cms.domain.engine.state import ContractState

EmitEvent = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class CallContext:
    """What a contract may learn about its call beyond its arguments."""

    contract_address: str
    caller: str
    block_number: int  # the contract's state version: committed executions so far
    timestamp: int  # unix seconds of the execution (recorded with it)


@dataclass(frozen=True)
class Invocation:
    """One constructor run or call, as an adapter receives it."""

    metadata: ContractMetadata
    function: str
    args: Any
    raw_input: bytes | None
    state: ContractState  # a staged overlay: the engine commits it, or not
    gas: GasMeter
    emit: EmitEvent
    context: CallContext
    # Shared by the calls of one batch segment: a kind may keep what is costly to set up
    # (a WebAssembly instance), provided no call can see what an earlier one left behind
    # except through ``state``.
    session: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Prepared:
    """A deployment checked: what the metadata keeps and the writes the code adds."""

    manifest: dict[str, Any]
    init_args: dict[str, Any]
    code_hash: str | None = None
    code_writes: Mapping[str, bytes] | None = None  # stored beside the state (a module)


class ContractKind(Protocol):
    def prepare(self, init_args: Mapping[str, Any], code: Any, manifest: Any) -> Prepared: ...

    def construct(self, call: Invocation) -> None: ...

    def call(self, call: Invocation) -> Any: ...

    def is_read_only(self, metadata: ContractMetadata, function: str) -> bool: ...

    def caller_independent(self, metadata: ContractMetadata) -> bool:
        """Whether read-only results depend only on state (the cache may share them)."""
        ...


def _no_code(code: Any, manifest: Any, kind: str) -> None:
    if code is not None or manifest is not None:
        raise EngineValidationError(f"a {kind} contract takes no code or manifest", "code")


def _init_mapping(init_args: Any) -> dict[str, Any]:
    if init_args is None:
        return {}
    if not isinstance(init_args, Mapping):
        raise EngineValidationError("init_args must be an object of named arguments",
                                    "init_args")
    return dict(init_args)


def _no_raw_input(raw_input: bytes | None, kind: str) -> None:
    if raw_input is not None:
        raise EngineValidationError(f"a {kind} contract takes named args, not raw input",
                                    "input")


def json_result(value: Any) -> Any:
    """uint256-sized integers as decimal strings (JSON numbers lose precision past 2**53)."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 2**53:
        return str(value)
    return value


class Erc20Kind:
    """The built-in token (cms.domain.engine.erc20): OpenZeppelin 5 semantics."""

    _INIT = ("name", "symbol", "decimals", "initial_supply")

    def prepare(self, init_args: Mapping[str, Any], code: Any, manifest: Any) -> Prepared:
        _no_code(code, manifest, "erc20")
        args = _init_mapping(init_args)
        unknown = sorted(set(args) - set(self._INIT))
        if unknown:
            raise EngineValidationError(
                f"erc20 takes no init argument {unknown[0]!r} (takes {list(self._INIT)}); "
                "the owner is the deployer", "init_args")
        for required in ("name", "symbol"):
            if required not in args:
                raise EngineValidationError(f"erc20 needs init argument {required!r}",
                                            "init_args")
        functions = {name: {"params": [{"name": p, "type": t} for p, t in f.params],
                            "returns": f.returns, "read_only": f.read_only,
                            "selector": f.selector}
                     for name, f in erc20.FUNCTIONS.items()}
        return Prepared({"functions": functions}, args)

    def construct(self, call: Invocation) -> None:
        token = erc20.Erc20(call.state, call.gas, lambda event: call.emit(event.to_dict()))
        token.init(owner=call.metadata.owner, **call.metadata.init_args)

    def call(self, call: Invocation) -> Any:
        _no_raw_input(call.raw_input, "erc20")
        token = erc20.Erc20(call.state, call.gas, lambda event: call.emit(event.to_dict()))
        result = token.call(call.function, call.args, call.context.caller)
        returns = erc20.FUNCTIONS[call.function].returns
        return str(result) if returns == "uint256" else result

    def is_read_only(self, metadata: ContractMetadata, function: str) -> bool:
        return function in erc20.READ_ONLY_FUNCTIONS

    def caller_independent(self, metadata: ContractMetadata) -> bool:
        return True  # no read-only ERC20 function looks at msg.sender


_PRIVACY_TYPES = {"to": "address", "account": "address", "amount": "ciphertext",
                  "bid": "ciphertext", "total": "integer", "randomness": "integer"}


class PrivacyKind:
    """A Paillier contract (cms.domain.engine.privacy_contracts); the authority is the
    deployer unless named."""

    _READS = frozenset({"balanceOf", "tally", "bidCount", "revealedTotal"})

    def __init__(self, contract: type[ConfidentialLedger] | type[SealedBidTally]) -> None:
        self._contract = contract

    def prepare(self, init_args: Mapping[str, Any], code: Any, manifest: Any) -> Prepared:
        _no_code(code, manifest, self._contract.NAME)
        args = _init_mapping(init_args)
        if set(args) - {"public_key", "authority"} or "public_key" not in args:
            raise EngineValidationError(
                f"a {self._contract.NAME} takes init_args public_key and optionally "
                "authority (default: the deployer)", "init_args")
        functions = {name: {"params": [{"name": p, "type": _PRIVACY_TYPES[p]} for p in params],
                            "read_only": name in self._READS,
                            "gas_multiplier": PRIVACY_MULTIPLIERS.get(name)}
                     for name, params in self._contract.FUNCTIONS.items()}
        return Prepared({"functions": functions}, args)

    def construct(self, call: Invocation) -> None:
        args = call.metadata.init_args
        self._contract(call.state, call.gas).init(
            args["public_key"], args.get("authority", call.metadata.owner))

    def call(self, call: Invocation) -> Any:
        _no_raw_input(call.raw_input, self._contract.NAME)
        contract = self._contract(call.state, call.gas)
        return json_result(contract.call(call.function, call.args, call.context.caller))

    def is_read_only(self, metadata: ContractMetadata, function: str) -> bool:
        return function in self._READS

    def caller_independent(self, metadata: ContractMetadata) -> bool:
        return True


class CircuitKind:
    """A boolean-circuit contract (cms.domain.engine.circuit_contract), evaluated in the
    enclave. ``roots()`` are trusted for its results besides the AWS Nitro root; asked for at
    each call, because a local enclave publishes its development root only once it is up."""

    def __init__(self, roots: Callable[[], tuple[TrustedRoot, ...]] = tuple) -> None:
        self._roots = roots

    def prepare(self, init_args: Mapping[str, Any], code: Any, manifest: Any) -> Prepared:
        _no_code(code, manifest, "circuit")
        functions = {name: {"params": [{"name": p, "type": "json"} for p in params],
                            "read_only": name in circuit_contract.READ_ONLY_FUNCTIONS,
                            "gas_multiplier": circuit_contract.CIRCUIT_MULTIPLIERS[name]}
                     for name, params in circuit_contract.FUNCTIONS.items()}
        return Prepared({"functions": functions},
                        circuit_contract.init_arguments(init_args))

    def construct(self, call: Invocation) -> None:
        self._contract(call).init(**call.metadata.init_args)

    def call(self, call: Invocation) -> Any:
        _no_raw_input(call.raw_input, "circuit")
        return self._contract(call).call(call.function, call.args, call.context.caller)

    def is_read_only(self, metadata: ContractMetadata, function: str) -> bool:
        return function in circuit_contract.READ_ONLY_FUNCTIONS

    def caller_independent(self, metadata: ContractMetadata) -> bool:
        return True  # its reads show every party the same thing

    def _contract(self, call: Invocation) -> circuit_contract.CircuitContract:
        return circuit_contract.CircuitContract(
            call.state, call.gas, roots=self._roots(), address=call.context.contract_address,
            events=lambda event: call.emit(event.to_dict()),
            now=datetime.fromtimestamp(call.context.timestamp, UTC))
