"""Encrypted, resumable training checkpoints.

Format (version 1): ``MAGIC (8 bytes) || nonce (12 bytes) || AES-GCM ciphertext and tag``. The
plaintext is a ``torch.save`` archive of the training state; the associated data is the magic
followed by the job id, so a checkpoint neither decrypts under another key nor resumes another
job, and any flipped byte is rejected. Loading uses ``weights_only=True``: after decryption the
archive still cannot run code (defence in depth should the key leak).
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"CMSCKPT1"
NONCE_BYTES = 12
MAX_CHECKPOINT_BYTES = 256 * 1024 * 1024


class CheckpointError(Exception):
    """A checkpoint is malformed, tampered with, sealed under another key/job, or mismatched."""


@dataclass(frozen=True)
class Checkpointing:
    """Where and how the trainer checkpoints; the key stays inside the enclave.

    ``save`` receives each sealed checkpoint (after every ``every`` epochs and the last one);
    ``resume_from`` is a sealed checkpoint to continue from.
    """

    key: bytes
    job_id: str
    save: Callable[[bytes], None] | None = None
    resume_from: bytes | None = None
    every: int = 1

    def __post_init__(self) -> None:
        _check_key(self.key)
        if not self.job_id:
            raise CheckpointError("a job id is required: it binds the checkpoint to the job")
        if self.every < 1:
            raise CheckpointError("checkpoint interval must be at least one epoch")


def _check_key(key: bytes) -> None:
    if not isinstance(key, bytes) or len(key) not in (16, 24, 32):
        raise CheckpointError("the checkpoint key must be 16, 24 or 32 bytes (AES-GCM)")


def _associated_data(job_id: str) -> bytes:
    return MAGIC + job_id.encode("utf-8")


def tensor_bytes(obj: Any) -> bytes:
    """``torch.save`` into memory."""
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    return buffer.getvalue()


def seal(state: dict[str, Any], key: bytes, job_id: str) -> bytes:
    _check_key(key)
    nonce = os.urandom(NONCE_BYTES)
    ciphertext = AESGCM(key).encrypt(nonce, tensor_bytes(state), _associated_data(job_id))
    return MAGIC + nonce + ciphertext


def unseal(blob: bytes, key: bytes, job_id: str) -> dict[str, Any]:
    _check_key(key)
    if len(blob) > MAX_CHECKPOINT_BYTES:
        raise CheckpointError("checkpoint larger than the size limit")
    if not blob.startswith(MAGIC) or len(blob) < len(MAGIC) + NONCE_BYTES + 16:
        raise CheckpointError("not a version 1 checkpoint")
    nonce = blob[len(MAGIC) : len(MAGIC) + NONCE_BYTES]
    try:
        plain = AESGCM(key).decrypt(
            nonce, blob[len(MAGIC) + NONCE_BYTES :], _associated_data(job_id)
        )
    except InvalidTag as error:
        raise CheckpointError("checkpoint rejected: tampered, or another key or job") from error
    state = torch.load(io.BytesIO(plain), weights_only=True)
    if not isinstance(state, dict):
        raise CheckpointError("checkpoint payload is not a state dictionary")
    return state
