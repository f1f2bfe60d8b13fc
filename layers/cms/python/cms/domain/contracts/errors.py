"""What a contract command can be refused for, beyond the shared domain errors."""

from __future__ import annotations

from cms.domain.errors import DomainError


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


class InvalidHistory(Exception):
    """A stored event cannot follow the state before it (only possible if history was edited)."""


class HistoryLimitReached(DomainError):
    """The contract has no room for another step of negotiation (cms.domain.contracts.history):
    its receipt must stay within one response."""

    code, status, title = "history_limit_reached", 409, "The contract's history is full"
