"""A WebAssembly contract's manifest: its callable functions, init and events with their
value types (docs/wasm-contracts.md; checked against the module in
cms.domain.engine.wasm.manifest)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

# The limits and types of cms.domain.engine.wasm (importing it loads wasmtime: the engine
# function loads it only when a WebAssembly contract is used; a unit test keeps these equal).
MAX_FUNCTIONS = 256
MAX_PARAMS = 16
MAX_NAME_LENGTH = 64
SCALAR_TYPES = ("address", "bool", "bytes", "i32", "i64", "string", "u128", "u256", "u32",
                "u64", "u8")
WasmType = Literal[tuple(sorted([*SCALAR_TYPES, *(f"{name}[]" for name in SCALAR_TYPES)]))]

Identifier = Annotated[str, Field(
    pattern=rf"^[A-Za-z_][A-Za-z0-9_]{{0,{MAX_NAME_LENGTH - 1}}}$",
    description="A letter or _, then letters, digits or _")]


def identifier_map(value: Any, max_items: int, key: Any = Identifier) -> Any:
    """An object whose every property name is ``key`` (JSON Schema: patternProperties and no
    other property)."""
    return Annotated[dict[key, value], Field(max_length=max_items, json_schema_extra={
        "additionalProperties": False})]


class ManifestParam(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    name: Identifier
    type: WasmType


Params = Annotated[list[ManifestParam], Field(max_length=MAX_PARAMS)]


class ManifestFunction(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    params: Params = []
    returns: WasmType | None = None
    read_only: bool = Field(default=False, description="A read-only function that writes "
                                                       "storage or emits an event traps")
    description: str | None = Field(default=None, max_length=1000)


class ManifestInit(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    params: Params = []
    description: str | None = Field(default=None, max_length=1000)


class WasmManifest(BaseModel):
    """``functions`` name the module's exports that may be called; ``init`` describes the
    init export's arguments; ``events`` let event data be decoded into named args."""

    model_config = ConfigDict(extra="forbid", strict=True)
    functions: identifier_map(ManifestFunction, MAX_FUNCTIONS) = Field(  # type: ignore[valid-type]
        min_length=1)
    init: ManifestInit | None = None
    events: identifier_map(Params, MAX_FUNCTIONS) | None = None  # type: ignore[valid-type]
    name: str | None = Field(default=None, max_length=100)
    description: str | None = Field(default=None, max_length=1000)
