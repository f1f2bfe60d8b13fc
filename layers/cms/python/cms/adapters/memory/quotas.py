"""Quota states in memory (the port: cms.ports.quotas.QuotaStore)."""

from __future__ import annotations

from collections.abc import Callable

from cms.adapters.memory.database import MemoryDatabase
from cms.domain.engine.quotas import QuotaState


class MemoryQuotaStore:
    def __init__(self, database: MemoryDatabase) -> None:
        self._database = database
        self._states: dict[str, QuotaState] = {}

    def change(self, key: str, change: Callable[[QuotaState | None], QuotaState], *,
               keep_s: int) -> QuotaState:
        with self._database.lock:  # one change at a time, as the conditional write ensures
            changed = change(self._states.get(key))
            self._states[key] = changed
            return changed
