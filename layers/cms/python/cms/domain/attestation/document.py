"""The attestation document: its COSE_Sign1 envelope and the Nitro payload, parsed strictly
(structure only: trust is verification.py's)."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import cbor2

from cms.domain.attestation.failures import field_invalid, invalid
from cms.domain.attestation.strict_cbor import decode_strict
from cms.domain.errors import AttestationInvalid

# Limits from the Nitro Secure Module's CDDL, plus caps so hostile input stays small.
MAX_DOCUMENT_BYTES = 16 * 1024
MAX_CABUNDLE = 8
MAX_MODULE_ID = 256
CERT_SIZE = (1, 1024)
OPTIONAL_SIZES = {"public_key": (1, 1024), "user_data": (0, 512), "nonce": (0, 512)}
PCR_INDEXES = range(32)
PCR_SIZES = frozenset({32, 48, 64})
DEBUG_PCRS = (0, 1, 2)  # all zero when the enclave runs in debug mode
_MAX_TIMESTAMP_MS = 253_402_300_799_999  # 9999-12-31, the end of datetime's range

REQUIRED_FIELDS = frozenset({"module_id", "digest", "timestamp", "pcrs", "certificate", "cabundle"})
OPTIONAL_FIELDS = frozenset(OPTIONAL_SIZES)

COSE_SIGN1_TAG = 18
# The only protected header Nitro emits: {1 (alg): -35 (ES384)}. Compared as bytes, so that a
# float, a boolean key or extra parameters cannot pass for it.
ES384_PROTECTED_HEADER = bytes.fromhex("a1013822")
ES384_SIGNATURE_BYTES = 96
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_PEM_BLOCK = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \1-----", re.DOTALL)
_HEX = re.compile(r"[0-9a-fA-F]+")


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
        return all(is_zero(self.pcrs.get(index)) for index in DEBUG_PCRS)


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
        raise invalid("protected_header", "the protected header must be exactly {1: -35} (ES384)")
    fields = decode_strict(payload, "payload", indefinite_map=True)
    return _build_document(fields, protected, payload, signature)


def _parse_cose_sign1(raw: bytes) -> tuple[bytes, bytes, bytes]:
    if not isinstance(raw, bytes):
        raise TypeError("an attestation document is bytes")
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise invalid("too_large", f"the document exceeds {MAX_DOCUMENT_BYTES} bytes")
    value = decode_strict(raw, "document")
    if isinstance(value, cbor2.CBORTag):
        if value.tag != COSE_SIGN1_TAG:
            raise invalid("cose_structure", f"unexpected CBOR tag {value.tag}, not COSE_Sign1")
        value = value.value
    if type(value) is not list or len(value) != 4:
        raise invalid("cose_structure", "COSE_Sign1 must be an array of four items")
    protected, unprotected, payload, signature = value
    if not all(type(item) is bytes for item in (protected, payload, signature)):
        raise invalid("cose_structure", "protected, payload and signature must be byte strings")
    if type(unprotected) is not dict or unprotected:
        raise invalid("cose_structure", "the unprotected header must be an empty map")
    if len(signature) != ES384_SIGNATURE_BYTES:
        raise invalid("cose_structure", "an ES384 signature is 96 bytes (r || s)")
    return protected, payload, signature


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
        raise invalid("payload_fields", "the payload must be a map with text keys")
    missing = sorted(REQUIRED_FIELDS - fields.keys())
    unknown = sorted(fields.keys() - REQUIRED_FIELDS - OPTIONAL_FIELDS)
    if missing or unknown:
        raise invalid("payload_fields", f"payload fields: missing {missing}, unknown {unknown}")


def _module_id(value: Any) -> str:
    if type(value) is not str or not 0 < len(value) <= MAX_MODULE_ID:
        raise field_invalid("module_id", f"a text of 1 to {MAX_MODULE_ID} characters")
    return value


def _digest(value: Any) -> str:
    if value != "SHA384" or type(value) is not str:
        raise field_invalid("digest", 'the text "SHA384"')
    return value


def _timestamp_ms(value: Any) -> int:
    if type(value) is not int or not 0 < value <= _MAX_TIMESTAMP_MS:
        raise field_invalid("timestamp", "a positive integer of milliseconds since the epoch")
    return value


def _pcrs(value: Any) -> dict[int, bytes]:
    if type(value) is not dict or not 0 < len(value) <= len(PCR_INDEXES):
        raise field_invalid("pcrs", f"a map of 1 to {len(PCR_INDEXES)} PCRs")
    for index, pcr in value.items():
        if type(index) is not int or index not in PCR_INDEXES:
            raise field_invalid("pcrs", f"indexes in 0..{PCR_INDEXES.stop - 1}")
        if type(pcr) is not bytes or len(pcr) not in PCR_SIZES:
            raise field_invalid(f"pcrs[{index}]", "a byte string of 32, 48 or 64 bytes")
    return dict(value)


def _cabundle(value: Any) -> tuple[bytes, ...]:
    if type(value) is not list or not 0 < len(value) <= MAX_CABUNDLE:
        raise field_invalid("cabundle", f"an array of 1 to {MAX_CABUNDLE} certificates")
    return tuple(_bstr(cert, f"cabundle[{i}]", CERT_SIZE) for i, cert in enumerate(value))


def _optional_bstr(fields: dict[str, Any], name: str) -> bytes | None:
    # Absent and explicit null mean the same; real documents send explicit nulls.
    value = fields.get(name)
    return None if value is None else _bstr(value, name, OPTIONAL_SIZES[name])


def _bstr(value: Any, name: str, size: tuple[int, int]) -> bytes:
    low, high = size
    if type(value) is not bytes or not low <= len(value) <= high:
        raise field_invalid(name, f"a byte string of {low} to {high} bytes")
    return value


def is_zero(pcr: bytes | None) -> bool:
    return pcr is not None and not any(pcr)
