"""Shared helpers for the WebAssembly engine tests: the example contracts and a call harness."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cms.domain.engine import GasMeter, MemoryState, StagedState
from cms.domain.engine.wasm import (
    CallContext,
    WasmEvent,
    WasmModuleInfo,
    WasmRuntime,
    validate_module,
)

CONTRACTS = Path(__file__).resolve().parents[2] / "contracts" / "wasm"
CONTRACT_ADDRESS = "0x" + "c0" * 20
OWNER = "0x1111111111111111111111111111111111111111"
ALICE = "0x2222222222222222222222222222222222222222"
BOB = "0x3333333333333333333333333333333333333333"


def example(name: str) -> WasmModuleInfo:
    """An example contract "built" as a deployment would: WAT compiled and validated."""
    manifest = json.loads((CONTRACTS / f"{name}.manifest.json").read_text())
    return validate_module((CONTRACTS / f"{name}.wat").read_text(), manifest)


def module(body: str, *, imports: str = "", memory: str = "1",
           manifest: dict[str, Any] | None = None) -> WasmModuleInfo:
    """A small test module: ``imports`` from "cms", a memory, and ``body``."""
    return validate_module(f'(module {imports} (memory (export "memory") {memory}) {body})',
                           manifest)


def context(caller: str = OWNER) -> CallContext:
    return CallContext(CONTRACT_ADDRESS, caller, block_number=7, timestamp=1_700_000_000)


@dataclass
class Deployed:
    """A module over a MemoryState; each call runs on a StagedState committed on success,
    as the engine does."""

    runtime: WasmRuntime
    info: WasmModuleInfo
    state: MemoryState = field(default_factory=MemoryState)
    events: list[WasmEvent] = field(default_factory=list)
    meter: GasMeter | None = None

    def init(self, caller: str = OWNER, gas_limit: int = 1_000_000, **args: Any) -> None:
        assert self.info.init_function is not None
        data = self.info.init_function.encode_args(args)
        self._run(lambda stage, gas, sink: self.runtime.init(
            self.info, data, state=stage, gas=gas, context=context(caller), events=sink),
            gas_limit)

    def __call__(self, function: str, caller: str = OWNER, gas_limit: int = 1_000_000,
                 timeout_ms: int | None = None, **args: Any) -> Any:
        target = self.info.functions[function]
        data = target.encode_args(args)
        output = self._run(lambda stage, gas, sink: self.runtime.execute(
            self.info, function, data, state=stage, gas=gas, context=context(caller),
            events=sink, timeout_ms=timeout_ms), gas_limit)
        return target.decode_result(output)

    def _run(self, body: Any, gas_limit: int) -> bytes:
        stage, self.meter = StagedState(self.state), GasMeter(gas_limit)
        self.events = []
        output = body(stage, self.meter, self.events.append)
        stage.commit()
        return output
