"""The unified contract engine's pure domain: state, gas, errors, built-in ERC20.

No I/O here: storage backends, WebAssembly execution and the REST handlers build on these.
"""

from cms.domain.engine.erc20 import FUNCTIONS, READ_ONLY_FUNCTIONS, Erc20, Event
from cms.domain.engine.errors import (
    ContractNotFound,
    ContractReverted,
    EngineValidationError,
    ExecutionTimeout,
    GasExhausted,
    StorageError,
)
from cms.domain.engine.gas import DEFAULT_SCHEDULE, MAX_GAS_LIMIT, GasMeter, GasSchedule
from cms.domain.engine.state import ContractState, MemoryState, StagedState

__all__ = [
    "DEFAULT_SCHEDULE", "FUNCTIONS", "MAX_GAS_LIMIT", "READ_ONLY_FUNCTIONS", "ContractNotFound",
    "ContractReverted", "ContractState", "EngineValidationError", "Erc20", "Event",
    "ExecutionTimeout", "GasExhausted", "GasMeter", "GasSchedule", "MemoryState",
    "StagedState", "StorageError",
]
