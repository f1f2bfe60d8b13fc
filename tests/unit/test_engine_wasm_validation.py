"""WebAssembly deployment checks, manifests and the binary encoding of arguments and results."""

from __future__ import annotations

import json
from typing import Any

import pytest
import wasmtime

from cms.domain.engine import ContractReverted, EngineValidationError
from cms.domain.engine.wasm import (
    HOST_FUNCTIONS,
    Param,
    WasmEvent,
    WasmFunction,
    validate_module,
)
from tests.unit.wasm_helpers import ALICE, CONTRACTS, example

MEMORY = '(memory (export "memory") 1)'


def refused(source: Any, manifest: dict[str, Any] | None = None) -> EngineValidationError:
    with pytest.raises(EngineValidationError) as caught:
        validate_module(source, manifest)
    return caught.value


# --- modules ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["counter", "token", "escrow"])
def test_the_examples_build_from_wat_and_from_their_binary(name: str) -> None:
    info = example(name)
    assert info.wasm.startswith(b"\0asm") and info.size == len(info.wasm)
    assert info.code_hash.startswith("0x") and len(info.code_hash) == 66
    manifest = json.loads((CONTRACTS / f"{name}.manifest.json").read_text())
    again = validate_module(info.wasm, manifest)
    assert again.code_hash == info.code_hash
    assert set(again.functions) == set(manifest["functions"])


def test_wat_may_come_as_bytes() -> None:
    info = validate_module(f'(module {MEMORY} (func (export "f")))'.encode())
    assert info.functions["f"].raw and not info.has_init


@pytest.mark.parametrize("source", [
    b"\0asm\x01\0\0\0garbage",  # a broken binary
    b"\xff\xfe\x00\x01",  # neither binary nor text
    "(module (func",  # WAT that does not parse
    "   ",
    42,
])
def test_malformed_modules_are_refused(source: Any) -> None:
    error = refused(source)
    assert error.field == "module"
    assert "neither" in error.detail or "not valid" in error.detail or "empty" in error.detail \
        or "must be" in error.detail


def test_an_oversized_module_is_refused() -> None:
    payload = b"\x01x" + b"\0" * 600_000  # a custom section: name "x", then the payload
    size = len(payload)
    leb = bytearray()
    while True:
        byte, size = size & 0x7F, size >> 7
        leb.append(byte | (0x80 if size else 0))
        if not size:
            break
    binary = b"\0asm\x01\0\0\0" + b"\x00" + bytes(leb) + payload
    assert "the limit is 524288" in refused(binary).detail


@pytest.mark.parametrize(("wat", "message"), [
    (f'(module (import "env" "now" (func)) {MEMORY})', 'imports env.now: only functions'),
    ('(module (import "cms" "memory" (memory 1)))', "only functions"),
    (f'(module (import "cms" "random" (func (result i64))) {MEMORY})',
     "which the host ABI does not provide"),
    (f'(module (import "cms" "caller" (func (param i64))) {MEMORY})',
     "imports cms.caller as (i64) -> (); the host ABI's is (i32) -> ()"),
    ('(module (memory 1) (func (export "f")))', 'must export its linear memory as "memory"'),
    (f'(module {MEMORY} (func (export "f") (param i32)))', "'f' is (i32) -> ()"),
    (f'(module {MEMORY} (func (export "f") (result i32) (i32.const 0)))', "'f' is () -> (i32)"),
    ('(module (memory (export "memory") 300))',
     "more than the limits allow: memory has a minimum byte size of 19660800"),
    (f'(module {MEMORY} (func $s) (start $s))', "start function"),
    (f'(module {MEMORY} (func (drop (v128.const i64x2 0 0))))', "SIMD support is not enabled"),
    ('(module (memory (export "memory") 1 1 shared))', "threads must be enabled"),
    (f'(module {MEMORY} (table 20000 funcref))',
     "table index 0 has a minimum element size of 20000 which exceeds the limit of 10000"),
    (f'(module {MEMORY} (data (i32.const 65530) "0123456789"))',
     "cannot be instantiated within the limits"),
])
def test_unsafe_modules_are_refused_with_a_clear_reason(wat: str, message: str) -> None:
    error = refused(wat)
    assert message in error.detail
    assert error.field == "module"


def test_too_many_exported_functions_are_refused() -> None:
    functions = " ".join(f'(func (export "f{i}"))' for i in range(257))
    assert "exports 257 functions" in refused(f"(module {MEMORY} {functions})").detail


def test_every_host_function_can_be_imported_with_its_signature() -> None:
    imports = " ".join(
        f'(import "cms" "{name}" (func (param {" ".join(params)}) (result {" ".join(results)})))'
        for name, (params, results) in HOST_FUNCTIONS.items())
    info = validate_module(f"(module {imports} {MEMORY})")
    assert info.functions == {}


# --- manifests --------------------------------------------------------------------------------

TWO = f'(module {MEMORY} (func (export "f")) (func (export "g")) (func (export "init")))'


@pytest.mark.parametrize(("manifest", "field"), [
    ([], "manifest"),
    ({}, "manifest/functions"),
    ({"functions": {"h": {}}}, "manifest/functions/h"),
    ({"functions": {"init": {}}}, "manifest/functions/init"),
    ({"functions": {"f": {"params": [{"name": "x", "type": "float"}]}}},
     "manifest/functions/f/params/0/type"),
    ({"functions": {"f": {"params": [{"name": "x", "type": "u8"}, {"name": "x", "type": "u8"}]}}},
     "manifest/functions/f/params/1/name"),
    ({"functions": {"f": {"params": [{"name": "1x", "type": "u8"}]}}},
     "manifest/functions/f/params/0/name"),
    ({"functions": {"f": {"returns": "decimal"}}}, "manifest/functions/f/returns"),
    ({"functions": {"f": {"read_only": "yes"}}}, "manifest/functions/f/read_only"),
    ({"functions": {"f": {"payable": True}}}, "manifest/functions/f/payable"),
    ({"functions": {"f": {}}, "version": 2}, "manifest/version"),
    ({"functions": {"f": {}}, "events": {"E": [{"name": "a"}]}}, "manifest/events/E/0"),
])
def test_bad_manifests_point_at_the_problem(manifest: Any, field: str) -> None:
    assert refused(TWO, manifest).field == field


def test_the_manifest_selects_the_callable_functions() -> None:
    info = validate_module(TWO, {"functions": {"f": {"returns": "u32", "read_only": True}},
                                 "init": {"params": [{"name": "n", "type": "u8"}]}})
    assert set(info.functions) == {"f"} and info.has_init and info.has_manifest
    assert info.init_function is not None and info.init_function.params == (Param("n", "u8"),)
    manifest = info.manifest_json()
    assert manifest["functions"] == {"f": {"params": [], "returns": "u32", "read_only": True}}
    assert manifest["init"]["params"] == [{"name": "n", "type": "u8"}]
    assert manifest["code_hash"] == info.code_hash and not manifest["raw"]
    json.dumps(manifest)


def test_without_a_manifest_every_export_but_init_takes_raw_bytes() -> None:
    info = validate_module(TWO)
    assert set(info.functions) == {"f", "g"} and not info.has_manifest
    function = info.functions["f"]
    assert function.encode_args({"input": "0x0102"}) == b"\x01\x02"
    assert function.encode_args(None) == b""
    assert function.decode_result(b"\xab") == "0xab"
    with pytest.raises(EngineValidationError) as caught:
        function.encode_args({"to": "x"})
    assert caught.value.field == "args/to"
    assert info.manifest_json()["raw"] is True
    with pytest.raises(EngineValidationError, match="init runs once"):
        info.function("init")


def test_a_manifest_for_init_needs_an_init_export() -> None:
    wat = f'(module {MEMORY} (func (export "f")))'
    assert refused(wat, {"functions": {"f": {}}, "init": {}}).field == "manifest/init"


# --- arguments and results --------------------------------------------------------------------

TRANSFER = WasmFunction("transfer", (Param("to", "address"), Param("amount", "u64")), "bool")


def test_arguments_are_encoded_in_order_little_endian() -> None:
    data = TRANSFER.encode_args({"amount": "258", "to": ALICE.upper().replace("0X", "0x")})
    assert data == bytes.fromhex(ALICE[2:]) + (258).to_bytes(8, "little")
    everything = WasmFunction("f", (
        Param("a", "u8"), Param("b", "i32"), Param("c", "i64"), Param("d", "u128"),
        Param("e", "bool"), Param("f", "bytes"), Param("g", "string"), Param("h", "u32[]")))
    data = everything.encode_args({"a": 255, "b": -1, "c": "-2", "d": 2**100, "e": True,
                                   "f": "0xbeef", "g": "é", "h": [1, 2]})
    assert data == (b"\xff" + b"\xff" * 4 + (-2).to_bytes(8, "little", signed=True)
                    + (2**100).to_bytes(16, "little") + b"\x01" + b"\x02\0\0\0\xbe\xef"
                    + b"\x02\0\0\0\xc3\xa9" + b"\x02\0\0\0" + b"\x01\0\0\0\x02\0\0\0")


@pytest.mark.parametrize(("args", "field"), [
    ({"to": ALICE}, "args/amount"),
    ({"to": ALICE, "amount": 1, "memo": "hi"}, "args/memo"),
    ({"to": "0x1234", "amount": 1}, "args/to"),
    ({"to": ALICE.lower()[:-1] + "G", "amount": 1}, "args/to"),
    ({"to": 7, "amount": 1}, "args/to"),
    ({"to": ALICE, "amount": -1}, "args/amount"),
    ({"to": ALICE, "amount": 2**64}, "args/amount"),
    ({"to": ALICE, "amount": "12abc"}, "args/amount"),
    ({"to": ALICE, "amount": 1.5}, "args/amount"),
    ({"to": ALICE, "amount": True}, "args/amount"),
    ({"to": ALICE, "value": 1}, "args/value"),
])
def test_wrong_arguments_are_refused_with_their_name(args: dict[str, Any], field: str) -> None:
    with pytest.raises(EngineValidationError) as caught:
        TRANSFER.encode_args(args)
    assert caught.value.field == field


@pytest.mark.parametrize(("kind", "value", "field"), [
    ("bool", "true", "args/x"), ("bytes", "0x123", "args/x"), ("bytes", "beef", "args/x"),
    ("string", 5, "args/x"), ("u32[]", [1, -1], "args/x/1"), ("u32[]", "1,2", "args/x"),
])
def test_other_types_check_their_values(kind: str, value: Any, field: str) -> None:
    with pytest.raises(EngineValidationError) as caught:
        WasmFunction("f", (Param("x", kind),)).encode_args({"x": value})
    assert caught.value.field == field


def test_results_decode_to_json_and_bad_return_data_is_a_revert() -> None:
    assert TRANSFER.decode_result(b"\x01") is True
    address = WasmFunction("owner", returns="address")
    assert address.decode_result(bytes.fromhex("ab" * 20)) == \
        "0xABaBaBaBABabABabAbAbABAbABabababaBaBABaB"
    assert WasmFunction("n", returns="u32").decode_result(b"\x05\0\0\0") == 5
    assert WasmFunction("n", returns="u64").decode_result(b"\x05" + b"\0" * 7) == "5"
    assert WasmFunction("nothing").decode_result(b"") is None
    for function, data in ((TRANSFER, b"\x02"), (TRANSFER, b""), (TRANSFER, b"\x01\x00"),
                           (WasmFunction("s", returns="string"), b"\x02\0\0\0\xff\xfe"),
                           (WasmFunction("nothing"), b"\x00")):
        with pytest.raises(ContractReverted) as caught:
            function.decode_result(data)
        assert caught.value.error == "InvalidReturnData"


def test_events_decode_their_data_when_the_manifest_declares_them() -> None:
    schema = (Param("who", "address"), Param("n", "u8"))
    event = WasmEvent("Seen", bytes.fromhex(ALICE[2:]) + b"\x07", schema)
    assert event.to_dict() == {"event": "Seen", "data": "0x" + ALICE[2:] + "07",
                               "args": {"who": ALICE, "n": 7}}
    assert WasmEvent("Seen", b"\x07", schema).to_dict() == {"event": "Seen", "data": "0x07"}
    assert WasmEvent("Raw", b"").to_dict() == {"event": "Raw", "data": "0x"}


def test_the_engine_refuses_disabled_features_at_compile_time() -> None:
    # guards the engine configuration itself (SIMD off: relaxed SIMD was switched off first)
    from cms.domain.engine.wasm.native import engine
    with pytest.raises(wasmtime.WasmtimeError):
        wasmtime.Module(engine(), '(module (func (drop (v128.const i64x2 0 0))))')
