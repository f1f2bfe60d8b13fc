"""Who signs the ledger's Ethereum transactions: one interface, two key stores.

- ``SecretKeySigner``: a secp256k1 private key kept in Secrets Manager (local stack, tests,
  small deployments).
- ``KmsSigner``: a KMS ``ECC_SECG_P256K1`` key that never leaves KMS (production). KMS returns
  DER signatures over a digest; they are normalised to low-s (EIP-2) and given the recovery id
  that makes them recover to the key's address. moto signs DIGEST messages wrongly (it hashes
  them again), so on moto this signer fails its own recovery check: the DER/recovery code is
  tested with a cryptography-backed key instead, and the KMS round trip is not run here.
"""

from __future__ import annotations

import json
import re
from typing import Any, Protocol

import boto3
from botocore.exceptions import BotoCoreError, ClientError
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_der_public_key,
)
from eth_account import Account
from eth_account._utils.signing import sign_transaction_dict
from eth_keys.datatypes import Signature
from eth_utils import keccak, to_checksum_address

from cms.domain.errors import DependencyUnavailable

SECP256K1_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
_HEX_KEY = re.compile(r"(0x)?[0-9a-fA-F]{64}")


def derive_private_key(secret: str) -> str:
    """A secp256k1 private key from a long random string (HKDF-SHA256, domain-separated)."""
    material = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"cms/ledger-signer/v1",
                    info=b"secp256k1").derive(secret.encode())
    scalar = int.from_bytes(material, "big") % (SECP256K1_ORDER - 1) + 1  # never 0
    return "0x" + scalar.to_bytes(32, "big").hex()


class TransactionSigner(Protocol):
    @property
    def address(self) -> str: ...

    def sign_transaction(self, transaction: dict[str, Any]) -> bytes:
        """The raw signed transaction, ready for eth_sendRawTransaction."""
        ...


class SecretKeySigner:
    def __init__(self, private_key: str) -> None:
        self._account = Account.from_key(private_key)

    @classmethod
    def from_secret(cls, secret_id: str) -> SecretKeySigner:
        """The secret holds the key as hex, as JSON ``{"private_key": "0x…"}``, or is a
        random string that Secrets Manager generated, from which the key is derived (as for
        the JWT key: Secrets Manager cannot generate secp256k1 keys itself)."""
        try:
            value = boto3.client("secretsmanager").get_secret_value(
                SecretId=secret_id)["SecretString"].strip()
        except (ClientError, BotoCoreError) as error:
            raise DependencyUnavailable("the ledger signing key is unavailable") from error
        if value.startswith("{"):
            return cls(json.loads(value)["private_key"])
        if _HEX_KEY.fullmatch(value):
            return cls(value)
        return cls(derive_private_key(value))

    @property
    def address(self) -> str:
        return self._account.address

    def sign_transaction(self, transaction: dict[str, Any]) -> bytes:
        return bytes(self._account.sign_transaction(transaction).raw_transaction)


class KmsSigner:
    def __init__(self, key_id: str, client: Any = None) -> None:
        self._key_id = key_id
        self._client = client or boto3.client("kms")
        self._address: str | None = None

    @property
    def address(self) -> str:
        if self._address is None:
            der = self._call("get_public_key", KeyId=self._key_id)["PublicKey"]
            self._address = address_of_public_key(load_der_public_key(der))
        return self._address

    def sign_transaction(self, transaction: dict[str, Any]) -> bytes:
        # eth-account builds and encodes the transaction; only the hash signing is ours.
        # Like Account.sign_transaction, the unsigned form carries no "from".
        sender = transaction.get("from")
        if sender is not None and to_checksum_address(sender) != self.address:
            raise ValueError(f"cannot sign for {sender}: the KMS key is {self.address}")
        unsigned = {key: value for key, value in transaction.items() if key != "from"}
        return bytes(sign_transaction_dict(_KmsKey(self), unsigned)[3])

    def sign_digest(self, digest: bytes) -> Signature:
        der = self._call("sign", KeyId=self._key_id, Message=digest, MessageType="DIGEST",
                         SigningAlgorithm="ECDSA_SHA_256")["Signature"]
        return recoverable_signature(der, digest, self.address)

    def _call(self, operation: str, **kwargs: Any) -> dict[str, Any]:
        try:
            return getattr(self._client, operation)(**kwargs)
        except (ClientError, BotoCoreError) as error:
            raise DependencyUnavailable(f"KMS {operation} failed for the ledger key") from error


class _KmsKey:
    """The part of eth_keys' PrivateKey that eth-account's transaction signing uses."""

    def __init__(self, signer: KmsSigner) -> None:
        self._signer = signer

    def sign_msg_hash(self, message_hash: bytes) -> Signature:
        return self._signer.sign_digest(message_hash)


def address_of_public_key(public_key: Any) -> str:
    if not (isinstance(public_key, ec.EllipticCurvePublicKey)
            and isinstance(public_key.curve, ec.SECP256K1)):
        raise ValueError("the ledger key must be a secp256k1 key (KMS ECC_SECG_P256K1)")
    point = public_key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    return to_checksum_address(keccak(point[1:])[-20:])


def recoverable_signature(der: bytes, digest: bytes, address: str) -> Signature:
    """DER (r, s) → Ethereum (v, r, s): low-s, and the v whose recovery gives ``address``."""
    r, s = decode_dss_signature(der)
    if s > SECP256K1_ORDER // 2:
        s = SECP256K1_ORDER - s  # EIP-2: only low-s signatures are valid on Ethereum
    for v in (0, 1):
        candidate = Signature(vrs=(v, r, s))
        if candidate.recover_public_key_from_msg_hash(digest).to_checksum_address() == address:
            return candidate
    raise ValueError("the KMS signature does not recover to the key's address "
                     "(was the digest hashed again?)")
