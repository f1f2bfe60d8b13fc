"""A provider's training dataset as the platform stores it for the enclave.

``MAGIC || nonce || AES-GCM(archive)`` under the dataset's own key, with the associated data
``MAGIC || its storage URI``: it opens only under that key and only as the dataset it was
registered as, so the parent cannot hand the enclave another provider's upload in its place.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

SEALED_MAGIC = b"CMSDATA1"
NONCE_BYTES = 12


class SealedDatasetError(ValueError):
    """Not a sealed dataset, or sealed under another key or for another location."""


def seal_dataset(archive: bytes, key: bytes, uri: str) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return SEALED_MAGIC + nonce + AESGCM(key).encrypt(nonce, archive, _aad(uri))


def open_dataset(sealed: bytes, key: bytes, uri: str) -> bytes:
    """The archive, if ``sealed`` was sealed under ``key`` for ``uri``."""
    header = len(SEALED_MAGIC) + NONCE_BYTES
    if not sealed.startswith(SEALED_MAGIC) or len(sealed) < header:
        raise SealedDatasetError("the dataset is not a sealed CMS dataset")
    try:
        return AESGCM(key).decrypt(sealed[len(SEALED_MAGIC):header], sealed[header:], _aad(uri))
    except (InvalidTag, ValueError):
        raise SealedDatasetError("the dataset does not decrypt under its key (tampered or "
                                 "another dataset)") from None


def _aad(uri: str) -> bytes:
    return SEALED_MAGIC + uri.encode()
