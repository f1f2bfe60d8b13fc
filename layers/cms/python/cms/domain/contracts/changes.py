"""The one way a contract changes: decide the command, seal the event, evolve the snapshot.

Every write (creating a contract or any later command) goes through ``record_change``, so the
event a service stores and the snapshot beside it are always the pair replay would rebuild.
"""

from __future__ import annotations

from datetime import datetime

from cms.domain.audit import GENESIS_HASH, AuditEvent, seal
from cms.domain.canonical import iso_utc
from cms.domain.contracts.commands import Command, Create
from cms.domain.contracts.decisions import decide
from cms.domain.contracts.evolution import evolve
from cms.domain.contracts.model import Contract, stream_of


def record_change(contract: Contract | None, command: Command, *, actor: str, now: datetime,
                  event_id: str) -> tuple[Contract, AuditEvent]:
    """The contract after ``actor``'s ``command`` at ``now``, and the event recording it as the
    next link of the contract's hash chain (the first, for ``Create``).

    Raises whatever ``decide`` refuses with; stores nothing: the caller commits both together,
    conditioned on the version ``contract`` had. ``event_id`` comes from the caller so that
    this stays pure (and tests can name events).
    """
    decision = decide(contract, command, actor, now)
    stream, seq, prev_hash = _next_link(contract, command)
    event = seal(stream=stream, seq=seq, prev_hash=prev_hash, event_id=event_id,
                 event_type=decision.event_type, actor=actor, at=iso_utc(now),
                 data=decision.data)
    return evolve(contract, event), event


def _next_link(contract: Contract | None, command: Command) -> tuple[str, int, str]:
    """(stream, seq, prev_hash) of the event that follows ``contract``'s head."""
    if contract is not None:
        return contract.stream, contract.version, contract.head_hash
    if isinstance(command, Create):
        return stream_of(command.contract_id), 0, GENESIS_HASH
    raise ValueError("only Create applies to a contract that does not exist")
