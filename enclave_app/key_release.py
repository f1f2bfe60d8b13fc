"""Keys that only this enclave image can unwrap: the enclave side of KMS's Nitro integration.

The enclave makes an ephemeral RSA key pair and puts the public key in an attestation document.
The parent passes that document as the ``Recipient`` of a KMS ``Decrypt`` (or
``GenerateDataKey``) call; KMS checks the document against the key policy's
``kms:RecipientAttestation:*`` conditions and returns the key as ``CiphertextForRecipient``: a
CMS EnvelopedData (RFC 5652) whose content key is wrapped to the enclave's public key. The
parent relays it without being able to read it; only the enclave's private key opens it.

The envelope is read here with a small DER walker (KMS documents the structure, and no library
we ship decrypts CMS without a recipient certificate): one KeyTransRecipientInfo with
RSAES-OAEP-SHA-256 (KMS) or PKCS#1 v1.5 (what the local simulated release produces with
``cryptography``'s CMS builder), and AES-CBC content encryption.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.padding import MGF1, OAEP, PKCS1v15
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

RSA_BITS = 2048
MAX_RECIPIENTS = 64  # pending unwraps; older ones are dropped
_OID_ENVELOPED_DATA = "1.2.840.113549.1.7.3"
_OID_RSA_PKCS1 = "1.2.840.113549.1.1.1"
_OID_RSA_OAEP = "1.2.840.113549.1.1.7"
_AES_CBC = {"2.16.840.1.101.3.4.1.2": 16, "2.16.840.1.101.3.4.1.22": 24,
            "2.16.840.1.101.3.4.1.42": 32}


class EnvelopeError(ValueError):
    """A CiphertextForRecipient that is malformed, for another key, or uses other algorithms."""


@dataclass
class Recipients:
    """Ephemeral recipient keys by id, each usable until the job that asked for it is done."""

    _keys: dict[str, rsa.RSAPrivateKey] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def new(self) -> tuple[str, bytes]:
        """(recipient id, DER SubjectPublicKeyInfo) for a fresh key."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=RSA_BITS)
        recipient_id = str(uuid.uuid4())
        with self._lock:
            while len(self._keys) >= MAX_RECIPIENTS:
                self._keys.pop(next(iter(self._keys)))
            self._keys[recipient_id] = key
        public = key.public_key().public_bytes(serialization.Encoding.DER,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)
        return recipient_id, public

    def open(self, recipient_id: str, envelope: bytes) -> bytes:
        with self._lock:
            key = self._keys.get(recipient_id)
        if key is None:
            raise EnvelopeError("unknown or expired recipient (ask for a new one)")
        return open_envelope(envelope, key)

    def forget(self, recipient_id: str) -> None:
        with self._lock:
            self._keys.pop(recipient_id, None)


def open_envelope(envelope: bytes, key: rsa.RSAPrivateKey) -> bytes:
    """The content of a CMS EnvelopedData addressed to ``key``."""
    try:
        wrapped, scheme, cipher_oid, iv, ciphertext = _envelope_parts(envelope)
    except (IndexError, ValueError) as error:
        raise EnvelopeError(f"not a CMS EnvelopedData: {error}") from None
    try:
        content_key = key.decrypt(wrapped, _key_padding(scheme))
    except ValueError:
        raise EnvelopeError("the content key is not wrapped to this enclave's key") from None
    if len(content_key) != _AES_CBC[cipher_oid]:
        raise EnvelopeError("the content key has the wrong length")
    decryptor = Cipher(algorithms.AES(content_key), modes.CBC(iv)).decryptor()
    padded = decryptor.update(ciphertext) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    try:
        return unpadder.update(padded) + unpadder.finalize()
    except ValueError:
        raise EnvelopeError("the content does not decrypt") from None


def _key_padding(scheme: str) -> OAEP | PKCS1v15:
    if scheme == _OID_RSA_OAEP:
        return OAEP(mgf=MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
    return PKCS1v15()


def _envelope_parts(envelope: bytes) -> tuple[bytes, str, str, bytes, bytes]:
    content_info = _Der(envelope).sequence()
    if content_info.oid() != _OID_ENVELOPED_DATA:
        raise ValueError("the content type is not enveloped data")
    enveloped = content_info.explicit(0).sequence()
    enveloped.integer()  # version
    if enveloped.peek() == 0xA0:
        enveloped.skip()  # originatorInfo
    recipients = enveloped.set()
    recipient = recipients.sequence()  # KeyTransRecipientInfo (KMS sends exactly one)
    recipient.integer()
    recipient.skip()  # rid: issuerAndSerialNumber or [0] subjectKeyIdentifier
    algorithm = recipient.sequence()
    scheme = algorithm.oid()
    if scheme not in (_OID_RSA_OAEP, _OID_RSA_PKCS1):
        raise ValueError(f"key transport {scheme} is not RSA")
    wrapped = recipient.octets()
    encrypted = enveloped.sequence()  # EncryptedContentInfo
    encrypted.oid()
    cipher = encrypted.sequence()
    cipher_oid = cipher.oid()
    if cipher_oid not in _AES_CBC:
        raise ValueError(f"content cipher {cipher_oid} is not AES-CBC")
    iv = cipher.octets()
    return wrapped, scheme, cipher_oid, iv, encrypted.implicit_octets(0)


class _Der:
    """Just enough DER to walk an EnvelopedData: definite lengths, the tags it uses."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._at = 0

    def peek(self) -> int:
        return self._data[self._at]

    def _next(self, tag: int | None = None) -> tuple[int, bytes]:
        found = self._data[self._at]
        if tag is not None and found != tag:
            raise ValueError(f"expected tag {tag:#x}, found {found:#x}")
        length, start = self._data[self._at + 1], self._at + 2
        if length & 0x80:
            count = length & 0x7F
            if not 1 <= count <= 4:
                raise ValueError("unsupported length")
            length = int.from_bytes(self._data[start:start + count], "big")
            start += count
        end = start + length
        if end > len(self._data):
            raise ValueError("truncated")
        self._at = end
        return found, self._data[start:end]

    def skip(self) -> None:
        self._next()

    def sequence(self) -> _Der:
        return _Der(self._next(0x30)[1])

    def set(self) -> _Der:
        return _Der(self._next(0x31)[1])

    def explicit(self, number: int) -> _Der:
        return _Der(self._next(0xA0 | number)[1])

    def integer(self) -> int:
        return int.from_bytes(self._next(0x02)[1], "big", signed=True)

    def octets(self) -> bytes:
        return self._next(0x04)[1]

    def implicit_octets(self, number: int) -> bytes:
        tag, value = self._next()
        if tag == 0x80 | number:  # primitive [n] IMPLICIT OCTET STRING
            return value
        if tag == 0xA0 | number:  # constructed: concatenated OCTET STRING segments
            inner, chunks = _Der(value), []
            while inner._at < len(value):
                chunks.append(inner.octets())
            return b"".join(chunks)
        raise ValueError(f"expected [{number}] encrypted content, found tag {tag:#x}")

    def oid(self) -> str:
        raw = self._next(0x06)[1]
        parts = [raw[0] // 40, raw[0] % 40]
        value = 0
        for byte in raw[1:]:
            value = (value << 7) | (byte & 0x7F)
            if not byte & 0x80:
                parts.append(value)
                value = 0
        return ".".join(map(str, parts))
