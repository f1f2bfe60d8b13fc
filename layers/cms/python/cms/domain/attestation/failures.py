"""How a check fails: ``AttestationInvalid`` (the document is bad or untrusted) or
``AttestationRejected`` (a genuine document failing freshness or policy), each with the
``reason`` the package's docstring lists."""

from __future__ import annotations

from cms.domain.errors import AttestationInvalid, AttestationRejected


def invalid(reason: str, detail: str) -> AttestationInvalid:
    return AttestationInvalid(detail, reason=reason)


def rejected(reason: str, detail: str) -> AttestationRejected:
    return AttestationRejected(detail, reason=reason)


def field_invalid(name: str, expected: str) -> AttestationInvalid:
    return invalid("field_invalid", f"{name} must be {expected}")
