"""AWS Nitro Enclaves attestation documents: strict parsing and verification (pure, offline).

A document is a COSE_Sign1 (RFC 9052) whose payload is the Nitro Secure Module's CBOR map.
``verify_document`` checks, in order: the strict structure, the certificate chain (leaf, then the
CA bundle in reverse, ending in a pinned trusted root), the ES384 signature, freshness, and the
caller's policy (PCRs, nonce, user data). The AWS leaf has no authority key identifier, so an
RFC 5280 path builder refuses it; each link is therefore checked here: issuer name, signature
(ECDSA P-384 / SHA-384), validity at the verification time, basic constraints, key usage and path
length.

Failures raise ``AttestationInvalid`` (the document itself is bad or untrusted) or its subclass
``AttestationRejected`` (a genuine document that fails freshness or policy), whose ``reason``
names the check:

* invalid: ``encoding``, ``too_large``, ``malformed_cbor``, ``trailing_bytes``,
  ``noncanonical_cbor`` (duplicate keys, tags, non-shortest or chunked encodings),
  ``cose_structure``, ``protected_header``, ``payload_fields``, ``field_invalid``,
  ``certificate_invalid``, ``untrusted_root``, ``chain_broken``, ``certificate_not_valid``
  (outside its validity window), ``basic_constraints``, ``key_usage``, ``path_length``,
  ``critical_extension``, ``signature_invalid``;
* rejected: ``timestamp_in_future``, ``stale``, ``debug_mode``, ``pcr_mismatch``,
  ``nonce_mismatch``, ``user_data_mismatch``.

Trust is explicit: by default only the AWS Nitro Enclaves Root G1 (pinned by the SHA-256 of its
DER) is trusted. A development root (the local stack's simulated attestation) is accepted only
when the caller passes it, and every result anchored in it says so (``development``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import io
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib import resources
from itertools import pairwise
from typing import Any, TypeVar

import cbor2
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtensionOID, SignatureAlgorithmOID

from cms.domain.errors import AttestationInvalid, AttestationRejected

AWS_NITRO_ROOT_G1_SHA256 = "641a0321a3e244efe456463195d606317ed7cdcc3c1756e09893f3c68f79bb5b"
_AWS_ROOT_PEM = "nitro_root_g1.pem"

# Limits from the Nitro Secure Module's CDDL, plus caps so hostile input stays small.
MAX_DOCUMENT_BYTES = 16 * 1024
MAX_CABUNDLE = 8
MAX_MODULE_ID = 256
CERT_SIZE = (1, 1024)
OPTIONAL_SIZES = {"public_key": (1, 1024), "user_data": (0, 512), "nonce": (0, 512)}
PCR_INDEXES = range(32)
PCR_SIZES = frozenset({32, 48, 64})
DEBUG_PCRS = (0, 1, 2)  # all zero when the enclave runs in debug mode
_MAX_DEPTH = 4  # tag > array > map > map/array is the deepest a valid document goes
_MAX_TIMESTAMP_MS = 253_402_300_799_999  # 9999-12-31, the end of datetime's range

REQUIRED_FIELDS = frozenset({"module_id", "digest", "timestamp", "pcrs", "certificate", "cabundle"})
OPTIONAL_FIELDS = frozenset(OPTIONAL_SIZES)

COSE_SIGN1_TAG = 18
# The only protected header Nitro emits: {1 (alg): -35 (ES384)}. Compared as bytes, so that a
# float, a boolean key or extra parameters cannot pass for it.
ES384_PROTECTED_HEADER = bytes.fromhex("a1013822")
ES384_SIGNATURE_BYTES = 96
_P384_COORDINATE = 48

DEFAULT_MAX_AGE = timedelta(minutes=5)
DEFAULT_MAX_SKEW = timedelta(seconds=30)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_ALLOWED_CRITICAL = frozenset({ExtensionOID.BASIC_CONSTRAINTS, ExtensionOID.KEY_USAGE})
_PEM_BLOCK = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \1-----", re.DOTALL)
_HEX = re.compile(r"[0-9a-fA-F]+")
_CERTIFICATE_ERRORS = (ValueError, UnsupportedAlgorithm, x509.InvalidVersion,
                       x509.DuplicateExtension, x509.UnsupportedGeneralNameType)
_E = TypeVar("_E", bound=x509.ExtensionType)
# cbor2's own errors, plus what its semantic tag decoders may raise on hostile input
# (decimal.Overflow for bigfloats, ZeroDivisionError for rationals, ...).
_CBOR_ERRORS = (cbor2.CBORError, ValueError, TypeError, LookupError, ArithmeticError,
                RecursionError)


# --- Data -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttestationDocument:
    """The payload of a structurally valid (not yet verified) attestation document."""

    module_id: str
    digest: str
    timestamp_ms: int
    pcrs: Mapping[int, bytes]
    certificate: bytes
    cabundle: tuple[bytes, ...]
    public_key: bytes | None
    user_data: bytes | None
    nonce: bytes | None
    protected: bytes = field(repr=False)
    payload: bytes = field(repr=False)
    signature: bytes = field(repr=False)

    @property
    def timestamp(self) -> datetime:
        return _EPOCH + timedelta(milliseconds=self.timestamp_ms)  # exact, unlike a float

    @property
    def debug_mode(self) -> bool:
        """PCR0/1/2 all zero: the enclave was started in debug mode (its memory is readable)."""
        return all(_is_zero(self.pcrs.get(index)) for index in DEBUG_PCRS)


@dataclass(frozen=True)
class TrustedRoot:
    """A root certificate the chain may end in. Only the pinned AWS root may be non-development."""

    certificate: x509.Certificate = field(repr=False, compare=False)
    label: str
    development: bool = False
    der: bytes = field(init=False, repr=False)
    sha256: str = field(init=False)

    def __post_init__(self) -> None:
        der = self.certificate.public_bytes(Encoding.DER)
        object.__setattr__(self, "der", der)
        object.__setattr__(self, "sha256", hashlib.sha256(der).hexdigest())
        if not self.development and self.sha256 != AWS_NITRO_ROOT_G1_SHA256:
            raise ValueError("only the pinned AWS Nitro root can be a production root")

    @classmethod
    def from_pem(cls, pem: bytes | str, *, label: str, development: bool = False) -> TrustedRoot:
        data = pem.encode() if isinstance(pem, str) else pem
        return cls(x509.load_pem_x509_certificate(data), label=label, development=development)


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


@cache
def aws_nitro_root() -> TrustedRoot:
    """The AWS Nitro Enclaves Root G1 shipped with the layer, checked against its pinned hash."""
    pem = resources.files("cms.domain").joinpath(_AWS_ROOT_PEM).read_bytes()
    # A production TrustedRoot must hash to the pinned value, so a swapped or corrupted PEM
    # fails here (ValueError), at first use.
    return TrustedRoot.from_pem(pem, label="aws-nitro-enclaves-root-g1")


def aws_roots() -> tuple[TrustedRoot, ...]:
    return (aws_nitro_root(),)


def development_root(certificate: x509.Certificate | bytes | str, *, label: str = "development",
                     ) -> TrustedRoot:
    """A clearly marked non-AWS root (PEM or certificate), for simulated local attestation."""
    if isinstance(certificate, x509.Certificate):
        return TrustedRoot(certificate, label=label, development=True)
    return TrustedRoot.from_pem(certificate, label=label, development=True)


# --- Parsing --------------------------------------------------------------------------------


def decode_document_text(data: bytes | str) -> bytes:
    """A document as raw CBOR, or as hex, base64 or PEM-wrapped base64 text (as sources ship it)."""
    if isinstance(data, bytes) and data[:1] in (b"\x84", b"\xd2"):  # array(4) or tag 18
        return data
    if len(data) > 4 * MAX_DOCUMENT_BYTES:
        raise AttestationInvalid("the encoded document is too large", reason="too_large")
    try:
        text = data.decode("ascii") if isinstance(data, bytes) else data
        pem = _PEM_BLOCK.search(text)
        compact = "".join((pem.group(2) if pem else text).split())
        if _HEX.fullmatch(compact) and len(compact) % 2 == 0:
            return bytes.fromhex(compact)
        return _b64decode(compact)
    except (UnicodeError, binascii.Error, ValueError) as exc:
        raise AttestationInvalid(
            "the document is neither CBOR nor hex, base64 or PEM text", reason="encoding"
        ) from exc


def _b64decode(text: str) -> bytes:
    padded = text + "=" * (-len(text) % 4)
    if "-" in text or "_" in text:
        return base64.urlsafe_b64decode(padded)
    return base64.b64decode(padded, validate=True)


def parse_document(raw: bytes) -> AttestationDocument:
    """Decode a COSE_Sign1 attestation document strictly. Checks structure only, not trust."""
    protected, payload, signature = _parse_cose_sign1(raw)
    if protected != ES384_PROTECTED_HEADER:
        raise _invalid("protected_header", "the protected header must be exactly {1: -35} (ES384)")
    fields = _decode_strict(payload, "payload", indefinite_map=True)
    return _build_document(fields, protected, payload, signature)


def _parse_cose_sign1(raw: bytes) -> tuple[bytes, bytes, bytes]:
    if not isinstance(raw, bytes):
        raise TypeError("an attestation document is bytes")
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise _invalid("too_large", f"the document exceeds {MAX_DOCUMENT_BYTES} bytes")
    value = _decode_strict(raw, "document")
    if isinstance(value, cbor2.CBORTag):
        if value.tag != COSE_SIGN1_TAG:
            raise _invalid("cose_structure", f"unexpected CBOR tag {value.tag}, not COSE_Sign1")
        value = value.value
    if type(value) is not list or len(value) != 4:
        raise _invalid("cose_structure", "COSE_Sign1 must be an array of four items")
    protected, unprotected, payload, signature = value
    if not all(type(item) is bytes for item in (protected, payload, signature)):
        raise _invalid("cose_structure", "protected, payload and signature must be byte strings")
    if type(unprotected) is not dict or unprotected:
        raise _invalid("cose_structure", "the unprotected header must be an empty map")
    if len(signature) != ES384_SIGNATURE_BYTES:
        raise _invalid("cose_structure", "an ES384 signature is 96 bytes (r || s)")
    return protected, payload, signature


def _decode_strict(data: bytes, what: str, *, indefinite_map: bool = False) -> Any:
    """One CBOR item, nothing after it, encoded exactly as cbor2 would re-encode it.

    The round trip refuses what cbor2 tolerates: duplicate map keys (the re-encoding is
    shorter), tags that decode to plain values (bignums, self-describe, shared references),
    non-shortest integers and lengths, and chunked strings.
    """
    stream = io.BytesIO(data)
    try:
        value = cbor2.CBORDecoder(stream, max_depth=_MAX_DEPTH).decode()
    except _CBOR_ERRORS as exc:
        raise _invalid("malformed_cbor", f"the {what} is not well-formed CBOR") from exc
    if stream.tell() != len(data):
        raise _invalid("trailing_bytes", f"the {what} has bytes after its CBOR item")
    if not _fits(value, len(data)) or not _reencodes_to(value, data, indefinite_map):
        raise _invalid("noncanonical_cbor", f"the {what} has a non-canonical CBOR encoding")
    return value


def _fits(value: Any, size: int) -> bool:
    """Whether the decoded value is no bigger than its ``size``-byte encoding: every item takes
    at least a byte, and every string its length too. Only shared or string references (tags
    28/29, 25/256) decode to more, and re-encoding those could blow up: refuse them first."""
    budget, stack = size - 1, [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            children = [*item.keys(), *item.values()]
        elif isinstance(item, list | tuple | set | frozenset):
            children = list(item)
        else:
            children = [item.value] if isinstance(item, cbor2.CBORTag) else []
        # Children are paid for when pushed, so the stack never outgrows the budget.
        budget -= len(children) + (len(item) if isinstance(item, str | bytes) else 0)
        if budget < 0:
            return False
        stack.extend(children)
    return True


def _reencodes_to(value: Any, data: bytes, indefinite_map: bool) -> bool:
    try:
        if cbor2.dumps(value) == data:
            return True
        # Newer Nitro hypervisors stream the payload as an indefinite-length map.
        if not (indefinite_map and type(value) is dict and data[:1] == b"\xbf"):
            return False
        items = b"".join(cbor2.dumps(key) + cbor2.dumps(item) for key, item in value.items())
        return data == b"\xbf" + items + b"\xff"
    except _CBOR_ERRORS:
        return False


def _build_document(fields: Any, protected: bytes, payload: bytes, signature: bytes,
                    ) -> AttestationDocument:
    _check_field_names(fields)
    return AttestationDocument(
        module_id=_module_id(fields["module_id"]),
        digest=_digest(fields["digest"]),
        timestamp_ms=_timestamp_ms(fields["timestamp"]),
        pcrs=_pcrs(fields["pcrs"]),
        certificate=_bstr(fields["certificate"], "certificate", CERT_SIZE),
        cabundle=_cabundle(fields["cabundle"]),
        **{name: _optional_bstr(fields, name) for name in sorted(OPTIONAL_FIELDS)},
        protected=protected,
        payload=payload,
        signature=signature,
    )


def _check_field_names(fields: Any) -> None:
    if type(fields) is not dict or not all(type(key) is str for key in fields):
        raise _invalid("payload_fields", "the payload must be a map with text keys")
    missing = sorted(REQUIRED_FIELDS - fields.keys())
    unknown = sorted(fields.keys() - REQUIRED_FIELDS - OPTIONAL_FIELDS)
    if missing or unknown:
        raise _invalid("payload_fields", f"payload fields: missing {missing}, unknown {unknown}")


def _module_id(value: Any) -> str:
    if type(value) is not str or not 0 < len(value) <= MAX_MODULE_ID:
        raise _field("module_id", f"a text of 1 to {MAX_MODULE_ID} characters")
    return value


def _digest(value: Any) -> str:
    if value != "SHA384" or type(value) is not str:
        raise _field("digest", 'the text "SHA384"')
    return value


def _timestamp_ms(value: Any) -> int:
    if type(value) is not int or not 0 < value <= _MAX_TIMESTAMP_MS:
        raise _field("timestamp", "a positive integer of milliseconds since the epoch")
    return value


def _pcrs(value: Any) -> dict[int, bytes]:
    if type(value) is not dict or not 0 < len(value) <= len(PCR_INDEXES):
        raise _field("pcrs", f"a map of 1 to {len(PCR_INDEXES)} PCRs")
    for index, pcr in value.items():
        if type(index) is not int or index not in PCR_INDEXES:
            raise _field("pcrs", f"indexes in 0..{PCR_INDEXES.stop - 1}")
        if type(pcr) is not bytes or len(pcr) not in PCR_SIZES:
            raise _field(f"pcrs[{index}]", "a byte string of 32, 48 or 64 bytes")
    return dict(value)


def _cabundle(value: Any) -> tuple[bytes, ...]:
    if type(value) is not list or not 0 < len(value) <= MAX_CABUNDLE:
        raise _field("cabundle", f"an array of 1 to {MAX_CABUNDLE} certificates")
    return tuple(_bstr(cert, f"cabundle[{i}]", CERT_SIZE) for i, cert in enumerate(value))


def _optional_bstr(fields: dict[str, Any], name: str) -> bytes | None:
    # Absent and explicit null mean the same; real documents send explicit nulls.
    value = fields.get(name)
    return None if value is None else _bstr(value, name, OPTIONAL_SIZES[name])


def _bstr(value: Any, name: str, size: tuple[int, int]) -> bytes:
    low, high = size
    if type(value) is not bytes or not low <= len(value) <= high:
        raise _field(name, f"a byte string of {low} to {high} bytes")
    return value


# --- Verification ---------------------------------------------------------------------------


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
    root = _trusted_root(document.cabundle[0], aws_roots() if trusted_roots is None
                         else tuple(trusted_roots))
    leaf = _load_certificate(document.certificate)
    # The document's signature first: one ECDSA check refuses any tampered payload cheaply.
    _verify_signature(document, _p384_key(leaf))
    _verify_chain([root.certificate, *map(_load_certificate, document.cabundle[1:]), leaf], moment)
    _check_freshness(document, moment, max_age, max_skew)
    _check_policy(document, expected_pcrs, expected_nonce, expected_user_data)
    return VerifiedAttestation(document=document, root=root, verified_at=moment)


def _moment(at: datetime | None) -> datetime:
    if at is None:
        return datetime.now(UTC)
    if at.tzinfo is None:
        raise ValueError("the verification time must be timezone-aware")
    return at.astimezone(UTC)


def _verify_chain(chain: list[x509.Certificate], moment: datetime) -> None:
    """Root first, leaf last: every certificate and every issuer -> child link is checked."""
    for position, cert in enumerate(chain):
        _check_certificate(cert, moment, cas_below=len(chain) - 2 - position)
    for issuer, child in pairwise(chain):
        _check_link(issuer, child)


def _trusted_root(der: bytes, roots: tuple[TrustedRoot, ...]) -> TrustedRoot:
    # The bundle must start with the root itself (not merely something it signed).
    for root in roots:
        if root.der == der:
            return root
    digest = hashlib.sha256(der).hexdigest()
    raise _invalid("untrusted_root", f"the chain's root (sha256 {digest}) is not trusted")


def _load_certificate(der: bytes) -> x509.Certificate:
    # cryptography parses lazily: touch every part used later, so a malformed one fails here.
    try:
        cert = x509.load_der_x509_certificate(der)
        _ = cert.public_key(), cert.subject, cert.issuer, cert.extensions
    except _CERTIFICATE_ERRORS as exc:
        raise _invalid("certificate_invalid", "a certificate is not valid") from exc
    return cert


def _check_certificate(cert: x509.Certificate, moment: datetime, *, cas_below: int) -> None:
    """``cas_below``: CA certificates between this one and the leaf; -1 for the leaf itself."""
    if not cert.not_valid_before_utc <= moment <= cert.not_valid_after_utc:
        raise _invalid("certificate_not_valid",
                       f"{_subject(cert)} is not valid at {moment.isoformat()}")
    extensions = cert.extensions
    for extension in extensions:
        if extension.critical and extension.oid not in _ALLOWED_CRITICAL:
            raise _invalid("critical_extension",
                           f"{_subject(cert)} has an unknown critical extension {extension.oid}")
    _check_constraints(cert, extensions, cas_below)


def _check_constraints(cert: x509.Certificate, extensions: x509.Extensions,
                       cas_below: int) -> None:
    is_ca = cas_below >= 0
    constraints = _extension(extensions, x509.BasicConstraints)
    if is_ca and (constraints is None or not constraints.ca):
        raise _invalid("basic_constraints", f"{_subject(cert)} issues certificates, not a CA")
    if not is_ca and constraints is not None and constraints.ca:
        raise _invalid("basic_constraints", f"the leaf {_subject(cert)} must not be a CA")
    if is_ca and constraints.path_length is not None and constraints.path_length < cas_below:
        raise _invalid("path_length",
                       f"{_subject(cert)} allows {constraints.path_length} CAs below it")
    usage = _extension(extensions, x509.KeyUsage)
    needed = "key_cert_sign" if is_ca else "digital_signature"
    if usage is not None and not getattr(usage, needed):
        raise _invalid("key_usage", f"{_subject(cert)}'s key usage lacks {needed}")


def _check_link(issuer: x509.Certificate, child: x509.Certificate) -> None:
    if child.signature_algorithm_oid != SignatureAlgorithmOID.ECDSA_WITH_SHA384:
        raise _invalid("certificate_invalid", f"{_subject(child)} is not signed with ES384")
    if child.issuer != issuer.subject or not _es384_valid(
            _p384_key(issuer), child.signature, child.tbs_certificate_bytes):
        raise _invalid("chain_broken", f"{_subject(child)} is not issued by {_subject(issuer)}")


def _p384_key(cert: x509.Certificate) -> ec.EllipticCurvePublicKey:
    key = cert.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, ec.SECP384R1):
        raise _invalid("certificate_invalid", f"{_subject(cert)} does not have a P-384 key")
    return key


def _verify_signature(document: AttestationDocument, key: ec.EllipticCurvePublicKey) -> None:
    # COSE Sig_structure for COSE_Sign1, with no external data; COSE's r || s becomes DER.
    to_be_signed = cbor2.dumps(["Signature1", document.protected, b"", document.payload])
    r = int.from_bytes(document.signature[:_P384_COORDINATE], "big")
    s = int.from_bytes(document.signature[_P384_COORDINATE:], "big")
    if not _es384_valid(key, encode_dss_signature(r, s), to_be_signed):
        raise _invalid("signature_invalid", "the COSE signature does not verify")


def _es384_valid(key: ec.EllipticCurvePublicKey, signature: bytes, data: bytes) -> bool:
    try:
        key.verify(signature, data, ec.ECDSA(hashes.SHA384()))
    except InvalidSignature:
        return False
    return True


def _check_freshness(document: AttestationDocument, moment: datetime,
                     max_age: timedelta | None, max_skew: timedelta) -> None:
    issued = document.timestamp
    if issued > moment + max_skew:
        raise _rejected("timestamp_in_future", f"the document is dated {issued.isoformat()}, "
                                               f"after {moment.isoformat()}")
    if max_age is not None and moment - issued > max_age:
        raise _rejected("stale", f"the document is older than {max_age} "
                                 f"(dated {issued.isoformat()})")


def _check_policy(document: AttestationDocument,
                  expected_pcrs: Mapping[int, str | bytes] | None,
                  expected_nonce: bytes | None,
                  expected_user_data: bytes | Callable[[bytes | None], bool] | None) -> None:
    if expected_pcrs is not None:
        _check_pcrs(document, _normalise_pcrs(expected_pcrs))
    if expected_nonce is not None and not _same(document.nonce, expected_nonce):
        raise _rejected("nonce_mismatch", "the document's nonce is not the expected one")
    if expected_user_data is None:
        return
    accepted = (expected_user_data(document.user_data) if callable(expected_user_data)
                else _same(document.user_data, expected_user_data))
    if not accepted:
        raise _rejected("user_data_mismatch", "the document's user data is not the expected one")


def _check_pcrs(document: AttestationDocument, expected: dict[int, bytes]) -> None:
    # Debug mode is refused first and by name: its zero PCRs could never match a real image,
    # and an enclave whose memory the parent can read proves nothing.
    if document.debug_mode:
        raise _rejected("debug_mode", "the enclave runs in debug mode (PCR0/1/2 are zero)")
    mismatched = sorted(i for i, pcr in expected.items() if not _same(document.pcrs.get(i), pcr))
    if mismatched:
        raise _rejected("pcr_mismatch", f"PCRs {mismatched} differ from the expected values")


def _normalise_pcrs(expected: Mapping[int, str | bytes]) -> dict[int, bytes]:
    if not expected:
        raise ValueError("expected_pcrs pins nothing: pass None to skip PCR checks")
    return {int(index): bytes.fromhex(value) if isinstance(value, str) else bytes(value)
            for index, value in expected.items()}


def _same(actual: bytes | None, expected: bytes) -> bool:
    return actual is not None and hmac.compare_digest(actual, expected)


def _is_zero(pcr: bytes | None) -> bool:
    return pcr is not None and not any(pcr)


def _extension(extensions: x509.Extensions, kind: type[_E]) -> _E | None:
    try:
        return extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None


def _subject(cert: x509.Certificate) -> str:
    return cert.subject.rfc4514_string() or "a certificate with an empty subject"


def _invalid(reason: str, detail: str) -> AttestationInvalid:
    return AttestationInvalid(detail, reason=reason)


def _rejected(reason: str, detail: str) -> AttestationRejected:
    return AttestationRejected(detail, reason=reason)


def _field(name: str, expected: str) -> AttestationInvalid:
    return _invalid("field_invalid", f"{name} must be {expected}")
