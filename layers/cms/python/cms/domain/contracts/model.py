"""The contract snapshot: its status, its signatures, and the parties' roles."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from cms.domain.contracts.content import Content, content_digest


class Status(StrEnum):
    DRAFT = "draft"
    REVIEW = "review"
    SIGNED = "signed"
    ACTIVE = "active"
    COMPLETED = "completed"
    TERMINATED = "terminated"
    EXPIRED = "expired"


LIVE = frozenset({Status.DRAFT, Status.REVIEW, Status.SIGNED, Status.ACTIVE})
EXPIRABLE = LIVE


@dataclass(frozen=True)
class Signature:
    signer_did: str
    role: str
    verification_method: str
    scheme: str
    signature: str
    digest: str
    signed_at: str
    chain_id: int  # the EIP-712 domain's chain id the signature was checked under

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Signature:
        """Strict: histories are verified from untrusted copies (receipts)."""
        if not isinstance(data, dict):
            raise TypeError("a signature must be a JSON object")
        values = {name: data[name] for name in cls.__dataclass_fields__}
        for name, value in values.items():
            kind = int if name == "chain_id" else str
            if isinstance(value, bool) or not isinstance(value, kind):
                raise TypeError(f"signature field '{name}' must be a {kind.__name__}")
        return cls(**values)


@dataclass(frozen=True)
class Contract:
    id: str
    content: Content
    status: Status
    digest: str | None
    signatures: tuple[Signature, ...]
    created_at: str
    updated_at: str
    version: int
    head_hash: str
    # Set at submit: unsigned by then, the contract expires (the lifecycle workflow).
    signing_deadline: str | None = None

    @property
    def stream(self) -> str:
        return stream_of(self.id)

    @property
    def parties(self) -> tuple[str, str]:
        return (self.content.provider_did, self.content.consumer_did)

    def role_of(self, did: str) -> str | None:
        if did == self.content.provider_did:
            return "provider"
        if did == self.content.consumer_did:
            return "consumer"
        return None

    def signed_by(self, did: str) -> Signature | None:
        return next((s for s in self.signatures if s.signer_did == did), None)

    @property
    def pending_signers(self) -> list[str]:
        return [did for did in self.parties if self.signed_by(did) is None]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            **self.content.to_json(),
            "status": self.status.value,
            "digest": self.digest,
            "content_digest": content_digest(self.id, self.content),
            "signatures": [s.to_json() for s in self.signatures],
            "required_signers": list(self.parties),
            "pending_signers": self.pending_signers if self.status == Status.REVIEW else [],
            "signing_deadline": self.signing_deadline,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "version": self.version,
            "head_hash": self.head_hash,
        }


def stream_of(contract_id: str) -> str:
    return f"contract:{contract_id}"
