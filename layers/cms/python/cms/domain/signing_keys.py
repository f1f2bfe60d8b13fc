"""The access tokens' signing key: Ed25519, derived from a secret string with HKDF.

Secrets Manager cannot generate Ed25519 keys, but it can generate a long random string and
rotate it; the seed is derived from that string, so the key exists only where the string does.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

HKDF_SALT = b"cms/jwt-signing-key/v1"
HKDF_INFO = b"ed25519-seed"


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: Ed25519PrivateKey

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    def public_jwk(self) -> dict[str, str]:
        raw = self.public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
        return {"kty": "OKP", "crv": "Ed25519", "x": _b64url(raw), "kid": self.kid,
                "use": "sig", "alg": "EdDSA"}


def derive_signing_key(secret: str) -> SigningKey:
    seed = HKDF(algorithm=hashes.SHA256(), length=32, salt=HKDF_SALT,
                info=HKDF_INFO).derive(secret.encode())
    private_key = Ed25519PrivateKey.from_private_bytes(seed)
    raw = private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    # RFC 7638 thumbprint of the OKP JWK, so the kid is reproducible from the public key.
    thumbprint_input = f'{{"crv":"Ed25519","kty":"OKP","x":"{_b64url(raw)}"}}'.encode()
    return SigningKey(_b64url(hashlib.sha256(thumbprint_input).digest()), private_key)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")
