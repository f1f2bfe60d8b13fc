"""Who may do what to a contract, from which status: the rules both deciding a command and
replaying a recorded event enforce, so a history the write path would refuse never replays."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from cms.domain.contracts.commands import (
    Activate,
    AddAttachment,
    Complete,
    Expire,
    RequestChanges,
    Sign,
    Submit,
    Terminate,
    Update,
)
from cms.domain.contracts.content import Content
from cms.domain.contracts.errors import AlreadySigned
from cms.domain.contracts.model import EXPIRABLE, LIVE, Contract, Signature, Status
from cms.domain.drafting import ATTACHMENTS_KEY, attachments_of, check_attachment
from cms.domain.errors import Forbidden, IllegalTransition

SYSTEM_ACTOR = "system:lifecycle"
CREATED = "contract.created"


@dataclass(frozen=True)
class Rule:
    event_type: str
    action: str
    allowed_from: frozenset[Status]
    who: str  # "provider", "party", "party_or_system" or "system"


RULES: dict[type, Rule] = {
    Update: Rule("contract.updated", "update", frozenset({Status.DRAFT}), "provider"),
    Submit: Rule("contract.submitted", "submit", frozenset({Status.DRAFT}), "provider"),
    RequestChanges: Rule("contract.changes_requested", "request changes to",
                         frozenset({Status.REVIEW}), "party"),
    Sign: Rule("contract.signed", "sign", frozenset({Status.REVIEW}), "party"),
    # The lifecycle workflow activates at valid_from; a party may do it sooner in the window.
    Activate: Rule("contract.activated", "activate", frozenset({Status.SIGNED}),
                   "party_or_system"),
    Complete: Rule("contract.completed", "complete", frozenset({Status.ACTIVE}), "party"),
    Terminate: Rule("contract.terminated", "terminate", LIVE, "party"),
    Expire: Rule("contract.expired", "expire", EXPIRABLE, "system"),
    AddAttachment: Rule("contract.attachment_added", "add an attachment to",
                        frozenset({Status.DRAFT}), "system"),
}
RULES_BY_EVENT = {rule.event_type: rule for rule in RULES.values()}


def authorize(contract: Contract, rule: Rule, actor: str) -> None:
    if rule.who == "system":
        if actor != SYSTEM_ACTOR:
            raise Forbidden(f"only the platform may {rule.action} a contract")
    elif rule.who == "provider" and actor != contract.content.provider_did:
        raise Forbidden(f"only the provider may {rule.action} the contract")
    elif rule.who == "party" and contract.role_of(actor) is None:
        raise Forbidden(f"only a party may {rule.action} the contract")
    elif (rule.who == "party_or_system" and actor != SYSTEM_ACTOR
          and contract.role_of(actor) is None):
        raise Forbidden(f"only a party or the platform may {rule.action} the contract")


def checked_signature(contract: Contract, signature: Signature, actor: str) -> Signature:
    """The actor's own signature, with its role, once, over the frozen digest."""
    if signature.signer_did != actor or signature.role != contract.role_of(actor):
        raise Forbidden("a party can only add its own signature")
    if signature.digest != contract.digest:
        raise IllegalTransition("the signature is over another version of the contract",
                                current_status=contract.status.value)
    if contract.signed_by(actor) is not None:
        raise AlreadySigned(f"{actor} has already signed this contract")
    return signature


def with_attachment(contract: Contract, attachment: dict[str, Any]) -> Content:
    """The content with one more attachment, checked well-formed, a party's, and fitting."""
    current = attachments_of(contract.content.metadata)
    check_attachment(attachment, current)
    if attachment["uploaded_by"] not in contract.parties:
        raise Forbidden("only a party's upload can become an attachment")
    metadata = {**contract.content.metadata, ATTACHMENTS_KEY: [*current, attachment]}
    return replace(contract.content, metadata=metadata).validated()
