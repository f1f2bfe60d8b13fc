"""The manifest: a contract's ABI, i.e. which exports are callable and with what values.

Shape (every part but ``functions`` optional)::

    {
      "functions": {
        "transfer": {"params": [{"name": "to", "type": "address"},
                                {"name": "amount", "type": "u64"}],
                     "returns": "bool", "read_only": false}
      },
      "init": {"params": [{"name": "supply", "type": "u64"}]},
      "events": {"Transfer": [{"name": "from", "type": "address"}, ...]}
    }

``returns`` is a type or null; ``read_only`` defaults to false (a read-only function that
writes storage or emits an event traps). ``init`` describes the arguments of the module's
``init`` export, run once at deployment. ``events`` lets event data be decoded into named
``args``. Types and their encoding: ``abi.py``.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from cms.domain.engine.errors import EngineValidationError
from cms.domain.engine.wasm.abi import TYPE_NAMES, TYPES, Param, WasmFunction
from cms.domain.engine.wasm.limits import MAX_FUNCTIONS, MAX_NAME_LENGTH, MAX_PARAMS

INIT = "init"
MEMORY = "memory"
RESERVED_EXPORTS = frozenset({INIT, MEMORY})
IDENTIFIER = re.compile(rf"[A-Za-z_][A-Za-z0-9_]{{0,{MAX_NAME_LENGTH - 1}}}")
_TOP_KEYS = frozenset({"functions", "init", "events", "name", "description"})
_FUNCTION_KEYS = frozenset({"params", "returns", "read_only", "description"})


@dataclass(frozen=True)
class Manifest:
    functions: dict[str, WasmFunction]
    init: WasmFunction | None
    events: dict[str, tuple[Param, ...]] = field(default_factory=dict)


def raw_manifest(exported: Collection[str], has_init: bool) -> Manifest:
    """No manifest: every exported function but ``init`` takes and returns raw bytes."""
    functions = {name: WasmFunction(name, raw=True)
                 for name in sorted(exported) if name not in RESERVED_EXPORTS}
    return Manifest(functions, WasmFunction(INIT, raw=True) if has_init else None)


def parse_manifest(manifest: object, exported: Collection[str], has_init: bool) -> Manifest:
    """Check ``manifest`` against the module's exported functions; errors point into it."""
    if not isinstance(manifest, Mapping):
        raise EngineValidationError("the manifest must be a JSON object", "manifest")
    _no_unknown_keys(manifest, _TOP_KEYS, "manifest")
    specs = manifest.get("functions")
    if not isinstance(specs, Mapping) or not specs:
        raise EngineValidationError("the manifest must name its functions in \"functions\"",
                                    "manifest/functions")
    if len(specs) > MAX_FUNCTIONS:
        raise EngineValidationError(f"a manifest may declare at most {MAX_FUNCTIONS} functions",
                                    "manifest/functions")
    functions = {name: _function(name, spec, exported) for name, spec in specs.items()}
    return Manifest(functions, _init(manifest.get(INIT), has_init),
                    _events(manifest.get("events", {})))


def _function(name: object, spec: object, exported: Collection[str]) -> WasmFunction:
    where = f"manifest/functions/{name}"
    _identifier(name, where)
    assert isinstance(name, str)
    if name in RESERVED_EXPORTS:
        raise EngineValidationError(f"{name!r} is reserved and cannot be a callable function",
                                    where)
    if name not in exported:
        raise EngineValidationError(f"the manifest names {name!r}, which the module does not "
                                    "export as a function", where)
    if not isinstance(spec, Mapping):
        raise EngineValidationError("a function must be described by an object", where)
    _no_unknown_keys(spec, _FUNCTION_KEYS, where)
    returns = spec.get("returns")
    if returns is not None and (not isinstance(returns, str) or returns not in TYPES):
        raise EngineValidationError(f"unknown return type {returns!r} (types: {TYPE_NAMES})",
                                    f"{where}/returns")
    read_only = spec.get("read_only", False)
    if not isinstance(read_only, bool):
        raise EngineValidationError("read_only must be true or false", f"{where}/read_only")
    return WasmFunction(name, _params(spec.get("params", []), f"{where}/params"), returns,
                        read_only)


def _init(spec: object, has_init: bool) -> WasmFunction | None:
    if spec is None:
        return WasmFunction(INIT) if has_init else None
    if not has_init:
        raise EngineValidationError("the manifest describes init, which the module does not "
                                    "export", "manifest/init")
    if not isinstance(spec, Mapping):
        raise EngineValidationError("init must be described by an object", "manifest/init")
    _no_unknown_keys(spec, frozenset({"params", "description"}), "manifest/init")
    return WasmFunction(INIT, _params(spec.get("params", []), "manifest/init/params"))


def _events(specs: object) -> dict[str, tuple[Param, ...]]:
    if not isinstance(specs, Mapping) or len(specs) > MAX_FUNCTIONS:
        raise EngineValidationError(f"events must be an object of at most {MAX_FUNCTIONS} "
                                    "events, each a list of fields", "manifest/events")
    events = {}
    for name, params in specs.items():
        _identifier(name, f"manifest/events/{name}")
        events[name] = _params(params, f"manifest/events/{name}")
    return events


def _params(specs: object, where: str) -> tuple[Param, ...]:
    if not isinstance(specs, list) or len(specs) > MAX_PARAMS:
        raise EngineValidationError(f"params must be a list of at most {MAX_PARAMS} "
                                    "{\"name\", \"type\"} objects", where)
    params: list[Param] = []
    for index, spec in enumerate(specs):
        at = f"{where}/{index}"
        if not isinstance(spec, Mapping) or set(spec) != {"name", "type"}:
            raise EngineValidationError("a parameter is an object with exactly \"name\" and "
                                        "\"type\"", at)
        _identifier(spec["name"], f"{at}/name")
        if not isinstance(spec["type"], str) or spec["type"] not in TYPES:
            raise EngineValidationError(f"unknown type {spec['type']!r} (types: {TYPE_NAMES})",
                                        f"{at}/type")
        if any(p.name == spec["name"] for p in params):
            raise EngineValidationError(f"duplicate parameter {spec['name']!r}", f"{at}/name")
        params.append(Param(spec["name"], spec["type"]))
    return tuple(params)


def _identifier(name: object, where: str) -> None:
    if not isinstance(name, str) or not IDENTIFIER.fullmatch(name):
        raise EngineValidationError(f"{name!r} is not a valid name (letters, digits and _, "
                                    f"not starting with a digit, at most {MAX_NAME_LENGTH})",
                                    where)


def _no_unknown_keys(spec: Mapping[str, Any], allowed: frozenset[str], where: str) -> None:
    unknown = sorted(str(key) for key in set(spec) - allowed)
    if unknown:
        raise EngineValidationError(f"unknown key {unknown[0]!r} (allowed: "
                                    f"{', '.join(sorted(allowed))})", f"{where}/{unknown[0]}")


def manifest_json(manifest: Manifest, raw: bool) -> dict[str, Any]:
    """The ABI as JSON, for clients (``GET`` a contract)."""
    return {
        "abi": "cms-wasm/1",
        "raw": raw,
        "functions": {name: f.to_json() for name, f in manifest.functions.items()},
        "init": manifest.init.to_json() if manifest.init else None,
        "events": {name: [p.to_json() for p in params]
                   for name, params in manifest.events.items()},
    }
