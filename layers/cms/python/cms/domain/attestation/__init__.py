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

Modules: ``document`` (parsing), ``strict_cbor`` (the canonical-CBOR round trip it relies on),
``roots`` (trust anchors), ``chain`` (the certificate links), ``verification``
(``verify_document``) and ``failures``. Importers outside the package use the names below.
"""

from cms.domain.attestation.document import (
    COSE_SIGN1_TAG,
    DEBUG_PCRS,
    ES384_PROTECTED_HEADER,
    ES384_SIGNATURE_BYTES,
    MAX_DOCUMENT_BYTES,
    AttestationDocument,
    decode_document_text,
    parse_document,
)
from cms.domain.attestation.roots import (
    AWS_NITRO_ROOT_G1_SHA256,
    TrustedRoot,
    aws_nitro_root,
    aws_roots,
    development_root,
)
from cms.domain.attestation.verification import (
    DEFAULT_MAX_AGE,
    DEFAULT_MAX_SKEW,
    VerifiedAttestation,
    verify_document,
)
from cms.domain.errors import AttestationInvalid, AttestationRejected

__all__ = [
    "AWS_NITRO_ROOT_G1_SHA256", "COSE_SIGN1_TAG", "DEBUG_PCRS", "DEFAULT_MAX_AGE",
    "DEFAULT_MAX_SKEW", "ES384_PROTECTED_HEADER", "ES384_SIGNATURE_BYTES", "MAX_DOCUMENT_BYTES",
    "AttestationDocument", "AttestationInvalid", "AttestationRejected", "TrustedRoot",
    "VerifiedAttestation", "aws_nitro_root", "aws_roots", "decode_document_text",
    "development_root", "parse_document", "verify_document",
]
