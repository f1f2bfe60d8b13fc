"""Deploying an engine contract: one request shape per kind, told apart by ``kind``.

The shapes say what JSON Schema can (names, sizes, ranges); the engine checks the rest when it
deploys (a module that validates, a circuit whose wires connect, a key that is a Paillier
modulus) and answers ``engine_validation_error`` with a pointer into the request.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag

from cms.api.schemas.common import JsonObject
from cms.api.schemas.engine import Address, GasLimit
from cms.api.schemas.engine_manifest import WasmManifest
from cms.api.schemas.engine_manifest import identifier_map as named
from cms.domain.engine.unified.inputs import MAX_NAME_LENGTH
from cms.domain.strict_json import MAX_SAFE_INTEGER
from cms_wire.circuits import (
    CIRCUIT_FORMAT,
    MAX_GATES,
    MAX_OUTPUT_BITS,
    MAX_OUTPUTS,
    MAX_PARTIES,
    MAX_PARTY_BITS,
    MAX_WIRES,
)

MAX_TEXT_LENGTH = 128  # an ERC20 name or symbol (cms.domain.engine.erc20)
MAX_PCR0S = 16  # cms.domain.engine.circuit_contract
MAX_CODE_CHARS = 2 * 1024 * 1024  # WAT text; a binary is at most 512 KiB (in base64 or hex)
# In practice the request body's own limit (256 KiB) comes first.

Uint256 = Annotated[
    Annotated[str, Field(pattern=r"^[0-9]{1,78}$")]
    | Annotated[int, Field(ge=0, le=MAX_SAFE_INTEGER)],
    Field(description="An amount from 0 to 2**256-1: a decimal string (any amount) or an "
                      "integer up to 2**53-1")]
Salt = Annotated[str, Field(pattern=r"^(0x)?[0-9a-fA-F]{64}$", description=(
    "32 bytes of hex: the address becomes predictable (CREATE2); random if absent"))]
Pcr0 = Annotated[str, Field(pattern=r"^[0-9a-fA-F]{96}$", description="An enclave image's "
                                                                      "PCR0 (SHA-384, hex)")]
PartyName = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]{0,31}$")]
Wire = Annotated[int, Field(ge=0, le=MAX_WIRES - 1)]


class _Deployment(BaseModel):
    """What every deployment may say besides its kind's own."""

    model_config = ConfigDict(extra="forbid", strict=True)
    name: str | None = Field(default=None, min_length=1, max_length=MAX_NAME_LENGTH,
                             description="Default: the kind")
    description: str | None = Field(default=None, max_length=1000)
    salt: Salt | None = None
    gas_limit: GasLimit | None = Field(default=None, description="For the constructor")


# -- erc20 --------------------------------------------------------------------------------------

class Erc20InitArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    name: str = Field(max_length=MAX_TEXT_LENGTH)
    symbol: str = Field(max_length=MAX_TEXT_LENGTH)
    decimals: int | None = Field(default=None, ge=0, le=255, description="Default 18")
    initial_supply: Uint256 | None = Field(default=None, description="Minted to the "
                                                                     "deployer; default 0")


class Erc20Deployment(_Deployment):
    """The built-in token (OpenZeppelin 5 semantics); the deployer owns it."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "kind": "erc20", "name": "Data credits", "init_args": {
            "name": "Data credits", "symbol": "DCR", "decimals": 18,
            "initial_supply": "1000000000000000000000000"}}]})
    kind: Literal["erc20"]
    init_args: Erc20InitArgs


# -- wasm -----------------------------------------------------------------------------------------

class WasmDeployment(_Deployment):
    """A WebAssembly module and its ABI (docs/wasm-contracts.md); storing the module costs
    200 gas a byte."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "kind": "wasm", "name": "Ping",
        "code": '(module (memory (export "memory") 1) (func (export "ping")))',
        "manifest": {"functions": {"ping": {"read_only": True}}}}]})
    kind: Literal["wasm"]
    code: str = Field(min_length=1, max_length=MAX_CODE_CHARS, description=(
        "The module: WAT text, or the binary (at most 512 KiB) in base64 or hex"))
    code_encoding: Literal["wat", "base64", "hex"] = "wat"
    manifest: WasmManifest | None = Field(default=None, description=(
        "The ABI; without one every export takes and returns raw bytes"))
    init_args: JsonObject | None = Field(default=None, description=(
        "The init export's arguments, as the manifest names them"))


# -- Paillier contracts -----------------------------------------------------------------------

class PaillierPublicKey(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    # 1024 hex digits: paillier.MAX_KEY_BITS (4096), the largest key whose arithmetic one
    # call can pay for.
    n: str = Field(pattern=r"^[0-9a-f]{1,1024}$", description=(
        "The modulus, lower-case hex: odd, 256 to 4096 bits (2048 or more in production; "
        "the contract's arithmetic is priced by its size)"))


class PrivacyInitArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    public_key: PaillierPublicKey
    authority: Address | None = Field(default=None, description="Default: the deployer")


class PrivacyDeployment(_Deployment):
    """A Paillier contract (docs/privacy-contracts.md)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "kind": "sealed_bid_tally", "init_args": {"public_key": {"n": "c5" * 63 + "7b"}}}]})
    kind: Literal["confidential_ledger", "sealed_bid_tally"]
    init_args: PrivacyInitArgs


# -- circuits -----------------------------------------------------------------------------------

class CircuitParty(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    name: PartyName
    bits: int = Field(ge=1, le=MAX_PARTY_BITS)


class CircuitOutput(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    name: PartyName
    type: Literal["bool", "uint"]
    wires: list[Wire] = Field(min_length=1, max_length=MAX_OUTPUT_BITS,
                              description="One for a bool; least significant first")


Gate = Annotated[list[Literal["AND", "OR", "XOR", "NOT", "ZERO", "ONE"] | Wire],
                 Field(min_length=2, max_length=4,
                       description="[op, input wires..., output wire]")]


class Circuit(BaseModel):
    """A boolean circuit (cms-circuit/v1); at most 64 KiB as canonical JSON."""

    model_config = ConfigDict(extra="forbid", strict=True)
    format: Literal["cms-circuit/v1"]
    parties: list[CircuitParty] = Field(min_length=1, max_length=MAX_PARTIES)
    wires: int = Field(ge=1, le=MAX_WIRES)
    gates: list[Gate] = Field(max_length=MAX_GATES, description="In topological order")
    outputs: list[CircuitOutput] = Field(min_length=1, max_length=MAX_OUTPUTS)


class CircuitInitArgs(BaseModel):
    """The platform adds the input key pair (``input_public_key``, ``wrapped_input_key``):
    a deployer cannot supply its own."""

    model_config = ConfigDict(extra="forbid", strict=True)
    circuit: Circuit
    parties: named(Address, MAX_PARTIES, PartyName) = Field(  # type: ignore[valid-type]
        description="Each of the circuit's parties' address")
    enclave_pcr0s: list[Pcr0] = Field(min_length=1, max_length=MAX_PCR0S, description=(
        "The enclave images that may evaluate it: only images this platform runs"))


class CircuitDeployment(_Deployment):
    """Parties submit encrypted inputs; the enclave evaluates the circuit and the contract
    records the attested outputs (docs/privacy-contracts.md)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "kind": "circuit", "name": "Who bids more", "init_args": {
            "circuit": {"format": CIRCUIT_FORMAT,
                        "parties": [{"name": "alice", "bits": 1}, {"name": "bob", "bits": 1}],
                        "wires": 4, "gates": [["NOT", 1, 2], ["AND", 0, 2, 3]],
                        "outputs": [{"name": "a_greater", "type": "bool", "wires": [3]}]},
            "parties": {"alice": "0x5B38Da6a701c568545dCfcB03FcB875f56beddC4",
                        "bob": "0xAb8483F64d9C6d1EcF9b849Ae677dD3315835cb2"},
            "enclave_pcr0s": ["00" * 48]}}]})
    kind: Literal["circuit"]
    init_args: CircuitInitArgs


def _kind_of(value: Any) -> str | None:
    kind = value.get("kind") if isinstance(value, dict) else getattr(value, "kind", None)
    return _TAGS.get(kind) if isinstance(kind, str) else None


# Tags that are not names: a validation error's location holds the tag, and problems point
# into the request by the names in it.
_TAGS = {"erc20": "kind erc20", "wasm": "kind wasm", "confidential_ledger": "kind privacy",
         "sealed_bid_tally": "kind privacy", "circuit": "kind circuit"}
_REF = "#/components/schemas/"
# One example of each kind, for the request body as a whole (its members carry theirs too).
DEPLOY_EXAMPLES = {
    model.__name__: {"summary": (model.__doc__ or model.__name__).strip().split("\n")[0],
                     "value": model.model_config["json_schema_extra"]["examples"][0]}
    for model in (Erc20Deployment, WasmDeployment, PrivacyDeployment, CircuitDeployment)}
DeployRequest = Annotated[
    Annotated[Erc20Deployment, Tag("kind erc20")] | Annotated[WasmDeployment, Tag("kind wasm")]
    | Annotated[PrivacyDeployment, Tag("kind privacy")]
    | Annotated[CircuitDeployment, Tag("kind circuit")],
    Discriminator(_kind_of, custom_error_type="unknown_kind", custom_error_message=(
        f"kind must be one of {', '.join(_TAGS)}")),
    Field(json_schema_extra={"discriminator": {"propertyName": "kind", "mapping": {
        "erc20": _REF + "Erc20Deployment", "wasm": _REF + "WasmDeployment",
        "confidential_ledger": _REF + "PrivacyDeployment",
        "sealed_bid_tally": _REF + "PrivacyDeployment",
        "circuit": _REF + "CircuitDeployment"}}})]
