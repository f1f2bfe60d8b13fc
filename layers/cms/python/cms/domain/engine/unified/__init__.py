"""The unified contract engine: one interface over every kind of contract.

``UnifiedContractEngine`` is the engine design's UnifiedContractEngine and
EnhancedUnifiedContractEngine in one: deploy, execute (one call or a batch), get, estimate gas,
engine info, with result caching, analytics and health reports (cms.domain.engine.analytics).
It is pure: storage is a ``ContractStateStorage`` handed in (the port, cms.ports.engine: in
memory or on DynamoDB) and WebAssembly runs in a ``WasmRuntime``.

How one execution runs:
1. validate the request (unknown contract, function, arguments, gas limit: nothing runs);
2. a read-only call whose result is cached at the contract's current state version returns
   it (the version is in the key, so a hit is never stale);
3. the kind's adapter runs the call on a ``StagedState`` over a snapshot, metered by a
   ``GasMeter``;
4. success commits the staged writes with the execution record at the snapshot's version; a
   revert, ``GasExhausted`` or a timeout commits the record alone. If another execution
   committed first, the call runs again on the new state (optimistic concurrency).

Gas billed on failure follows the EVM: out of gas or out of time spends the whole limit; a
revert spends what was used up to it.

Modules: ``engine`` (``UnifiedContractEngine``, ``builtin_kinds``), ``requests`` (what it is
asked and answers), ``calls`` (one call's run and record) and ``inputs`` (addresses, names,
salts, canonical arguments). Importers outside the package use the names below.
"""

from cms.domain.engine.records import CONTRACT_KINDS
from cms.domain.engine.unified.engine import UnifiedContractEngine, builtin_kinds
from cms.domain.engine.unified.inputs import MAX_NAME_LENGTH, create2_address
from cms.domain.engine.unified.requests import (
    ENGINE_NAME,
    ENGINE_VERSION,
    MAX_BATCH,
    ContractBusy,
    Deployment,
    EngineConfig,
    EngineInfo,
    Execution,
    ExecutionResult,
    problem_of,
)

__all__ = ["CONTRACT_KINDS", "ENGINE_NAME", "ENGINE_VERSION", "MAX_BATCH", "MAX_NAME_LENGTH",
           "ContractBusy", "Deployment", "EngineConfig", "EngineInfo", "Execution",
           "ExecutionResult", "UnifiedContractEngine", "builtin_kinds", "create2_address",
           "problem_of"]
