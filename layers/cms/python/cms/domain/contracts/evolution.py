"""Applying recorded events: the contract after each, and the replay of a whole history.

``evolve`` is the only way a snapshot is computed, on the write path and in verification alike,
so a stored snapshot is by construction the fold of its events.
"""

from __future__ import annotations

from dataclasses import replace

from cms.domain.audit import AuditEvent
from cms.domain.contracts.content import Content
from cms.domain.contracts.errors import InvalidHistory
from cms.domain.contracts.model import Contract, Signature, Status
from cms.domain.contracts.rules import (
    CREATED,
    RULES_BY_EVENT,
    authorize,
    checked_signature,
    with_attachment,
)
from cms.domain.errors import DomainError


def evolve(contract: Contract | None, event: AuditEvent) -> Contract:
    """The contract after ``event``. Pure and total over valid histories; a history that
    breaks a rule the write path enforces (who may act, whose signature) is invalid."""
    if event.event_type == CREATED:
        return _created(contract, event)
    if contract is None:
        raise InvalidHistory(f"event {event.seq}: history does not start with {CREATED}")
    rule = RULES_BY_EVENT.get(event.event_type)
    if rule is None:
        raise InvalidHistory(f"event {event.seq}: unknown event type {event.event_type!r}")
    if contract.status not in rule.allowed_from:
        raise InvalidHistory(
            f"event {event.seq}: {event.event_type} is not allowed in status {contract.status}")
    try:
        authorize(contract, rule, event.actor)
        changed = _apply(contract, event)
    except DomainError as error:
        raise InvalidHistory(f"event {event.seq}: {error.detail}") from None
    return replace(changed, updated_at=event.at, version=contract.version + 1,
                   head_hash=event.hash)


def _created(contract: Contract | None, event: AuditEvent) -> Contract:
    if contract is not None:
        raise InvalidHistory(f"event {event.seq}: a contract can only be created once")
    if event.actor != event.data["content"]["provider_did"]:
        raise InvalidHistory(f"event {event.seq}: created by {event.actor}, who is not "
                             "the provider")
    return Contract(
        id=event.stream.removeprefix("contract:"),
        content=Content.from_json(event.data["content"]),
        status=Status.DRAFT, digest=None, signatures=(), created_at=event.at,
        updated_at=event.at, version=1, head_hash=event.hash)


def _apply(contract: Contract, event: AuditEvent) -> Contract:
    data = event.data
    match event.event_type:
        case "contract.updated":
            return replace(contract, content=Content.from_json(data["content"]))
        case "contract.submitted":
            return replace(contract, status=Status.REVIEW, digest=data["digest"],
                           signing_deadline=data.get("signing_deadline"))
        case "contract.changes_requested":
            return replace(contract, status=Status.DRAFT, digest=None, signatures=(),
                           signing_deadline=None)
        case "contract.signed":
            return _signed(contract, event)
        case "contract.activated":
            return replace(contract, status=Status.ACTIVE)
        case "contract.completed":
            return replace(contract, status=Status.COMPLETED)
        case "contract.terminated":
            return replace(contract, status=Status.TERMINATED)
        case "contract.expired":
            return replace(contract, status=Status.EXPIRED)
        case "contract.attachment_added":
            return replace(contract, content=with_attachment(contract, data["attachment"]))
    raise InvalidHistory(f"event {event.seq}: unhandled event type {event.event_type!r}")


def _signed(contract: Contract, event: AuditEvent) -> Contract:
    signature = checked_signature(contract, Signature.from_json(event.data["signature"]),
                                  event.actor)
    signatures = (*contract.signatures, signature)
    signed = {s.signer_did for s in signatures} >= set(contract.parties)
    return replace(contract, signatures=signatures,
                   status=Status.SIGNED if signed else Status.REVIEW)


def replay(events: list[AuditEvent]) -> Contract | None:
    contract: Contract | None = None
    for event in events:
        contract = evolve(contract, event)
    return contract
