"""The JWT signing key, derived from a Secrets Manager secret.

Secrets Manager cannot generate Ed25519 keys, but it can generate a long random string and
rotate it. We derive the Ed25519 seed from that string with HKDF, so the key lives only in the
secret (encrypted with the KMS key) and in Lambda memory. The previous version (AWSPREVIOUS)
stays published in the JWKS so tokens survive a rotation.
"""

from __future__ import annotations

import threading
import time

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from cms.domain.errors import DependencyUnavailable
from cms.domain.signing_keys import SigningKey, derive_signing_key

MIN_FORCED_REFRESH_S = 30.0


class SecretSigningKeys:
    """Current and previous signing keys, cached for ``max_age_s`` per Lambda container."""

    def __init__(self, secret_id: str, max_age_s: float = 300.0) -> None:
        self._secret_id = secret_id
        self._max_age_s = max_age_s
        self._lock = threading.Lock()
        self._loaded_at = 0.0
        self._keys: list[SigningKey] = []

    def current(self) -> SigningKey:
        return self._fresh()[0]

    def all(self, *, refresh: bool = False) -> list[SigningKey]:
        return self._fresh(force=refresh)

    def _fresh(self, force: bool = False) -> list[SigningKey]:
        with self._lock:
            # Forced refreshes (unknown kid) are throttled: a flood of forged kids must not
            # turn into a flood of Secrets Manager calls.
            force = force and time.monotonic() - self._loaded_at > MIN_FORCED_REFRESH_S
            if force or not self._keys or time.monotonic() - self._loaded_at > self._max_age_s:
                self._keys = self._load()
                self._loaded_at = time.monotonic()
            return self._keys

    def _load(self) -> list[SigningKey]:
        client = boto3.client("secretsmanager")
        keys = [derive_signing_key(self._fetch(client, "AWSCURRENT"))]
        previous = self._fetch(client, "AWSPREVIOUS", optional=True)
        if previous:
            keys.append(derive_signing_key(previous))
        return keys

    def _fetch(self, client, stage: str, optional: bool = False) -> str | None:
        try:
            return client.get_secret_value(SecretId=self._secret_id,
                                           VersionStage=stage)["SecretString"]
        except ClientError as error:
            if optional and error.response["Error"]["Code"] == "ResourceNotFoundException":
                return None
            raise DependencyUnavailable("the signing key is unavailable") from error
        except BotoCoreError as error:
            raise DependencyUnavailable("the signing key is unavailable") from error
