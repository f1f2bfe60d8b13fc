"""Keys under the training data key: only the attested enclave image can unwrap them."""

from __future__ import annotations

from typing import Protocol


class DataKeys(Protocol):
    def generate(self) -> tuple[bytes, bytes]:
        """(plaintext, wrapped) of a new 256-bit AES key: seal with the first and forget
        it; keep the second."""

    def generate_input_key_pair(self) -> tuple[bytes, bytes]:
        """(public key as DER SubjectPublicKeyInfo, wrapped DER PKCS#8 private key) of a new
        P-256 pair; the private half is never held in the clear outside the enclave."""
