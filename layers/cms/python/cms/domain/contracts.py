"""Contracts and their lifecycle, event-sourced.

``decide`` checks a command against the rules and returns the event to record; ``evolve``
applies a recorded event to the contract. The write path stores ``evolve``'s result beside the
event in one transaction, and the verifier replays ``evolve`` over the stored events, so the
snapshot can never legitimately differ from its history.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from cms.domain.audit import AuditEvent
from cms.domain.canonical import canonical_json, digest_of, iso_utc, parse_iso
from cms.domain.errors import DomainError, Forbidden, IllegalTransition, ValidationFailed

CONTENT_SCHEMA = "cms.contract/v1"
SYSTEM_ACTOR = "system:lifecycle"
# Terms stay small enough that a snapshot and its event fit DynamoDB's 400 KB items and a
# page of 100 contracts fits a Lambda response; documents belong in S3 (issue 4).
MAX_CONTENT_BYTES = 32 * 1024
IJSON = "numbers must be finite, and integers within ±(2^53-1) (I-JSON, RFC 7493)"


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


class NotYetValid(DomainError):
    code, status, title = "not_yet_valid", 409, "The contract's validity has not started"


class ValidityEnded(DomainError):
    code, status, title = "validity_ended", 409, "The contract's validity has ended"


class NothingToChange(Exception):
    """An update equal to the current content: nothing is recorded (not an error for clients:
    the service answers with the unchanged contract)."""


class SigningDeadlinePassed(DomainError):
    code, status, title = "signing_deadline_passed", 409, "The signing deadline has passed"


class AlreadySigned(DomainError):
    code, status, title = "already_signed", 409, "This party has already signed"


@dataclass(frozen=True)
class Content:
    """What the parties agree on. Its canonical hash is the contract digest."""

    title: str
    description: str
    provider_did: str
    consumer_did: str
    terms: dict[str, Any] | str
    metadata: dict[str, Any]
    valid_from: str
    valid_until: str

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "description": self.description,
            "provider_did": self.provider_did,
            "consumer_did": self.consumer_did,
            "terms": self.terms,
            "metadata": self.metadata,
            "valid_from": self.valid_from,
            "valid_until": self.valid_until,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Content:
        return cls(**{name: data[name] for name in cls.__dataclass_fields__})

    def validated(self) -> Content:
        """Semantic checks beyond types; returns the content with normalised timestamps."""
        errors: list[dict[str, str]] = []
        if not self.title.strip():
            errors.append({"pointer": "/title", "message": "must not be blank"})
        if isinstance(self.terms, str) and not self.terms.strip():
            errors.append({"pointer": "/terms", "message": "must not be blank"})
        errors.extend(_party_errors(self.provider_did, self.consumer_did))
        errors.extend(_json_errors({"terms": self.terms, "metadata": self.metadata}))
        window = _window(self.valid_from, self.valid_until, errors)
        if not errors and len(canonical_json(self.to_json())) > MAX_CONTENT_BYTES:
            errors.append({"pointer": "", "message": f"the contract content exceeds "
                                                     f"{MAX_CONTENT_BYTES} bytes"})
        if errors or window is None:
            raise ValidationFailed("The contract is not valid", errors)
        start, end = window
        return replace(self, valid_from=iso_utc(start), valid_until=iso_utc(end))


def _party_errors(provider: str, consumer: str) -> list[dict[str, str]]:
    from cms.domain.did import controller_of  # DID checks load key libraries: only when used

    try:
        consumer_key = controller_of(consumer)
    except DomainError as error:
        return [{"pointer": "/consumer_did", "message": error.detail}]
    if consumer_key == controller_of(provider):
        return [{"pointer": "/consumer_did",
                 "message": "the consumer must be another party than the provider"}]
    return []


def _json_errors(values: dict[str, Any]) -> list[dict[str, str]]:
    errors = []
    for name, value in values.items():
        try:
            canonical_json(value)
        except ValueError:  # rfc8785's domain errors: NaN, infinities, unsafe integers
            errors.append({"pointer": f"/{name}", "message": IJSON})
    return errors


def _window(valid_from: str, valid_until: str,
            errors: list[dict[str, str]]) -> tuple[datetime, datetime] | None:
    moments = []
    for name, value in (("valid_from", valid_from), ("valid_until", valid_until)):
        try:
            moments.append(parse_iso(value))
        except (ValueError, OverflowError):
            errors.append({"pointer": f"/{name}",
                           "message": "must be an ISO 8601 timestamp with a timezone"})
    if len(moments) < 2:
        return None
    if moments[1] <= moments[0]:
        errors.append({"pointer": "/valid_until", "message": "must be after valid_from"})
    return moments[0], moments[1]


def content_digest(contract_id: str, content: Content) -> str:
    """SHA-256 over RFC 8785 JSON of the content, bound to the contract id."""
    return digest_of({"schema": CONTENT_SCHEMA, "id": contract_id, **content.to_json()})


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


# ---------------------------------------------------------------- commands


@dataclass(frozen=True)
class Create:
    contract_id: str
    content: Content


@dataclass(frozen=True)
class Update:
    changes: dict[str, Any]


@dataclass(frozen=True)
class Submit:
    signing_deadline: datetime | None = None  # default: DEFAULT_SIGNING_WINDOW from now


@dataclass(frozen=True)
class RequestChanges:
    reason: str | None = None


@dataclass(frozen=True)
class Sign:
    signature: Signature
    # The signer's DID document the signature was checked against, recorded with it so that
    # verification later (and offline, from a receipt) uses exactly that document.
    did_document: dict[str, Any]


@dataclass(frozen=True)
class Activate:
    pass


@dataclass(frozen=True)
class Complete:
    pass


@dataclass(frozen=True)
class Terminate:
    reason: str


@dataclass(frozen=True)
class Expire:
    pass


@dataclass(frozen=True)
class AddAttachment:
    """An uploaded file, hashed by the platform, becomes part of the draft's content (and so
    of the digest the parties sign)."""

    attachment: dict[str, Any]


Command = (Create | Update | Submit | RequestChanges | Sign | Activate | Complete | Terminate
           | Expire | AddAttachment)


@dataclass(frozen=True)
class Rule:
    event_type: str
    action: str
    allowed_from: frozenset[Status]
    who: str  # "provider", "party" or "system"


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
CREATED = "contract.created"


@dataclass(frozen=True)
class Decision:
    event_type: str
    data: dict[str, Any] = field(default_factory=dict)


def decide(contract: Contract | None, command: Command, actor: str, now: datetime) -> Decision:
    """Check ``command`` by ``actor`` against the rules; return the event to record."""
    if isinstance(command, Create):
        content = _still_valid(command.content.validated(), now)
        if content.provider_did != actor:
            raise Forbidden("the caller must be the contract's provider")
        return Decision(CREATED, {"content": content.to_json()})
    if contract is None:
        raise ValueError("only Create applies to a contract that does not exist")
    rule = RULES[type(command)]
    _authorize(contract, rule, actor)
    if contract.status not in rule.allowed_from:
        allowed = sorted(status.value for status in rule.allowed_from)
        raise IllegalTransition(
            f"cannot {rule.action} a contract in status '{contract.status}'",
            current_status=contract.status.value, allowed_from=allowed)
    if rule.who != "system" and now >= parse_iso(contract.content.valid_until):
        # Past its end the contract only awaits expiry, even before the sweep records it.
        raise ValidityEnded(f"the contract's validity ended at {contract.content.valid_until}",
                            valid_until=contract.content.valid_until)
    return Decision(rule.event_type, _event_data(contract, command, actor, now))


def _still_valid(content: Content, now: datetime) -> Content:
    if parse_iso(content.valid_until) <= now:
        raise ValidationFailed("The contract is not valid", [
            {"pointer": "/valid_until", "message": "must be in the future"}])
    return content


def _authorize(contract: Contract, rule: Rule, actor: str) -> None:
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


def _event_data(contract: Contract, command: Command, actor: str, now: datetime) -> dict:
    match command:
        case Update(changes):
            current = contract.content.to_json()
            merged = _still_valid(Content.from_json({**current, **changes}).validated(),
                                  now).to_json()
            # Canonical comparison: in Python True == 1, but they hash differently.
            changed = sorted(name for name in merged
                             if canonical_json(merged[name]) != canonical_json(current[name]))
            if not changed:
                raise NothingToChange("the update changes nothing")
            return {"content": merged, "changed": changed}
        case Submit(deadline):
            return {"digest": content_digest(contract.id, contract.content),
                    "signing_deadline": iso_utc(_signing_deadline(contract, deadline, now))}
        case RequestChanges(reason):
            return {"reason": reason}
        case Sign(signature, did_document):
            if contract.signing_deadline and now >= parse_iso(contract.signing_deadline):
                raise SigningDeadlinePassed(
                    f"signatures were due by {contract.signing_deadline}",
                    signing_deadline=contract.signing_deadline)
            return {"signature": _checked_signature(contract, signature, actor).to_json(),
                    "did_document": did_document}
        case Activate():
            _check_validity_window(contract, now)
            return {}
        case Terminate(reason):
            return {"reason": reason}
        case Expire():
            return {"reason": _expiry_reason(contract, now)}
        case AddAttachment(attachment):
            _with_attachment(contract, attachment)  # checks it is well-formed and fits
            return {"attachment": attachment}
    return {}


DEFAULT_SIGNING_WINDOW = timedelta(days=30)
# The workflow waits for the signatures in one execution, which lives at most a year.
MAX_SIGNING_WINDOW = timedelta(days=360)


def _signing_deadline(contract: Contract, requested: datetime | None, now: datetime) -> datetime:
    """When the signatures are due: as requested, else 30 days, never after valid_until."""
    valid_until = parse_iso(contract.content.valid_until)
    if requested is None:
        return min(now + DEFAULT_SIGNING_WINDOW, valid_until)
    if not now < requested <= min(valid_until, now + MAX_SIGNING_WINDOW):
        raise ValidationFailed("The signing deadline is not valid", [
            {"pointer": "/signing_deadline",
             "message": "must be in the future, within 360 days and no later than "
                        "valid_until"}])
    return requested


def _expiry_reason(contract: Contract, now: datetime) -> str:
    if now >= parse_iso(contract.content.valid_until):
        return "validity_ended"
    if (contract.status == Status.REVIEW and contract.signing_deadline
            and now >= parse_iso(contract.signing_deadline)):
        return "signing_deadline_passed"
    raise IllegalTransition("neither the validity nor the signing deadline has ended",
                            current_status=contract.status.value)


def _with_attachment(contract: Contract, attachment: dict[str, Any]) -> Content:
    from cms.domain.drafting import ATTACHMENTS_KEY, attachments_of, check_attachment

    current = attachments_of(contract.content.metadata)
    check_attachment(attachment, current)
    if attachment["uploaded_by"] not in contract.parties:
        raise Forbidden("only a party's upload can become an attachment")
    metadata = {**contract.content.metadata, ATTACHMENTS_KEY: [*current, attachment]}
    return replace(contract.content, metadata=metadata).validated()


def _checked_signature(contract: Contract, signature: Signature, actor: str) -> Signature:
    if signature.signer_did != actor or signature.role != contract.role_of(actor):
        raise Forbidden("a party can only add its own signature")
    if signature.digest != contract.digest:
        raise IllegalTransition("the signature is over another version of the contract",
                                current_status=contract.status.value)
    if contract.signed_by(actor) is not None:
        raise AlreadySigned(f"{actor} has already signed this contract")
    return signature


def _check_validity_window(contract: Contract, now: datetime) -> None:
    if now < parse_iso(contract.content.valid_from):
        raise NotYetValid(f"the contract can be activated from {contract.content.valid_from}",
                          valid_from=contract.content.valid_from)
    if now >= parse_iso(contract.content.valid_until):
        raise ValidityEnded(f"the contract's validity ended at {contract.content.valid_until}",
                            valid_until=contract.content.valid_until)


# ---------------------------------------------------------------- evolution


class InvalidHistory(Exception):
    """A stored event cannot follow the state before it (only possible if history was edited)."""


def evolve(contract: Contract | None, event: AuditEvent) -> Contract:
    """The contract after ``event``. Pure and total over valid histories; a history that
    breaks a rule the write path enforces (who may act, whose signature) is invalid."""
    if event.event_type == CREATED:
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
    if contract is None:
        raise InvalidHistory(f"event {event.seq}: history does not start with {CREATED}")
    rule = RULES_BY_EVENT.get(event.event_type)
    if rule is None:
        raise InvalidHistory(f"event {event.seq}: unknown event type {event.event_type!r}")
    if contract.status not in rule.allowed_from:
        raise InvalidHistory(
            f"event {event.seq}: {event.event_type} is not allowed in status {contract.status}")
    try:
        _authorize(contract, rule, event.actor)
        changed = _apply(contract, event)
    except DomainError as error:
        raise InvalidHistory(f"event {event.seq}: {error.detail}") from None
    return replace(changed, updated_at=event.at, version=contract.version + 1,
                   head_hash=event.hash)


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
            signature = _checked_signature(contract, Signature.from_json(data["signature"]),
                                           event.actor)
            signatures = (*contract.signatures, signature)
            signed = {s.signer_did for s in signatures} >= set(contract.parties)
            return replace(contract, signatures=signatures,
                           status=Status.SIGNED if signed else Status.REVIEW)
        case "contract.activated":
            return replace(contract, status=Status.ACTIVE)
        case "contract.completed":
            return replace(contract, status=Status.COMPLETED)
        case "contract.terminated":
            return replace(contract, status=Status.TERMINATED)
        case "contract.expired":
            return replace(contract, status=Status.EXPIRED)
        case "contract.attachment_added":
            return replace(contract, content=_with_attachment(contract, data["attachment"]))
    raise InvalidHistory(f"event {event.seq}: unhandled event type {event.event_type!r}")


def replay(events: list[AuditEvent]) -> Contract | None:
    contract: Contract | None = None
    for event in events:
        contract = evolve(contract, event)
    return contract


