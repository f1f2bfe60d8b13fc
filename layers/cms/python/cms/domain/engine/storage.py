"""What the engine and its storage exchange (the port is cms.ports.engine.ContractStateStorage;
the backends are cms.adapters.memory.engine and cms.adapters.engine_store).

A ``Snapshot`` is a contract as one execution reads it, at a state version; the storage's
``commit`` applies the execution's ``Writes`` only if that version has not moved, else raises
``StateConflict`` and the engine runs the call again (optimistic concurrency per contract).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cms.domain.engine.errors import EngineValidationError
from cms.domain.engine.quick import quick_init
from cms.domain.engine.records import ContractMetadata, ExecutionRecord, minute_of
from cms.domain.engine.state import ContractState

# Writes one execution may make: DynamoDB's TransactWriteItems takes 100 items, and a commit
# also writes the contract's version and the execution's record.
MAX_WRITES_PER_EXECUTION = 64

Writes = Mapping[str, bytes | None]  # key -> new value, None for a removal


class StateConflict(Exception):
    """The contract's state moved on since the snapshot: the execution must run again."""


@quick_init
@dataclass(frozen=True)
class Snapshot:
    """A contract as one execution sees it: metadata, state version and a state reader."""

    metadata: ContractMetadata
    version: int
    state: ContractState


def by_minute(records: Sequence[ExecutionRecord]) -> dict[str, list[ExecutionRecord]]:
    """Records grouped by the minute they ran in (the recent-figures buckets)."""
    groups: dict[str, list[ExecutionRecord]] = {}
    for record in records:
        groups.setdefault(minute_of(record.timestamp), []).append(record)
    return groups


def history_key(record: ExecutionRecord) -> str:
    """The order of history: time, then id (ids break ties within a microsecond)."""
    return f"{record.timestamp}#{record.execution_id}"


# A page of history continues below a position: the last record's key, with "_" for "#" so
# that it travels in a query string as it is. Any string of this shape is a position (the
# records that sort below it), so a client may also make one from a time.
HISTORY_CURSOR_PATTERN = (r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z"
                          r"_[0-9]{9}-[0-9a-f]{16}$")
_CURSOR = re.compile(HISTORY_CURSOR_PATTERN)


# The caller's own deployments, newest first, continue below a position: the last contract's
# creation time and address (lower-case), "_" between them. Any string of this shape is a
# position (the deployments that sort below it).
OWNED_CURSOR_PATTERN = (r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?Z"
                        r"_0x[0-9a-f]{40}$")


def owned_key(metadata: ContractMetadata) -> str:
    """The order of one owner's deployments: creation time, then address."""
    return f"{metadata.created_at}#{metadata.address.lower()}"


def owned_cursor(metadata: ContractMetadata) -> str:
    return owned_key(metadata).replace("#", "_", 1)


def owned_position(cursor: str) -> str:
    if not re.fullmatch(OWNED_CURSOR_PATTERN, cursor):
        raise EngineValidationError("the cursor is not a position in the list (as next_cursor "
                                    "gives it)", "cursor")
    return cursor.replace("_", "#", 1)


def history_cursor(record: ExecutionRecord) -> str:
    """The position just below ``record``."""
    return history_key(record).replace("#", "_", 1)


def cursor_position(cursor: str) -> str:
    """The history key a cursor stands for (``get_execution_history``'s ``before``)."""
    if not _CURSOR.fullmatch(cursor):
        raise EngineValidationError("the cursor is not a history position (as next_cursor "
                                    "gives it)", "cursor")
    return cursor.replace("_", "#", 1)
