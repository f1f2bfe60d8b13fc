"""The TypeScript SDK's Ed25519 vectors come from Python: did:key, public keys and signatures
by PyNaCl and cms.domain.did, and key files (plain, and encrypted with `cryptography`) as a
Python program writes them. The SDK's vitest suite reads the committed JSON; this test fails
when the Python side would now write something else.

Regenerate after a deliberate change: python -m tests.unit.test_sdk_key_vectors
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from nacl.signing import SigningKey

from cms.domain.did import did_key_from_ed25519
from cms.domain.signatures import CONTRACT_MESSAGE_PREFIX

FIXTURE = (Path(__file__).resolve().parents[2] / "sdk" / "typescript" / "test" / "fixtures"
           / "python-ed25519.json")
SEEDS = (
    "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",  # RFC 8032 TEST 1
    "0000000000000000000000000000000000000000000000000000000000000000",
    bytes(range(1, 33)).hex(),
)
SIGN_IN_TEXT = ("localhost:8080 wants you to sign in with your DID:\n{did}\n\nSign in to the "
                "Contract Management System.\n\nURI: http://localhost:8080\nVersion: 1\n"
                "Nonce: 0123456789abcdef0123456789abcdef\nIssued At: 2026-01-01T00:00:00Z\n"
                "Expiration Time: 2026-01-01T00:05:00Z")
PASSPHRASE = "correct horse battery staple ✓"
ITERATIONS = 100_000


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode()  # padded, as Python writes it


def _encrypted(seed: bytes, public: dict[str, Any], salt: bytes, iv: bytes) -> dict[str, Any]:
    kdf = PBKDF2HMAC(algorithm=hashes.SHA256(), length=32, salt=salt, iterations=ITERATIONS)
    key = kdf.derive(PASSPHRASE.encode("utf-8"))
    ciphertext = AESGCM(key).encrypt(iv, seed, None)  # the tag appended, as WebCrypto does
    return {**public, "encrypted": {
        "kdf": "PBKDF2-SHA256", "iterations": ITERATIONS, "salt": _b64url(salt),
        "cipher": "AES-256-GCM", "iv": _b64url(iv), "ciphertext": _b64url(ciphertext)}}


def python_vectors() -> dict[str, Any]:
    keys = []
    for index, seed_hex in enumerate(SEEDS):
        seed = bytes.fromhex(seed_hex)
        signing = SigningKey(seed)
        public_key = bytes(signing.verify_key)
        did = did_key_from_ed25519(public_key)
        text = SIGN_IN_TEXT.format(did=did)
        contract = CONTRACT_MESSAGE_PREFIX + "contract 42\ndigest " + "ab" * 32
        public = {"type": "cms-ed25519-key", "version": 1, "did": did,
                  "publicKey": public_key.hex()}
        keys.append({
            "seed": seed_hex, "did": did, "publicKey": public_key.hex(),
            "signIn": {"text": text, "signature": signing.sign(text.encode()).signature.hex()},
            "contract": {"text": contract,
                         "signature": signing.sign(contract.encode()).signature.hex()},
            "plainFile": json.dumps({**public, "privateKey": seed_hex}),
            "encryptedFile": json.dumps(_encrypted(seed, public, bytes([index] * 16),
                                                   bytes([index + 100] * 12))),
        })
    return {"passphrase": PASSPHRASE, "contractPrefix": CONTRACT_MESSAGE_PREFIX, "keys": keys}


def test_the_sdk_fixture_is_what_python_writes() -> None:
    assert json.loads(FIXTURE.read_text(encoding="utf-8")) == python_vectors()


if __name__ == "__main__":
    FIXTURE.write_text(json.dumps(python_vectors(), indent=2, ensure_ascii=False) + "\n",
                       encoding="utf-8")
