"""The demo's Ed25519 party key as a file the web UI imports ("Use a key in this browser"), so
a newcomer opens the demo contract in the browser as that party at once.

The format is the UI's plain key file (its auth code reads and writes the same):
    {"type": "cms-ed25519-key", "version": 1, "did": "did:key:z6Mk…",
     "publicKey": "<64 hex>", "privateKey": "<64 hex: the 32-byte seed>"}
The seed is created here and handed to the signer, so the signer class never has to give its
key out (cms_client.Ed25519Signer keeps it private for every other use).
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from cms_client import Ed25519Signer

KEY_FILE_TYPE = "cms-ed25519-key"
KEY_FILE_VERSION = 1
SEED_BYTES = 32


def new_seed() -> bytes:
    return secrets.token_bytes(SEED_BYTES)


def key_file_document(seed: bytes) -> dict[str, object]:
    signer = Ed25519Signer(seed)
    return {"type": KEY_FILE_TYPE, "version": KEY_FILE_VERSION, "did": signer.did,
            "publicKey": signer.public_key, "privateKey": seed.hex()}


def write_key_file(seed: bytes, path: Path) -> Path:
    """Write the key file readable by its owner only (0600), also over an older one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # Created 0600 from the start: the private key is never readable by others, not even
    # between creating the file and changing its mode.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)  # an existing file keeps its mode through O_CREAT
    with os.fdopen(descriptor, "w") as file:
        json.dump(key_file_document(seed), file, separators=(",", ":"))
        file.write("\n")
    return path
