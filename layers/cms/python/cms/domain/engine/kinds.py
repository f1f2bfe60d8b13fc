"""How the unified engine runs each kind of contract: one small adapter per kind.

An adapter validates a deployment (returning what metadata records: manifest, code hash, the
init arguments kept), runs the constructor and runs calls. Every call gets a ``GasMeter`` and a
``ContractState`` that is already a staged overlay: the engine, not the adapter, decides what
is committed. Events reach the engine through ``emit`` as JSON-ready dicts.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol

from cms.domain.canonical import canonical_json
from cms.domain.engine import erc20
from cms.domain.engine.errors import EngineValidationError
from cms.domain.engine.gas import GasMeter
from cms.domain.engine.privacy_contracts import (
    PRIVACY_MULTIPLIERS,
    ConfidentialLedger,
    SealedBidTally,
)
from cms.domain.engine.quick import quick_init
from cms.domain.engine.records import ContractMetadata
from cms.domain.engine.state import ContractState

if TYPE_CHECKING:  # the attestation verifier (X.509, CBOR) loads only for circuit contracts
    from cms.domain.attestation.roots import TrustedRoot
    from cms.domain.engine.circuit_contract import CircuitContract

EmitEvent = Callable[[dict[str, Any]], None]


@quick_init
@dataclass(frozen=True)
class CallContext:
    """What a contract may learn about its call beyond its arguments."""

    contract_address: str
    caller: str
    block_number: int  # the contract's state version: committed executions so far
    timestamp: int  # unix seconds of the execution (recorded with it)
    # The wall-clock limit of one call; what is left of it is ``Invocation.gas``'s deadline.
    timeout_ms: int = 2_000


@quick_init
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
    # (a WebAssembly instance). ``session["close"]`` is an ExitStack closed when the segment
    # ends.
    session: dict[str, Any] = field(default_factory=lambda: {"close": ExitStack()})


@dataclass(frozen=True)
class Prepared:
    """A deployment checked: what the metadata keeps and the writes the code adds."""

    manifest: dict[str, Any]
    init_args: dict[str, Any]
    code_hash: str | None = None
    code_writes: Mapping[str, bytes] | None = None  # stored beside the state (a module)


class ContractKind(Protocol):
    def prepare(self, init_args: Mapping[str, Any], code: Any, manifest: Any,
                gas: GasMeter) -> Prepared:
        """Check a deployment; costly checks (compiling code) are paid on ``gas``, the
        constructor's meter, before they run."""
        ...

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

    def prepare(self, init_args: Mapping[str, Any], code: Any, manifest: Any,
                gas: GasMeter) -> Prepared:
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
        emit = call.emit
        # The engine runs every call on an overlay of its own, dropped if the call fails.
        token = erc20.Erc20(call.state, call.gas, lambda event: emit(event.to_dict()),
                            staged=True)
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

    def prepare(self, init_args: Mapping[str, Any], code: Any, manifest: Any,
                gas: GasMeter) -> Prepared:
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

    def prepare(self, init_args: Mapping[str, Any], code: Any, manifest: Any,
                gas: GasMeter) -> Prepared:
        from cms.domain.engine import circuit_contract

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
        from cms.domain.engine.circuit_contract import READ_ONLY_FUNCTIONS

        return function in READ_ONLY_FUNCTIONS

    def caller_independent(self, metadata: ContractMetadata) -> bool:
        return True  # its reads show every party the same thing

    def _contract(self, call: Invocation) -> CircuitContract:
        from cms.domain.engine.circuit_contract import CircuitContract

        return CircuitContract(
            call.state, call.gas, roots=self._roots(), address=call.context.contract_address,
            events=lambda event: call.emit(event.to_dict()),
            now=datetime.fromtimestamp(call.context.timestamp, UTC))


@cache
def _shared_runtime() -> Any:
    """One runtime per process (wasmtime's engine, epoch ticker and instance pool are
    process-wide anyway), made on first use: importing wasmtime costs a cold start ~30 ms."""
    from cms.domain.engine.wasm import WasmRuntime

    return WasmRuntime()


CODE_CHUNK = 256 * 1024  # a module is stored in state items of at most this size
CODE_DEPOSIT_GAS = 200  # per byte of module stored: the EVM's G_codedeposit
_CODE_PREFIX, _MANIFEST_KEY = "~code:", "~manifest"


class WasmKind:
    """A WebAssembly module (cms.domain.engine.wasm). The module and its manifest live in
    the contract's state (``~code:<n>``, ``~manifest``; guest keys never start with ``~``)
    and compiled modules are kept per code hash. The calls of one batch segment share an
    instance (a ``WasmSession``), dropped after any failed call."""

    def __init__(self, runtime: Any = None, max_modules: int = 64) -> None:
        self._runtime = runtime
        self._modules: dict[tuple[str, bytes], Any] = {}
        self._max_modules = max_modules

    def prepare(self, init_args: Mapping[str, Any], code: Any, manifest: Any,
                gas: GasMeter) -> Prepared:
        from cms.domain.engine import wasm
        from cms.domain.engine.wasm.validation import module_binary

        if code is None:
            raise EngineValidationError("a wasm contract needs its module in code", "code")
        binary = module_binary(code)
        # Stored code is paid for before it is compiled (compiling costs ~1 µs a byte, the
        # deposit 200 gas): a module the constructor cannot afford is never compiled.
        gas.charge(CODE_DEPOSIT_GAS * len(binary), "code_deposit")
        info = wasm.validate_module(binary, manifest)
        try:
            stored_manifest = canonical_json(manifest)
        except (TypeError, ValueError) as error:  # e.g. an integer JSON cannot hold exactly
            raise EngineValidationError(f"the manifest is not plain JSON: {error}",
                                        "manifest") from None
        writes = {f"{_CODE_PREFIX}{i // CODE_CHUNK}": info.wasm[i:i + CODE_CHUNK]
                  for i in range(0, len(info.wasm), CODE_CHUNK)}
        writes[_MANIFEST_KEY] = stored_manifest
        return Prepared(info.manifest_json(), _init_mapping(init_args), info.code_hash, writes)

    def construct(self, call: Invocation) -> None:
        module = self._module(call)  # its deposit was paid when it was prepared
        function = module.init_function
        if function is None:
            if call.metadata.init_args:
                raise EngineValidationError("the module exports no init function, so it "
                                            "takes no init_args", "init_args")
            return
        self.runtime.init(module, function.encode_args(call.metadata.init_args),
                          state=call.state, gas=call.gas, context=self._context(call),
                          events=lambda event: call.emit(event.to_dict()),
                          timeout_ms=call.gas.time_left_ms())

    def call(self, call: Invocation) -> Any:
        # A segment's calls run on one contract at one version: its module is looked up once.
        module = call.session.get("wasm_module")
        if module is None:
            module = call.session["wasm_module"] = self._module(call)
        function = module.function(call.function)
        if call.raw_input is not None:
            if not function.raw:
                raise EngineValidationError(f"{call.function} takes named args (its manifest "
                                            "declares them), not raw input", "input")
            data = call.raw_input
        else:
            data = function.encode_args(call.args)
        session = call.session.get("wasm")
        if session is None:
            session = call.session["wasm"] = call.session["close"].enter_context(
                self.runtime.session(module, self._context(call),
                                     timeout_ms=call.context.timeout_ms))
        # The epoch deadline is what is left of the call's (loading a module took some).
        output = session.call(call.function, data, state=call.state, gas=call.gas,
                              caller=call.context.caller,
                              events=lambda event: call.emit(event.to_dict()),
                              timeout_ms=call.gas.time_left_ms())
        return function.decode_result(output)

    def is_read_only(self, metadata: ContractMetadata, function: str) -> bool:
        entry = metadata.manifest.get("functions", {}).get(function)
        return bool(entry and entry.get("read_only"))

    def caller_independent(self, metadata: ContractMetadata) -> bool:
        return False  # a module may read its caller

    @property
    def runtime(self) -> Any:
        if self._runtime is None:
            self._runtime = _shared_runtime()
        return self._runtime

    def _module(self, call: Invocation) -> Any:
        """The contract's validated module. Cached by code hash AND manifest: contracts may
        share a binary with different manifests (encoders, read-only flags), and one
        deployer's manifest must never be another contract's."""
        manifest = call.state.get(_MANIFEST_KEY) or b"null"
        # The manifest's bytes themselves key the cache (a dict compares them): hashing them
        # again on every call cost more than the rest of the lookup.
        key = (call.metadata.code_hash or "", manifest)
        module = self._modules.get(key)
        if module is None:
            module = self._load(call.state, key[0], manifest)
            if len(self._modules) >= self._max_modules:
                self._modules.pop(next(iter(self._modules)))
            self._modules[key] = module
        return module

    @staticmethod
    def _load(state: ContractState, code_hash: str, manifest: bytes) -> Any:
        from cms.domain.engine import wasm
        from cms.domain.engine.errors import StorageError

        chunks, index = [], 0
        while (chunk := state.get(f"{_CODE_PREFIX}{index}")) is not None:
            chunks.append(chunk)
            index += 1
        info = wasm.validate_module(b"".join(chunks), json.loads(manifest))
        if info.code_hash != code_hash:
            raise StorageError(f"the stored module does not hash to {code_hash}")
        return info

    @staticmethod
    def _context(call: Invocation) -> Any:
        from cms.domain.engine import wasm

        context = call.context
        return wasm.CallContext(context.contract_address, context.caller,
                                context.block_number, context.timestamp)
