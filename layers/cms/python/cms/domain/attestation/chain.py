"""The certificate chain, checked link by link from the trusted root to the leaf.

The AWS leaf has no authority key identifier, so an RFC 5280 path builder refuses it; each link
is therefore checked here: issuer name, signature (ECDSA P-384 / SHA-384), validity at the
verification time, basic constraints, key usage and path length.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from itertools import pairwise
from typing import TypeVar

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtensionOID, SignatureAlgorithmOID

from cms.domain.attestation.failures import invalid
from cms.domain.attestation.roots import TrustedRoot

_ALLOWED_CRITICAL = frozenset({ExtensionOID.BASIC_CONSTRAINTS, ExtensionOID.KEY_USAGE})
_CERTIFICATE_ERRORS = (ValueError, UnsupportedAlgorithm, x509.InvalidVersion,
                       x509.DuplicateExtension, x509.UnsupportedGeneralNameType)
_E = TypeVar("_E", bound=x509.ExtensionType)


def verify_chain(chain: list[x509.Certificate], moment: datetime) -> None:
    """Root first, leaf last: every certificate and every issuer -> child link is checked."""
    for position, cert in enumerate(chain):
        _check_certificate(cert, moment, cas_below=len(chain) - 2 - position)
    for issuer, child in pairwise(chain):
        _check_link(issuer, child)


def trusted_root(der: bytes, roots: tuple[TrustedRoot, ...]) -> TrustedRoot:
    # The bundle must start with the root itself (not merely something it signed).
    for root in roots:
        if root.der == der:
            return root
    digest = hashlib.sha256(der).hexdigest()
    raise invalid("untrusted_root", f"the chain's root (sha256 {digest}) is not trusted")


def load_certificate(der: bytes) -> x509.Certificate:
    # cryptography parses lazily: touch every part used later, so a malformed one fails here.
    try:
        cert = x509.load_der_x509_certificate(der)
        _ = cert.public_key(), cert.subject, cert.issuer, cert.extensions
    except _CERTIFICATE_ERRORS as exc:
        raise invalid("certificate_invalid", "a certificate is not valid") from exc
    return cert


def _check_certificate(cert: x509.Certificate, moment: datetime, *, cas_below: int) -> None:
    """``cas_below``: CA certificates between this one and the leaf; -1 for the leaf itself."""
    if not cert.not_valid_before_utc <= moment <= cert.not_valid_after_utc:
        raise invalid("certificate_not_valid",
                       f"{_subject(cert)} is not valid at {moment.isoformat()}")
    extensions = cert.extensions
    for extension in extensions:
        if extension.critical and extension.oid not in _ALLOWED_CRITICAL:
            raise invalid("critical_extension",
                           f"{_subject(cert)} has an unknown critical extension {extension.oid}")
    _check_constraints(cert, extensions, cas_below)


def _check_constraints(cert: x509.Certificate, extensions: x509.Extensions,
                       cas_below: int) -> None:
    is_ca = cas_below >= 0
    constraints = _extension(extensions, x509.BasicConstraints)
    if is_ca and (constraints is None or not constraints.ca):
        raise invalid("basic_constraints", f"{_subject(cert)} issues certificates, not a CA")
    if not is_ca and constraints is not None and constraints.ca:
        raise invalid("basic_constraints", f"the leaf {_subject(cert)} must not be a CA")
    if is_ca and constraints.path_length is not None and constraints.path_length < cas_below:
        raise invalid("path_length",
                       f"{_subject(cert)} allows {constraints.path_length} CAs below it")
    usage = _extension(extensions, x509.KeyUsage)
    needed = "key_cert_sign" if is_ca else "digital_signature"
    if usage is not None and not getattr(usage, needed):
        raise invalid("key_usage", f"{_subject(cert)}'s key usage lacks {needed}")


def _check_link(issuer: x509.Certificate, child: x509.Certificate) -> None:
    if child.signature_algorithm_oid != SignatureAlgorithmOID.ECDSA_WITH_SHA384:
        raise invalid("certificate_invalid", f"{_subject(child)} is not signed with ES384")
    if child.issuer != issuer.subject or not es384_valid(
            p384_key(issuer), child.signature, child.tbs_certificate_bytes):
        raise invalid("chain_broken", f"{_subject(child)} is not issued by {_subject(issuer)}")


def p384_key(cert: x509.Certificate) -> ec.EllipticCurvePublicKey:
    key = cert.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, ec.SECP384R1):
        raise invalid("certificate_invalid", f"{_subject(cert)} does not have a P-384 key")
    return key


def es384_valid(key: ec.EllipticCurvePublicKey, signature: bytes, data: bytes) -> bool:
    try:
        key.verify(signature, data, ec.ECDSA(hashes.SHA384()))
    except InvalidSignature:
        return False
    return True


def _extension(extensions: x509.Extensions, kind: type[_E]) -> _E | None:
    try:
        return extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None


def _subject(cert: x509.Certificate) -> str:
    return cert.subject.rfc4514_string() or "a certificate with an empty subject"
