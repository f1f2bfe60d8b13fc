"""Domain errors. Each carries a stable machine-readable code and the HTTP status it maps to.

Handlers turn these into RFC 7807 problem documents; the code is part of the public API and
must never change once published (see docs/api.md for the list).
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every expected failure. Anything else reaching a handler is a bug (500)."""

    code = "error"
    status = 400
    title = "Request failed"

    def __init__(self, detail: str, *, status: int | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        if status is not None:
            self.status = status
        self.extra = extra


class ValidationFailed(DomainError):
    code, status, title = "validation_error", 400, "The request is not valid"

    def __init__(self, detail: str, errors: list[dict[str, str]] | None = None) -> None:
        super().__init__(detail, errors=errors or [])


class InvalidDid(DomainError):
    code, status, title = "invalid_did", 400, "Malformed DID"


class UnsupportedDidMethod(DomainError):
    code, status, title = "unsupported_did_method", 400, "Unsupported DID method"


class UnsupportedKeyType(DomainError):
    code, status, title = "unsupported_key_type", 400, "Unsupported key type"


class DidResolutionFailed(DomainError):
    code, status, title = "did_resolution_failed", 422, "The DID could not be resolved"


class DidDocumentTooLarge(DomainError):
    code, status, title = "did_document_too_large", 422, "The DID document is too large"


class KeyMismatch(DomainError):
    code, status, title = "key_mismatch", 400, "The public key does not belong to the DID"


class InvalidSignature(DomainError):
    code, status, title = "invalid_signature", 400, "The signature is not valid"


class MalformedSignature(DomainError):
    code, status, title = "malformed_signature", 400, "The signature cannot be decoded"


class ChallengeNotFound(DomainError):
    code, status, title = "challenge_not_found", 401, "Unknown sign-in challenge"


class ChallengeMismatch(DomainError):
    code, status, title = "challenge_mismatch", 401, "The challenge differs from the one issued"


class ChallengeExpired(DomainError):
    code, status, title = "challenge_expired", 401, "The sign-in challenge has expired"


class ChallengeUsed(DomainError):
    code, status, title = "challenge_used", 401, "The sign-in challenge was already used"


class Unauthorized(DomainError):
    code, status, title = "unauthorized", 401, "Authentication required"


class InvalidToken(DomainError):
    code, status, title = "invalid_token", 401, "The access token is not valid"


class Forbidden(DomainError):
    code, status, title = "forbidden", 403, "Not allowed"


class IdentitySuspended(DomainError):
    code, status, title = "identity_suspended", 403, "The identity is suspended"


class IdentityNotFound(DomainError):
    code, status, title = "identity_not_found", 404, "Unknown identity"


class NotFound(DomainError):
    code, status, title = "not_found", 404, "Not found"


class Conflict(DomainError):
    code, status, title = "conflict", 409, "Conflicting request"


class IllegalTransition(DomainError):
    code, status = "illegal_transition", 409
    title = "The contract is not in a state that allows this"


class IdempotencyKeyReused(DomainError):
    code, status, title = "idempotency_key_reused", 422, "Idempotency key reused"


class IdempotencyInProgress(DomainError):
    code, status, title = "idempotency_in_progress", 409, "Request in progress"


class PayloadTooLarge(DomainError):
    code, status, title = "payload_too_large", 413, "The request body is too large"


class TemplateInvalid(DomainError):
    code, status, title = "template_invalid", 422, "The template version is not valid"

    def __init__(self, detail: str, errors: list[dict[str, str]]) -> None:
        super().__init__(detail, errors=errors)


class RenderLimitExceeded(DomainError):
    """Rendering a template (checking its variables, running its body) went past one of its
    limits; ``limit`` names which: operations, value_size, produced_size, output_size,
    number, nesting or time."""

    code, status, title = ("render_limit_exceeded", 422,
                           "Rendering the template went past its limits")

    def __init__(self, detail: str, limit: str) -> None:
        super().__init__(detail, limit=limit)
        self.limit = limit


class TemplateNotFound(DomainError):
    code, status, title = "template_not_found", 404, "Unknown template or template version"


class TemplateExists(DomainError):
    code, status, title = "template_exists", 409, "A template with this id already exists"


class DocumentNotFound(DomainError):
    code, status, title = "document_not_found", 404, "The contract has no such document"


class StoredObjectCorrupt(DomainError):
    """A stored object no longer matches the hash recorded for it: refused, never served."""

    code, status, title = "stored_object_corrupt", 502, "A stored object failed its hash check"


class ReceiptTooLarge(DomainError):
    code, status, title = "receipt_too_large", 422, "The receipt is too large to return"


class UnsupportedMediaType(DomainError):
    code, status, title = "unsupported_media_type", 415, "The request body must be JSON"


class RateLimited(DomainError):
    code, status, title = "rate_limited", 429, "Too many requests"

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail, retry_after=retry_after)
        self.retry_after = retry_after


class DependencyUnavailable(DomainError):
    code, status, title = "dependency_unavailable", 503, "A dependency is unavailable"


class LedgerUnavailable(DomainError):
    code, status, title = "ledger_unavailable", 503, "The ledger's chain is unreachable"


class LedgerMisconfigured(DomainError):
    code, status, title = "ledger_misconfigured", 503, "The ledger configuration is wrong"


class LedgerRejected(DomainError):
    code, status, title = "ledger_rejected", 409, "The ledger contract refused the write"

    def __init__(self, error: str, arguments: list[Any]) -> None:
        super().__init__(f"ContractLedger refused: {error}{tuple(arguments)}", error=error)
        self.error = error
        self.arguments = arguments


class WebhookUrlInvalid(DomainError):
    code, status, title = "webhook_url_invalid", 400, "The webhook URL is not allowed"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, errors=[{"pointer": "/url", "message": detail}])


class WebhookHostRefused(DomainError):
    code, status = "webhook_host_refused", 422
    title = "The webhook's host is not a public internet address"


class WebhookLimitReached(DomainError):
    code, status, title = "webhook_limit_reached", 409, "Too many webhooks"


class EvaluationLimitReached(DomainError):
    """Too many of the caller's own circuit evaluations are queued or running: one must be
    recorded (or given up) first. A state of the caller's, not a rate: 409, not 429."""

    code, status, title = ("evaluation_limit_reached", 409,
                           "Too many of your evaluations are in progress")


class WebhookNotFound(DomainError):
    code, status, title = "webhook_not_found", 404, "Unknown webhook"


class DeliveryNotFound(DomainError):
    code, status, title = "delivery_not_found", 404, "The webhook has no such delivery"


class AttestationInvalid(DomainError):
    """A Nitro attestation document is malformed, forged or not anchored in a trusted root."""

    code, status, title = "attestation_invalid", 422, "The attestation document is not valid"

    def __init__(self, detail: str, reason: str) -> None:
        super().__init__(detail, reason=reason)
        self.reason = reason  # which check failed; stable, listed in cms.domain.attestation


class AttestationRejected(AttestationInvalid):
    """A genuine attestation document that fails the caller's policy (age, PCRs, nonce...)."""

    code, status = "attestation_rejected", 422
    title = "The attestation document does not meet the required policy"


class AttachmentQuotaExceeded(DomainError):
    """An attachment would take its contract or its uploader past a quota; ``scope``
    (contract, identity), ``unit`` (attachments, bytes, content_bytes), ``limit``, ``used`` and
    ``requested`` say which and by how much."""

    code, status, title = "attachment_quota_exceeded", 409, "The attachment quota is used up"
