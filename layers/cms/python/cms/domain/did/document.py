"""DID documents (W3C DID-core) reduced to what the system can verify, plus the key encodings.

Only two kinds of key matter here: raw Ed25519 public keys (EdDSA signatures) and Ethereum
addresses (secp256k1 signatures checked by public-key recovery). Every supported verification
method type is normalised to one of them, so signature code never has to know about encodings.
The codec helpers below raise ``ValueError``; each caller turns that into the domain error that
fits its context (a bad DID, a bad document, a bad client request).
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Any, Literal

import base58
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from eth_utils import keccak, to_checksum_address

from cms.domain.errors import DidResolutionFailed

Relationship = Literal["authentication", "assertionMethod"]
KeyKind = Literal["ed25519", "eth_address"]

ED25519_CODEC = 0xED
SECP256K1_CODEC = 0xE7
CODEC_NAMES = {
    0xED: "Ed25519",
    0xEC: "X25519",
    0xE7: "secp256k1",
    0xE8: "BLS12-381 G1",
    0xEB: "BLS12-381 G2",
    0x1200: "P-256",
    0x1201: "P-384",
    0x1202: "P-521",
    0x1205: "RSA",
}
ED25519_KEY_LENGTH = 32

DID_CONTEXT = "https://www.w3.org/ns/did/v1"
_TYPE_CONTEXTS = {
    "Ed25519VerificationKey2018": "https://w3id.org/security/suites/ed25519-2018/v1",
    "Ed25519VerificationKey2020": "https://w3id.org/security/suites/ed25519-2020/v1",
    "Multikey": "https://w3id.org/security/multikey/v1",
    "JsonWebKey2020": "https://w3id.org/security/suites/jws-2020/v1",
    "EcdsaSecp256k1RecoveryMethod2020": (
        "https://w3id.org/security/suites/secp256k1recovery-2020/v2"
    ),
    "EcdsaSecp256k1VerificationKey2019": "https://w3id.org/security/suites/secp256k1-2019/v1",
}
_RELATIONSHIPS: tuple[Relationship, ...] = ("authentication", "assertionMethod")
RECOVERY_METHOD = "EcdsaSecp256k1RecoveryMethod2020"
_SECP256K1_TYPES = {RECOVERY_METHOD, "EcdsaSecp256k1VerificationKey2019"}

_ADDRESS_RE = re.compile(r"0x[0-9a-fA-F]{40}")
_CAIP10_EIP155_RE = re.compile(r"eip155:(0|[1-9][0-9]{0,31}):(0x[0-9a-fA-F]{40})")
MAX_B58_LENGTH = 1024
_B58_RE = re.compile(rf"[1-9A-HJ-NP-Za-km-z]{{1,{MAX_B58_LENGTH}}}")
_B64URL_RE = re.compile(r"[A-Za-z0-9_-]*={0,2}")
_B64STD_RE = re.compile(r"[A-Za-z0-9+/]*={0,2}")


# --- key encodings -------------------------------------------------------------------------


def codec_name(codec: int) -> str:
    return CODEC_NAMES.get(codec, f"multicodec 0x{codec:x}")


def _read_varint(data: bytes) -> tuple[int, int]:
    """Unsigned LEB128 as used by multicodec; rejects non-minimal encodings (multiformats rule)."""
    value = 0
    for index, byte in enumerate(data[:9]):
        value |= (byte & 0x7F) << (7 * index)
        if not byte & 0x80:
            if byte == 0 and index > 0:
                raise ValueError("multicodec varint is not minimally encoded")
            return value, index + 1
    raise ValueError("multicodec varint is truncated or too long")


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def decode_multikey(value: str) -> tuple[int, bytes]:
    """Split a base58btc multibase value (``z...``) into its multicodec code and key bytes."""
    if not value.startswith("z"):
        raise ValueError("multibase value must use base58btc (prefix 'z')")
    raw = b58decode(value[1:])
    codec, offset = _read_varint(raw)
    return codec, raw[offset:]


def encode_multikey(codec: int, key: bytes) -> str:
    return "z" + base58.b58encode(_varint(codec) + key).decode("ascii")


def b58decode(value: str) -> bytes:
    """Strict base58btc; the length cap bounds the quadratic big-integer decoding cost."""
    if not _B58_RE.fullmatch(value):
        raise ValueError(f"invalid base58 (1 to {MAX_B58_LENGTH} base58btc characters expected)")
    return base58.b58decode(value)


def b64decode_any(value: str) -> bytes:
    """Base64url or standard base64, padding optional; non-canonical encodings are rejected."""
    urlsafe = _B64URL_RE.fullmatch(value)
    if not (urlsafe or _B64STD_RE.fullmatch(value)) or not value.rstrip("="):
        raise ValueError("not base64/base64url")
    body = value.rstrip("=")
    if urlsafe:
        body = body.replace("-", "+").replace("_", "/")
    try:
        raw = base64.b64decode(body + "=" * (-len(body) % 4), validate=True)
    except binascii.Error as exc:
        raise ValueError(f"invalid base64: {exc}") from None
    if base64.b64encode(raw).decode("ascii").rstrip("=") != body:
        raise ValueError("non-canonical base64")
    return raw


def ed25519_key(key: bytes) -> bytes:
    if len(key) != ED25519_KEY_LENGTH:
        raise ValueError(f"Ed25519 public key must be 32 bytes, got {len(key)}")
    return key


def eth_address_from_secp256k1(public_key: bytes) -> str:
    """Checksummed Ethereum address of a compressed (33), SEC1 (65) or raw x||y (64) key.

    The point is decoded by ``cryptography``, which rejects bytes that are not on the curve.
    """
    if len(public_key) == 64:
        public_key = b"\x04" + public_key
    point = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256K1(), public_key)
    raw = point.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)[1:]
    return to_checksum_address(keccak(raw)[-20:])


def checksum_address(value: str) -> str:
    """EIP-55 form of ``0x`` + 40 hex; a mixed-case input must already carry a valid checksum."""
    if not _ADDRESS_RE.fullmatch(value):
        raise ValueError(f"'{value}' is not an Ethereum address (0x + 40 hex digits)")
    checksummed = to_checksum_address(value)
    digits = value[2:]
    if digits not in (digits.lower(), digits.upper()) and value != checksummed:
        raise ValueError(f"address '{value}' has an invalid EIP-55 checksum")
    return checksummed


def parse_eip155_account(value: str) -> tuple[int, str]:
    """CAIP-10 ``eip155:<chain>:<address>`` to (chain id, checksummed address)."""
    match = _CAIP10_EIP155_RE.fullmatch(value)
    if not match:
        raise ValueError(f"'{value}' is not an eip155 CAIP-10 account id")
    return int(match.group(1)), checksum_address(match.group(2))


# --- model ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class VerificationMethod:
    """One usable key of a DID: exactly one of ``ed25519_public_key`` / ``eth_address`` is set.

    ``blockchain_account_id`` keeps the CAIP-10 id as published (did:pkh keeps the address case
    the DID was written with), so ``to_json`` reproduces the document faithfully.
    """

    id: str
    type: str
    controller: str
    ed25519_public_key: bytes | None = None
    eth_address: str | None = None
    blockchain_account_id: str | None = None

    def __post_init__(self) -> None:
        if (self.ed25519_public_key is None) == (self.eth_address is None):
            raise ValueError("a verification method needs exactly one of ed25519 key / address")

    @property
    def key_kind(self) -> KeyKind:
        return "ed25519" if self.ed25519_public_key is not None else "eth_address"

    @property
    def published_type(self) -> str:
        """Type used by ``to_json``: Ethereum keys are published as their address (all that
        verification needs), which Multikey / JsonWebKey2020 cannot express."""
        if self.eth_address is not None and self.type not in _SECP256K1_TYPES:
            return RECOVERY_METHOD
        return self.type

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.published_type,
            "controller": self.controller,
            **self._material(),
        }

    def _material(self) -> dict[str, Any]:
        key = self.ed25519_public_key
        if key is None:
            if self.blockchain_account_id is not None:
                return {"blockchainAccountId": self.blockchain_account_id}
            return {"ethereumAddress": self.eth_address}
        if self.type == "Ed25519VerificationKey2018":
            return {"publicKeyBase58": base58.b58encode(key).decode("ascii")}
        if self.type == "JsonWebKey2020":
            x = base64.urlsafe_b64encode(key).decode("ascii").rstrip("=")
            return {"publicKeyJwk": {"kty": "OKP", "crv": "Ed25519", "x": x}}
        return {"publicKeyMultibase": encode_multikey(ED25519_CODEC, key)}


@dataclass(frozen=True)
class DidDocument:
    """The verifiable part of a DID document; relationships hold ids of ``verification_methods``."""

    id: str
    verification_methods: tuple[VerificationMethod, ...]
    authentication: tuple[str, ...]
    assertion_method: tuple[str, ...]

    def __post_init__(self) -> None:
        known = {vm.id for vm in self.verification_methods}
        if len(known) != len(self.verification_methods):
            raise ValueError("duplicate verification method ids")
        dangling = set(self.authentication + self.assertion_method) - known
        if dangling:
            raise ValueError(f"relationships reference unknown methods: {sorted(dangling)}")

    def methods_for(self, relationship: Relationship) -> tuple[VerificationMethod, ...]:
        if relationship not in _RELATIONSHIPS:
            raise ValueError(f"unknown verification relationship '{relationship}'")
        ids = self.authentication if relationship == "authentication" else self.assertion_method
        return tuple(vm for vm_id in ids if (vm := self.method(vm_id)) is not None)

    def method(self, method_id: str) -> VerificationMethod | None:
        """Look a method up by absolute id or by ``#fragment`` relative to this DID."""
        if method_id.startswith("#"):
            method_id = self.id + method_id
        return next((vm for vm in self.verification_methods if vm.id == method_id), None)

    def to_json(self) -> dict[str, Any]:
        types = dict.fromkeys(vm.published_type for vm in self.verification_methods)
        contexts = [DID_CONTEXT, *(_TYPE_CONTEXTS[t] for t in types if t in _TYPE_CONTEXTS)]
        return {
            "@context": contexts,
            "id": self.id,
            "verificationMethod": [vm.to_json() for vm in self.verification_methods],
            "authentication": list(self.authentication),
            "assertionMethod": list(self.assertion_method),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], expected_id: str) -> DidDocument:
        """Strictly parse a published document (did:web); unknown key types are left out."""
        return _DocumentParser(data, expected_id).parse()


# --- parsing published documents -----------------------------------------------------------


class _DocumentParser:
    """Builds a DidDocument from JSON; every structural error is a DidResolutionFailed."""

    def __init__(self, data: Any, expected_id: str) -> None:
        if not isinstance(data, dict):
            raise DidResolutionFailed("DID document must be a JSON object")
        if data.get("id") != expected_id:
            raise DidResolutionFailed(
                f"DID document id {data.get('id')!r} does not match the DID '{expected_id}'"
            )
        self.data = data
        self.did = expected_id
        self.methods: dict[str, VerificationMethod] = {}
        self.skipped: set[str] = set()

    def parse(self) -> DidDocument:
        for entry in self._list("verificationMethod"):
            self._add_method(entry, "verificationMethod")
        authentication = self._relationship("authentication")
        assertion = self._relationship("assertionMethod")
        return DidDocument(self.did, tuple(self.methods.values()), authentication, assertion)

    def _list(self, name: str) -> list[Any]:
        value = self.data.get(name, [])
        if not isinstance(value, list):
            raise DidResolutionFailed(f"DID document '{name}' must be an array")
        return value

    def _absolute(self, ref: Any, where: str) -> str:
        if not isinstance(ref, str) or not ref:
            raise DidResolutionFailed(f"{where}: verification method id must be a non-empty string")
        absolute = self.did + ref if ref.startswith("#") else ref
        if not absolute.startswith("did:") or "#" not in absolute:
            raise DidResolutionFailed(f"{where}: '{ref}' is not a DID URL with a fragment")
        return absolute

    def _add_method(self, entry: Any, where: str) -> str:
        if not isinstance(entry, dict):
            raise DidResolutionFailed(f"{where}: verification method must be an object")
        method_id = self._absolute(entry.get("id"), where)
        if method_id in self.methods or method_id in self.skipped:
            raise DidResolutionFailed(f"{where}: duplicate verification method id '{method_id}'")
        method = _method_from_json(entry, method_id, where)
        if method is None:
            self.skipped.add(method_id)
        else:
            self.methods[method_id] = method
        return method_id

    def _relationship(self, name: str) -> tuple[str, ...]:
        ids = (self._reference(entry, name) for entry in self._list(name))
        return tuple(dict.fromkeys(i for i in ids if i is not None))

    def _reference(self, entry: Any, name: str) -> str | None:
        """Id of a usable method, None for skipped or external ones (never fetched)."""
        method_id = (
            self._add_method(entry, name)
            if isinstance(entry, dict)
            else self._absolute(entry, name)
        )
        if method_id in self.methods:
            return method_id
        if method_id not in self.skipped and method_id.startswith(self.did + "#"):
            raise DidResolutionFailed(f"{name} references undefined method '{method_id}'")
        return None


def _method_from_json(
    entry: dict[str, Any], method_id: str, where: str
) -> VerificationMethod | None:
    method_type = entry.get("type")
    controller = entry.get("controller")
    if not isinstance(method_type, str):
        raise DidResolutionFailed(f"{where}: method '{method_id}' has no string 'type'")
    if not isinstance(controller, str) or not controller.startswith("did:"):
        raise DidResolutionFailed(f"{where}: method '{method_id}' needs a DID 'controller'")
    try:
        material = _key_material(method_type, entry)
    except (ValueError, TypeError) as exc:
        raise DidResolutionFailed(f"{where}: method '{method_id}' ({method_type}): {exc}") from None
    if material is None:
        return None
    return VerificationMethod(id=method_id, type=method_type, controller=controller, **material)


def _key_material(method_type: str, entry: dict[str, Any]) -> dict[str, Any] | None:
    """Constructor kwargs for the key of a method, None when the type or curve is unsupported."""
    if method_type == "JsonWebKey2020":
        return _jwk_material(_field(entry, "publicKeyJwk", dict))
    if method_type == "Ed25519VerificationKey2018":
        return {"ed25519_public_key": ed25519_key(b58decode(_field(entry, "publicKeyBase58")))}
    if method_type in ("Ed25519VerificationKey2020", "Multikey"):
        return _multikey_material(method_type, _field(entry, "publicKeyMultibase"))
    if method_type in _SECP256K1_TYPES:
        return _secp256k1_material(entry)
    return None


def _multikey_material(method_type: str, value: str) -> dict[str, Any] | None:
    """Ed25519VerificationKey2020 must hold Ed25519; Multikey may hold any curve we can use."""
    codec, key = decode_multikey(value)
    if codec == ED25519_CODEC:
        return {"ed25519_public_key": ed25519_key(key)}
    if method_type != "Multikey":
        raise ValueError(f"publicKeyMultibase holds a {codec_name(codec)} key, not Ed25519")
    if codec == SECP256K1_CODEC:
        return {"eth_address": eth_address_from_secp256k1(key)}
    return None


def _secp256k1_material(entry: dict[str, Any]) -> dict[str, Any] | None:
    if "blockchainAccountId" in entry:
        account = _field(entry, "blockchainAccountId")
        if not account.startswith("eip155:"):
            return None
        _, address = parse_eip155_account(account)
        return {"eth_address": address, "blockchain_account_id": account}
    if "ethereumAddress" in entry:
        return {"eth_address": checksum_address(_field(entry, "ethereumAddress"))}
    if "publicKeyJwk" in entry:
        return _jwk_material(_field(entry, "publicKeyJwk", dict))
    if "publicKeyHex" in entry:
        return {
            "eth_address": eth_address_from_secp256k1(bytes.fromhex(_field(entry, "publicKeyHex")))
        }
    raise ValueError("no blockchainAccountId, ethereumAddress, publicKeyJwk or publicKeyHex")


def _jwk_material(jwk: dict[str, Any]) -> dict[str, Any] | None:
    if "d" in jwk:
        raise ValueError("publicKeyJwk contains private key material ('d')")
    curve = (jwk.get("kty"), jwk.get("crv"))
    if curve == ("OKP", "Ed25519"):
        return {"ed25519_public_key": ed25519_key(b64decode_any(_field(jwk, "x")))}
    if curve == ("EC", "secp256k1"):
        x, y = b64decode_any(_field(jwk, "x")), b64decode_any(_field(jwk, "y"))
        if len(x) != 32 or len(y) != 32:
            raise ValueError("secp256k1 JWK coordinates must be 32 bytes each")
        return {"eth_address": eth_address_from_secp256k1(x + y)}
    return None


def _field(entry: dict[str, Any], name: str, kind: type = str) -> Any:
    value = entry.get(name)
    if not isinstance(value, kind):
        raise ValueError(f"'{name}' must be a {'string' if kind is str else 'JSON object'}")
    return value
