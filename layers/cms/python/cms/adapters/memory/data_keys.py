"""Data keys in memory (the port: cms.ports.data_keys.DataKeys): keys wrapped with AES-GCM
under a key of this process, standing in for KMS and the enclave's attested unwrapping."""

from __future__ import annotations

import os

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_NONCE_BYTES = 12
_CONTEXT = b"cms memory data key"


class MemoryDataKeys:
    def __init__(self) -> None:
        self._wrapping = AESGCM(AESGCM.generate_key(bit_length=256))

    def generate(self) -> tuple[bytes, bytes]:
        plaintext = os.urandom(32)
        return plaintext, self._wrap(plaintext)

    def generate_input_key_pair(self) -> tuple[bytes, bytes]:
        private = ec.generate_private_key(ec.SECP256R1())
        public = private.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        pkcs8 = private.private_bytes(serialization.Encoding.DER,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption())
        return public, self._wrap(pkcs8)

    def unwrap(self, wrapped: bytes) -> bytes:
        """What the attested enclave would get back (tests stand in for it)."""
        return self._wrapping.decrypt(wrapped[:_NONCE_BYTES], wrapped[_NONCE_BYTES:], _CONTEXT)

    def _wrap(self, secret: bytes) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        return nonce + self._wrapping.encrypt(nonce, secret, _CONTEXT)
