"""Verifying a document: chain to a trusted root, COSE signature, freshness, then the
caller's policy (PCRs, nonce, user data)."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import cbor2
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from cms.domain.attestation.chain import (
    es384_valid,
    load_certificate,
    p384_key,
    trusted_root,
    verify_chain,
)
from cms.domain.attestation.document import AttestationDocument, parse_document
from cms.domain.attestation.failures import invalid, rejected
from cms.domain.attestation.roots import TrustedRoot, aws_roots

DEFAULT_MAX_AGE = timedelta(minutes=5)
DEFAULT_MAX_SKEW = timedelta(seconds=30)
_P384_COORDINATE = 48


@dataclass(frozen=True)
class VerifiedAttestation:
    document: AttestationDocument
    root: TrustedRoot
    verified_at: datetime

    @property
    def development(self) -> bool:
        """Anchored in a development root: a simulated enclave, never production evidence."""
        return self.root.development

    @property
    def debug_mode(self) -> bool:
        return self.document.debug_mode


def verify_document(
    raw: bytes,
    *,
    at: datetime | None = None,
    max_age: timedelta | None = DEFAULT_MAX_AGE,
    max_skew: timedelta = DEFAULT_MAX_SKEW,
    trusted_roots: Iterable[TrustedRoot] | None = None,
    expected_pcrs: Mapping[int, str | bytes] | None = None,
    expected_nonce: bytes | None = None,
    expected_user_data: bytes | Callable[[bytes | None], bool] | None = None,
) -> VerifiedAttestation:
    """Parse and verify a document as of ``at`` (default now), then apply the caller's policy.

    ``max_age`` bounds how old the document may be at ``at`` (None: archival checks, where the
    certificate windows alone bound it); ``trusted_roots`` defaults to the AWS root only;
    ``expected_pcrs`` maps PCR index to hex or bytes, and pinning any refuses debug mode.
    """
    document = parse_document(raw)
    moment = _moment(at)
    root = trusted_root(document.cabundle[0], aws_roots() if trusted_roots is None
                         else tuple(trusted_roots))
    leaf = load_certificate(document.certificate)
    # The document's signature first: one ECDSA check refuses any tampered payload cheaply.
    _verify_signature(document, p384_key(leaf))
    verify_chain([root.certificate, *map(load_certificate, document.cabundle[1:]), leaf], moment)
    _check_freshness(document, moment, max_age, max_skew)
    _check_policy(document, expected_pcrs, expected_nonce, expected_user_data)
    return VerifiedAttestation(document=document, root=root, verified_at=moment)


def _moment(at: datetime | None) -> datetime:
    if at is None:
        return datetime.now(UTC)
    if at.tzinfo is None:
        raise ValueError("the verification time must be timezone-aware")
    return at.astimezone(UTC)


def _verify_signature(document: AttestationDocument, key: ec.EllipticCurvePublicKey) -> None:
    # COSE Sig_structure for COSE_Sign1, with no external data; COSE's r || s becomes DER.
    to_be_signed = cbor2.dumps(["Signature1", document.protected, b"", document.payload])
    r = int.from_bytes(document.signature[:_P384_COORDINATE], "big")
    s = int.from_bytes(document.signature[_P384_COORDINATE:], "big")
    if not es384_valid(key, encode_dss_signature(r, s), to_be_signed):
        raise invalid("signature_invalid", "the COSE signature does not verify")


def _check_freshness(document: AttestationDocument, moment: datetime,
                     max_age: timedelta | None, max_skew: timedelta) -> None:
    issued = document.timestamp
    if issued > moment + max_skew:
        raise rejected("timestamp_in_future", f"the document is dated {issued.isoformat()}, "
                                               f"after {moment.isoformat()}")
    if max_age is not None and moment - issued > max_age:
        raise rejected("stale", f"the document is older than {max_age} "
                                 f"(dated {issued.isoformat()})")


def _check_policy(document: AttestationDocument,
                  expected_pcrs: Mapping[int, str | bytes] | None,
                  expected_nonce: bytes | None,
                  expected_user_data: bytes | Callable[[bytes | None], bool] | None) -> None:
    if expected_pcrs is not None:
        _check_pcrs(document, _normalise_pcrs(expected_pcrs))
    if expected_nonce is not None and not _same(document.nonce, expected_nonce):
        raise rejected("nonce_mismatch", "the document's nonce is not the expected one")
    if expected_user_data is None:
        return
    accepted = (expected_user_data(document.user_data) if callable(expected_user_data)
                else _same(document.user_data, expected_user_data))
    if not accepted:
        raise rejected("user_data_mismatch", "the document's user data is not the expected one")


def _check_pcrs(document: AttestationDocument, expected: dict[int, bytes]) -> None:
    # Debug mode is refused first and by name: its zero PCRs could never match a real image,
    # and an enclave whose memory the parent can read proves nothing.
    if document.debug_mode:
        raise rejected("debug_mode", "the enclave runs in debug mode (PCR0/1/2 are zero)")
    mismatched = sorted(i for i, pcr in expected.items() if not _same(document.pcrs.get(i), pcr))
    if mismatched:
        raise rejected("pcr_mismatch", f"PCRs {mismatched} differ from the expected values")


def _normalise_pcrs(expected: Mapping[int, str | bytes]) -> dict[int, bytes]:
    if not expected:
        raise ValueError("expected_pcrs pins nothing: pass None to skip PCR checks")
    return {int(index): bytes.fromhex(value) if isinstance(value, str) else bytes(value)
            for index, value in expected.items()}


def _same(actual: bytes | None, expected: bytes) -> bool:
    return actual is not None and hmac.compare_digest(actual, expected)
