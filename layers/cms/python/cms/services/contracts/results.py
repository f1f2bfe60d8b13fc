"""What the contract use cases answer besides contracts: typed, for the handlers to map."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cms.domain.audit import AuditEvent
from cms.domain.verification import Check
from cms.services.anchor_reader import AnchorState


@dataclass(frozen=True)
class SigningPayload:
    """What one party signs for a contract in review. ``scheme`` follows the signer's DID:
    ``eip712`` (Ethereum DIDs) signs ``typed_data``, ``ed25519-prefixed-digest`` (did:key)
    signs ``message``, and ``any`` (did:web, whose document may hold either key) has both."""

    contract_id: str
    digest: str
    signer_did: str
    scheme: str
    typed_data: dict[str, Any] | None = None
    message: str | None = None

    @classmethod
    def of(cls, contract_id: str, digest: str, signer_did: str,
           payload: dict[str, Any]) -> SigningPayload:
        """From cms.domain.signatures.contract_signing_payload's answer."""
        return cls(contract_id, digest, signer_did, payload["scheme"],
                   payload.get("typed_data"), payload.get("message"))


@dataclass(frozen=True)
class PlacedEvent:
    event: AuditEvent
    anchor: AnchorState


@dataclass(frozen=True)
class VerificationReport:
    """Every check run on a contract's stored state against its history and the chain."""

    contract_id: str
    status: str | None  # None: the snapshot could not be read
    digest: str | None
    checked_at: str
    checks: list[Check]

    @property
    def valid(self) -> bool:
        return all(check.ok for check in self.checks)
