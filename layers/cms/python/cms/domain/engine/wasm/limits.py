"""Hard limits of the WebAssembly runtime: what a module may declare and what one call may do.

Gas bounds the work a call does, ``max_execution_time_ms`` its wall-clock time; these bound
the size of everything that crosses the host boundary or is kept in memory, so that no single
contract can exhaust the process that runs it.
"""

from __future__ import annotations

KIB = 1024
WASM_PAGE = 64 * KIB

# Deployment.
MAX_MODULE_BYTES = 512 * KIB  # the binary, after WAT is compiled
MAX_WAT_BYTES = 2 * 1024 * KIB  # WAT source, before parsing
MAX_MEMORY_BYTES = 16 * 1024 * KIB  # linear memory: declared minimum and growth (256 pages)
MAX_TABLE_ELEMENTS = 10_000
MAX_FUNCTIONS = 256  # exported functions, and functions in a manifest
MAX_PARAMS = 16  # parameters of one manifest function or event
MAX_NAME_LENGTH = 64  # function, parameter and event names

# One call.
MAX_INPUT_BYTES = 64 * KIB
MAX_RETURN_BYTES = 64 * KIB
MAX_KEY_BYTES = 64
MAX_VALUE_BYTES = 16 * KIB
MAX_EVENT_NAME_BYTES = 64
MAX_EVENT_DATA_BYTES = 16 * KIB
MAX_ABORT_MESSAGE_BYTES = 1 * KIB
WASM_STACK_BYTES = 512 * KIB  # wasmtime's own stack guard: deep recursion traps

# Wall clock: one epoch tick per millisecond.
DEFAULT_TIMEOUT_MS = 250
MAX_TIMEOUT_MS = 10_000
EPOCH_TICK_SECONDS = 0.001

MAX_BATCH_CALLS = 10_000

# Instances alive at once in the process (the pooling allocator's slots; a slot is free again
# as soon as an execution ends, and a runtime holds one at a time): 16 MiB of address space
# each, reserved at engine creation, not committed.
POOL_SLOTS = 100
