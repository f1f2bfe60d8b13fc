"""The parent's side of key release: data keys wrapped by KMS, unwrapped only for the enclave.

``KmsKeyRelease`` is the AWS path: a new key is ``GenerateDataKeyWithoutPlaintext`` (the parent
never holds it), and releasing it is ``Decrypt`` with the enclave's attestation document as the
``Recipient``. KMS checks the document against the key policy (``kms:RecipientAttestation``
conditions on the image measurement) and returns ``CiphertextForRecipient``, which only the
enclave's private key opens (enclave_app/key_release.py).

``SimulatedKeyRelease`` is the local stand-in: moto's KMS ignores ``Recipient``, so this class
does what KMS would: it verifies the (simulated) document against a development root, applies
the same measurement allowlist the key policy states, and wraps the key to the document's
public key in the same CMS envelope. It is used only when the local stack configures it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
from botocore.exceptions import ClientError
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import NameOID

from cms.domain.attestation import (
    AttestationInvalid,
    TrustedRoot,
    verify_document,
)
from cms.domain.errors import DependencyUnavailable

RECIPIENT_ALGORITHM = "RSAES_OAEP_SHA_256"
DOCUMENT_MAX_AGE = timedelta(minutes=5)  # a recipient document is made just before use
# KMS's refusals of a release (an image outside the key policy, a blob of another key); other
# errors are outages, which the caller retries.
REFUSALS = frozenset({"AccessDeniedException", "InvalidCiphertextException",
                      "IncorrectKeyException"})


class KeyReleaseRefused(Exception):
    """The enclave's document does not satisfy the key's policy."""


class KmsKeyRelease:
    def __init__(self, key_id: str, kms: object | None = None) -> None:
        self.key_id = key_id
        self._kms = kms or boto3.client("kms")

    def new_wrapped_key(self) -> bytes:
        return self._kms.generate_data_key_without_plaintext(  # type: ignore[attr-defined]
            KeyId=self.key_id, KeySpec="AES_256")["CiphertextBlob"]

    def for_recipient(self, wrapped: bytes, document: bytes) -> bytes:
        try:
            return self._kms.decrypt(  # type: ignore[attr-defined]
                KeyId=self.key_id, CiphertextBlob=wrapped,
                Recipient={"KeyEncryptionAlgorithm": RECIPIENT_ALGORITHM,
                           "AttestationDocument": document})["CiphertextForRecipient"]
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code in REFUSALS:  # the policy's answer: retrying cannot change it
                raise KeyReleaseRefused(f"KMS refused to release the key ({code})") from None
            raise DependencyUnavailable(f"KMS could not release the key ({code})") from error


class SimulatedKeyRelease(KmsKeyRelease):
    def __init__(self, key_id: str, root: TrustedRoot, allowed_pcr0: set[str],
                 kms: object | None = None) -> None:
        super().__init__(key_id, kms)
        self._root = root
        self._allowed = {value.lower() for value in allowed_pcr0}

    def for_recipient(self, wrapped: bytes, document: bytes) -> bytes:
        try:
            verified = verify_document(document, trusted_roots=[self._root],
                                       max_age=DOCUMENT_MAX_AGE)
        except AttestationInvalid as error:
            raise KeyReleaseRefused(f"the recipient document is not valid: {error}") from None
        pcr0 = verified.document.pcrs.get(0, b"").hex()
        if verified.debug_mode or pcr0 not in self._allowed:
            raise KeyReleaseRefused(f"PCR0 {pcr0[:16]}… is not allowed by the key policy")
        if not verified.document.public_key:
            raise KeyReleaseRefused("the recipient document carries no public key")
        plaintext = self._kms.decrypt(  # type: ignore[attr-defined]
            KeyId=self.key_id, CiphertextBlob=wrapped)["Plaintext"]
        return envelope(plaintext, verified.document.public_key)


def envelope(content: bytes, public_key_der: bytes) -> bytes:
    """CMS EnvelopedData of ``content`` for the holder of ``public_key_der`` (RSA). The
    builder wants a certificate; this one only carries the key (its issuer is throwaway)."""
    public_key = serialization.load_der_public_key(public_key_der)
    issuer_key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "enclave recipient")])
    now = datetime.now(UTC)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                   .public_key(public_key).serial_number(x509.random_serial_number())
                   .not_valid_before(now - timedelta(minutes=1))
                   .not_valid_after(now + timedelta(minutes=10))
                   .sign(issuer_key, hashes.SHA256()))
    return (pkcs7.PKCS7EnvelopeBuilder().set_data(content).add_recipient(certificate)
            .set_content_encryption_algorithm(pkcs7.algorithms.AES256)
            .encrypt(serialization.Encoding.DER, [pkcs7.PKCS7Options.Binary]))
