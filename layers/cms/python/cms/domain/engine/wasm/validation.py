"""Deployment checks: a module is accepted only if the runtime can run it safely.

``validate_module`` takes a WebAssembly binary or WAT text and an optional manifest, and
refuses (``EngineValidationError``, field ``module`` or a pointer into ``manifest``):

- anything that is neither a binary (``\\0asm``) nor WAT text that parses; WAT over 2 MiB;
  a binary over 512 KiB;
- a module the engine does not compile: malformed, using a disabled feature (SIMD,
  threads and shared memory, 64-bit or multiple memories, GC, exceptions), or declaring a
  memory over 16 MiB or a table over 10,000 elements (the instance pool's slot sizes);
- a start function (it would run at every instantiation, outside any call);
- imports other than functions of the host ABI module ``"cms"`` with their exact signatures;
- no exported ``memory``;
- exported functions that are not ``() -> ()`` (arguments travel through the input buffer),
  or more than 256 of them, or named other than a call names a function (an identifier of
  at most 64 characters);
- anything a trial instantiation within the limits refuses (segments out of bounds);
- a manifest that is malformed or names a function the module does not export.

Compiled modules are cached per process by code hash, so validating a stored module again (a
cold start) costs one compilation, and running it none.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import wasmtime

from cms.domain.engine.errors import EngineValidationError
from cms.domain.engine.wasm.abi import Param, WasmFunction
from cms.domain.engine.wasm.host import HOST_FUNCTIONS, HOST_MODULE
from cms.domain.engine.wasm.limits import (
    MAX_FUNCTIONS,
    MAX_MEMORY_BYTES,
    MAX_MODULE_BYTES,
    MAX_NAME_LENGTH,
    MAX_WAT_BYTES,
    WASM_PAGE,
)
from cms.domain.engine.wasm.manifest import (
    IDENTIFIER,
    INIT,
    MEMORY,
    Manifest,
    manifest_json,
    parse_manifest,
    raw_manifest,
)
from cms.domain.engine.wasm.native import compiled_module, trial_instantiate, type_names

WASM_MAGIC = b"\0asm"
_START_SECTION = 8
_MAX_DETAIL = 400


@dataclass(frozen=True, eq=False)
class WasmModuleInfo:
    """A validated module: its binary, identity, callable functions and ABI."""

    wasm: bytes
    code_hash: str
    size: int
    functions: Mapping[str, WasmFunction]
    has_init: bool
    init_function: WasmFunction | None = None
    events: Mapping[str, tuple[Param, ...]] = field(default_factory=dict)
    has_manifest: bool = False

    def function(self, name: object) -> WasmFunction:
        """The callable function ``name``, or ``EngineValidationError`` (field ``function``)."""
        function = self.functions.get(name) if isinstance(name, str) else None
        if function is None:
            if name == INIT:
                raise EngineValidationError("init runs once, at deployment", "function")
            raise EngineValidationError(
                f"the contract has no function {name!r} (it has "
                f"{', '.join(sorted(self.functions)) or 'none'})", "function")
        return function

    def manifest_json(self) -> dict[str, Any]:
        manifest = Manifest(dict(self.functions), self.init_function, dict(self.events))
        return {**manifest_json(manifest, raw=not self.has_manifest), "code_hash": self.code_hash,
                "size": self.size}


def validate_module(source: bytes | bytearray | memoryview | str,
                    manifest: Mapping[str, Any] | None = None) -> WasmModuleInfo:
    """Check a module (binary or WAT) and its manifest for deployment; see the module doc."""
    wasm = module_binary(source)
    code_hash = "0x" + hashlib.sha256(wasm).hexdigest()
    module = _compile(wasm, code_hash)
    if any(section == _START_SECTION for section in _section_ids(wasm)):
        raise EngineValidationError("the module has a start function; put setup code in an "
                                    "exported init function instead", "module")
    _check_imports(module)
    exported = _check_exports(module)
    _trial(module)
    has_init = INIT in exported
    parsed = (raw_manifest(exported, has_init) if manifest is None
              else parse_manifest(manifest, exported, has_init))
    return WasmModuleInfo(wasm, code_hash, len(wasm), parsed.functions, has_init, parsed.init,
                          parsed.events, manifest is not None)


def module_binary(source: object) -> bytes:
    """The module as a binary (WAT compiled), within the size limit; not yet compiled for
    the engine, so a caller can price it first."""
    if isinstance(source, bytearray | memoryview):
        source = bytes(source)
    if isinstance(source, bytes) and source.startswith(WASM_MAGIC):
        wasm = source
    elif isinstance(source, bytes | str):
        wasm = _wat_to_wasm(source)
    else:
        raise EngineValidationError("the module must be WebAssembly bytes or WAT text",
                                    "module")
    if len(wasm) > MAX_MODULE_BYTES:
        raise EngineValidationError(f"the module is {len(wasm)} bytes; the limit is "
                                    f"{MAX_MODULE_BYTES}", "module")
    return wasm


def _wat_to_wasm(source: bytes | str) -> bytes:
    if isinstance(source, bytes):
        try:
            source = source.decode()
        except UnicodeDecodeError as error:
            raise EngineValidationError("the module is neither a WebAssembly binary (it does "
                                        "not start with \\0asm) nor WAT text", "module") from error
    if not source.strip():
        raise EngineValidationError("the module is empty", "module")
    if len(source.encode()) > MAX_WAT_BYTES:
        raise EngineValidationError(f"the WAT text is over {MAX_WAT_BYTES} bytes", "module")
    try:
        return bytes(wasmtime.wat2wasm(source))
    except wasmtime.WasmtimeError as error:
        raise EngineValidationError("the module is neither a WebAssembly binary nor valid WAT "
                                    f"text: {_detail(error)}", "module") from error


def _compile(wasm: bytes, code_hash: str) -> wasmtime.Module:
    try:
        return compiled_module(wasm, code_hash)
    except wasmtime.WasmtimeError as error:
        detail = _detail(error)
        if "pooling allocator" in detail:  # a declared memory or table over the slot sizes
            raise EngineValidationError(f"the module declares more than the limits allow: "
                                        f"{detail.rpartition(': ')[2]}", "module") from error
        raise EngineValidationError(f"the module is not valid WebAssembly for this engine: "
                                    f"{detail}", "module") from error


def _detail(error: Exception) -> str:
    """wasmtime's multi-line message on one line, bounded."""
    text = " ".join(line.strip() for line in str(error).splitlines() if line.strip())
    return text if len(text) <= _MAX_DETAIL else text[:_MAX_DETAIL] + "..."


def _section_ids(wasm: bytes) -> Iterator[int]:
    """The ids of a (compiled, hence well-formed) binary's sections."""
    offset = len(WASM_MAGIC) + 4  # magic and version
    while offset < len(wasm):
        section_id = wasm[offset]
        size, offset = _uleb128(wasm, offset + 1)
        yield section_id
        offset += size


def _uleb128(data: bytes, offset: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[offset]
        offset += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, offset
        shift += 7


def _signature(params: tuple[str, ...], results: tuple[str, ...]) -> str:
    return f"({', '.join(params)}) -> ({', '.join(results)})"


def _check_imports(module: wasmtime.Module) -> None:
    for item in module.imports:
        name = f"{item.module}.{item.name}"
        if item.module != HOST_MODULE or not isinstance(item.type, wasmtime.FuncType):
            raise EngineValidationError(
                f"the module imports {name}: only functions of the host ABI module "
                f"{HOST_MODULE!r} may be imported", "module")
        expected = HOST_FUNCTIONS.get(item.name)
        if expected is None:
            raise EngineValidationError(
                f"the module imports {name}, which the host ABI does not provide (it "
                f"provides {', '.join(HOST_FUNCTIONS)})", "module")
        actual = (type_names(item.type.params), type_names(item.type.results))
        if actual != expected:
            raise EngineValidationError(
                f"the module imports {name} as {_signature(*actual)}; the host ABI's is "
                f"{_signature(*expected)}", "module")


def _check_exports(module: wasmtime.Module) -> set[str]:
    """The exported function names, after checking memory and signatures."""
    functions: set[str] = set()
    memory = None
    for item in module.exports:
        if isinstance(item.type, wasmtime.FuncType):
            if item.type.params or item.type.results:
                signature = _signature(type_names(item.type.params),
                                       type_names(item.type.results))
                raise EngineValidationError(
                    f"the exported function {item.name!r} is {signature}; exported functions "
                    "must be () -> () (arguments and results travel through input_read and "
                    "return_data)", "module")
            if not IDENTIFIER.fullmatch(item.name):
                raise EngineValidationError(
                    f"the exported function {item.name[:80]!r} cannot be called: function "
                    f"names are a letter or _, then letters, digits or _ (at most "
                    f"{MAX_NAME_LENGTH})", "module")
            functions.add(item.name)
        elif item.name == MEMORY and isinstance(item.type, wasmtime.MemoryType):
            memory = item.type
    if memory is None:
        raise EngineValidationError("the module must export its linear memory as \"memory\"",
                                    "module")
    if memory.limits.min * WASM_PAGE > MAX_MEMORY_BYTES:
        raise EngineValidationError(
            f"the module's memory starts at {memory.limits.min} pages "
            f"({memory.limits.min * WASM_PAGE} bytes); the limit is {MAX_MEMORY_BYTES} bytes",
            "module")
    if len(functions) > MAX_FUNCTIONS:
        raise EngineValidationError(f"the module exports {len(functions)} functions; the limit "
                                    f"is {MAX_FUNCTIONS}", "module")
    return functions


def _trial(module: wasmtime.Module) -> None:
    try:
        trial_instantiate(module, HOST_MODULE, HOST_FUNCTIONS, MAX_MEMORY_BYTES)
    except (wasmtime.WasmtimeError, wasmtime.Trap) as error:
        raise EngineValidationError(f"the module cannot be instantiated within the limits: "
                                    f"{_detail(error)}", "module") from error
