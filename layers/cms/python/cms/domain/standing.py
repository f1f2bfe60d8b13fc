"""Whether a contract still allows the work done under it (training jobs, key releases), and
why work under it stopped.

A contract allows work only while it is ``active``, inside its validity window, and neither
party is suspended. ``valid_until`` counts even before the expiry is recorded: the lifecycle
records it within moments, but nothing may run in between (the contract commands refuse the
same way, ``validity_ended``). Everything that starts or continues work asks this one
question, so admission, the parent's key releases, epoch reports, settlements and the
wind-down after an event cannot disagree about it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from cms.domain.canonical import parse_iso
from cms.domain.contracts import Contract, Status, ValidityEnded
from cms.domain.errors import DomainError, IllegalTransition
from cms.domain.identity import IdentityStatus


class PartySuspended(DomainError):
    code, status = "party_suspended", 409
    title = "A party to the contract is suspended"


class StopCause(StrEnum):
    """Why a job stopped before it finished: asked by a party or an admin, or because the
    contract stopped allowing it. Only a job its own consumer stopped keeps a model (what it
    trained so far); the others produce nothing, as the ai_training template's
    ``trained_models`` term states."""

    CONSUMER = "consumer"
    PROVIDER = "provider"
    ADMIN = "admin"
    CONTRACT_ENDED = "contract_ended"  # terminated, completed, expired, or past valid_until
    PARTY_SUSPENDED = "party_suspended"


# Causes that do not take the model away from the consumer (None: not stopped at all).
MODEL_KEEPING = frozenset({None, StopCause.CONSUMER})


@dataclass(frozen=True)
class Standing:
    """A contract's standing now: ``cause`` is None while it allows work. A contract that
    ended says its status, or its ``valid_until`` if it is past it."""

    cause: StopCause | None
    reason: str = ""
    contract_status: str | None = None
    valid_until: str | None = None

    @property
    def allows_work(self) -> bool:
        return self.cause is None


IN_GOOD_STANDING = Standing(None)


def standing_of(contract: Contract, now: datetime,
                parties: Mapping[str, IdentityStatus | None]) -> Standing:
    """The contract's standing at ``now``; ``parties`` maps each party's DID to its identity's
    status (None: no identity on record, which suspends nothing)."""
    if contract.status != Status.ACTIVE:
        return Standing(StopCause.CONTRACT_ENDED, f"the contract is {contract.status.value}",
                        contract_status=contract.status.value)
    if ended(contract, now):
        return Standing(StopCause.CONTRACT_ENDED,
                        f"the contract's validity ended at {contract.content.valid_until}",
                        contract_status=contract.status.value,
                        valid_until=contract.content.valid_until)
    for did in contract.parties:
        status = parties.get(did)
        if status is not None and status != IdentityStatus.ACTIVE:
            role = contract.role_of(did)
            return Standing(StopCause.PARTY_SUSPENDED, f"the contract's {role} is {status.value}")
    return IN_GOOD_STANDING


def ended(contract: Contract, now: datetime) -> bool:
    """The contract has left ``active`` for good, or its validity is over (the expiry may not
    be recorded yet). Before activation nothing has been allowed, so nothing has ended."""
    return (contract.status in (Status.COMPLETED, Status.TERMINATED, Status.EXPIRED)
            or now >= parse_iso(contract.content.valid_until))


def refusal(standing: Standing) -> DomainError:
    """The problem that answers a request for work the contract no longer allows."""
    if standing.cause == StopCause.PARTY_SUSPENDED:
        return PartySuspended(standing.reason)
    if standing.valid_until is not None:
        return ValidityEnded(standing.reason, valid_until=standing.valid_until)
    return IllegalTransition(standing.reason, current_status=standing.contract_status,
                             allowed_from=[Status.ACTIVE.value])


def stronger(current: StopCause | None, new: StopCause) -> StopCause:
    """The cause a job keeps when another stop arrives: the first cause that takes the model
    stands; a consumer's own stop gives way to one that does (a contract that ends while its
    consumer's job is stopping still ends what it allowed)."""
    if current is None or (current in MODEL_KEEPING and new not in MODEL_KEEPING):
        return new
    return current
