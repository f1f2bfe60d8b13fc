"""Per-identity quota states (cms.domain.engine.quotas), changed atomically."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from cms.domain.engine.quotas import QuotaState


class QuotaStore(Protocol):
    def change(self, key: str, change: Callable[[QuotaState | None], QuotaState], *,
               keep_s: int) -> QuotaState:
        """Apply ``change`` to the key's state (None: none yet) and store the result, as one
        atomic step: concurrent changes of a key are applied one after the other (the loser
        of a race runs ``change`` again on the winner's state). A ``change`` that raises
        stores nothing. The state is kept at least ``keep_s`` seconds after the change."""
