"""Signature checks against DID documents: sign-in messages, contract signatures, key matching.

Sign-in and contract signatures are domain-separated so that neither can be replayed as the
other: Ethereum keys sign in with EIP-191 ``personal_sign`` but sign contracts with EIP-712
typed data (a different hash prefix), and Ed25519 contract messages carry a fixed prefix that
sign-in messages are refused to start with.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Literal

from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

from cms.domain.canonical import canonical_json
from cms.domain.did.document import (
    ED25519_CODEC,
    SECP256K1_CODEC,
    DidDocument,
    Relationship,
    VerificationMethod,
    b58decode,
    b64decode_any,
    checksum_address,
    decode_multikey,
    ed25519_key,
    eth_address_from_secp256k1,
)
from cms.domain.did.methods import parse_did
from cms.domain.did.syntax import is_printable_ascii
from cms.domain.errors import (
    DidDocumentTooLarge,
    DomainError,
    InvalidSignature,
    KeyMismatch,
    MalformedSignature,
    ValidationFailed,
)
from cms.domain.signature_text import is_signature_text

if TYPE_CHECKING:
    from eth_account.messages import SignableMessage

# eth_account is imported where a signature is checked, not here: it costs ~0.4 s (py_ecc's
# BLS tables), which every importer of this module (the CLI, request handlers that never see
# an Ethereum signature) would otherwise pay at start-up.

SignatureKind = Literal["ed25519", "eth"]

CONTRACT_MESSAGE_PREFIX = "cms-contract-signature/v1\n"
EIP712_DOMAIN_NAME = "CMS Contract Signature"
EIP712_DOMAIN_VERSION = "1"
CONTRACT_TYPES = {
    "EIP712Domain": [
        {"name": "name", "type": "string"},
        {"name": "version", "type": "string"},
        {"name": "chainId", "type": "uint256"},
    ],
    "ContractSignature": [
        {"name": "contractId", "type": "string"},
        {"name": "digest", "type": "bytes32"},
        {"name": "signer", "type": "string"},
    ],
}

_SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
_ETH_SIGNATURE_LENGTH = 65
_ED25519_SIGNATURE_LENGTH = 64
_HEX_RE = re.compile(r"(?:0[xX])?((?:[0-9a-fA-F]{2})+)")
_DIGEST_RE = re.compile(r"[0-9a-f]{64}")
_ETH_METHODS = ("pkh", "ethr")


# --- decoding --------------------------------------------------------------------------------


def decode_signature(signature: str, *, kind: SignatureKind) -> bytes:
    """Raw signature bytes; Ethereum ones come back as r||s||v with v normalised to 27/28."""
    if not isinstance(signature, str) or not signature:
        raise MalformedSignature("signature must be a non-empty string")
    if kind == "eth":
        return _decode_eth_signature(signature)
    return _decode_ed25519_signature(signature)


def _decode_eth_signature(signature: str) -> bytes:
    match = _HEX_RE.fullmatch(signature)
    raw = bytes.fromhex(match.group(1)) if match else b""
    if len(raw) != _ETH_SIGNATURE_LENGTH:
        raise MalformedSignature(
            "Ethereum signature must be 65 bytes as hex (130 hex digits, optional 0x), "
            f"got {len(signature)} characters"
        )
    v = raw[64]
    if v not in (0, 1, 27, 28):
        raise MalformedSignature(f"Ethereum signature recovery id v={v} is not 0, 1, 27 or 28")
    if int.from_bytes(raw[32:64], "big") > _SECP256K1_N // 2:
        raise MalformedSignature("Ethereum signature has a high s value (non-canonical, EIP-2)")
    return raw[:64] + bytes([v % 27 + 27])


def _decode_ed25519_signature(signature: str) -> bytes:
    match = _HEX_RE.fullmatch(signature)
    if match and len(match.group(1)) == 2 * _ED25519_SIGNATURE_LENGTH:
        return bytes.fromhex(match.group(1))
    try:
        raw = b64decode_any(signature)
    except ValueError:
        raw = b""
    if len(raw) != _ED25519_SIGNATURE_LENGTH:
        raise MalformedSignature(
            "Ed25519 signature must be 64 bytes as hex (128 digits) or base64/base64url "
            f"(86 characters unpadded), got {len(signature)} characters"
        )
    return raw


# --- verification core -----------------------------------------------------------------------


def _recover(signable: SignableMessage, signature: bytes) -> str | None:
    from eth_account import Account
    from eth_keys.exceptions import BadSignature

    try:
        return Account.recover_message(signable, signature=signature)
    except (BadSignature, ValueError):
        return None


def _verifies(
    method: VerificationMethod,
    signature: bytes,
    ed25519_payload: bytes,
    eth_payload: SignableMessage,
) -> bool:
    if method.ed25519_public_key is not None:
        try:
            VerifyKey(method.ed25519_public_key).verify(ed25519_payload, signature)
        except BadSignatureError:
            return False
        return True
    recovered = _recover(eth_payload, signature)
    return recovered is not None and recovered.lower() == str(method.eth_address).lower()


def _first_verifying(
    methods: Iterable[VerificationMethod],
    signature: str,
    ed25519_payload: bytes,
    eth_payload: SignableMessage,
    what: str,
) -> VerificationMethod:
    """The first method the signature verifies with; MalformedSignature if it fits no key kind."""
    candidates = tuple(methods)
    if not candidates:
        raise InvalidSignature(f"the DID has no verification method usable for {what}")
    decoded: dict[str, bytes | MalformedSignature] = {}
    for method in candidates:
        kind: SignatureKind = "ed25519" if method.key_kind == "ed25519" else "eth"
        if kind not in decoded:
            decoded[kind] = _try_decode(signature, kind)
        raw = decoded[kind]
        if isinstance(raw, bytes) and _verifies(method, raw, ed25519_payload, eth_payload):
            return method
    errors = [error for error in decoded.values() if isinstance(error, MalformedSignature)]
    if len(errors) == len(decoded):
        raise _undecodable(signature, errors[0])
    raise InvalidSignature(f"the signature does not verify against the DID's keys for {what}")


def _undecodable(signature: str, error: MalformedSignature) -> DomainError:
    """Why a signature none of the signer's key kinds can decode is refused: one in a documented
    encoding (another kind's, or a non-canonical value) is a signature that does not verify;
    only one in no documented encoding cannot be decoded."""
    if is_signature_text(signature):
        return InvalidSignature(f"not a valid signature for this DID's keys: {error.detail}")
    return error


def _try_decode(signature: str, kind: SignatureKind) -> bytes | MalformedSignature:
    try:
        return decode_signature(signature, kind=kind)
    except MalformedSignature as error:
        return error


# --- sign-in -------------------------------------------------------------------------------


def check_personal_sign(message: str, signature: str, address: str) -> None:
    """Require an EIP-191 personal_sign of ``message`` by ``address`` (used for SIWE)."""
    try:
        raw = decode_signature(signature, kind="eth")
    except MalformedSignature as error:
        raise _undecodable(signature, error) from None
    from eth_account.messages import encode_defunct

    recovered = _recover(encode_defunct(text=message), raw)
    if recovered is None or recovered.lower() != address.lower():
        raise InvalidSignature(f"the signature was not made by {address}")


def verify_message_signature(
    document: DidDocument,
    message: str,
    signature: str,
    *,
    relationship: Relationship = "authentication",
) -> VerificationMethod:
    """Check a sign-in signature (EIP-191 personal_sign or raw Ed25519 over UTF-8 text)."""
    if message.startswith(CONTRACT_MESSAGE_PREFIX):
        raise InvalidSignature("a contract-signature message cannot be used to sign in")
    data = message.encode("utf-8")
    from eth_account.messages import encode_defunct

    return _first_verifying(
        document.methods_for(relationship),
        signature,
        data,
        encode_defunct(primitive=data),
        relationship,
    )


# --- contract signatures -------------------------------------------------------------------


def contract_signing_payload(
    *, contract_id: str, digest_hex: str, signer_did: str, chain_id: int
) -> dict[str, Any]:
    """What ``signer_did`` must sign for a contract; the scheme follows the DID's key type."""
    method = parse_did(signer_did).method
    typed_data, message = _contract_payloads(contract_id, digest_hex, signer_did, chain_id)
    if method in _ETH_METHODS:
        return {"scheme": "eip712", "typed_data": typed_data}
    if method == "key":
        return {"scheme": "ed25519-prefixed-digest", "message": message}
    return {"scheme": "any", "typed_data": typed_data, "message": message}


def verify_contract_signature(
    document: DidDocument,
    *,
    contract_id: str,
    digest_hex: str,
    signature: str,
    chain_id: int,
    verification_method: str | None = None,
) -> VerificationMethod:
    """Check a contract signature by one of the document's assertionMethod keys.

    Ethereum keys are checked only against the EIP-712 hash, never against personal_sign.
    """
    typed_data, message = _contract_payloads(contract_id, digest_hex, document.id, chain_id)
    methods = document.methods_for("assertionMethod")
    if verification_method is not None:
        methods = tuple(vm for vm in methods if vm.id == _absolute(document, verification_method))
        if not methods:
            raise InvalidSignature(
                f"'{verification_method}' is not an assertionMethod of {document.id}"
            )
    from eth_account.messages import encode_typed_data

    return _first_verifying(
        methods,
        signature,
        message.encode("utf-8"),
        encode_typed_data(full_message=typed_data),
        "assertionMethod",
    )


def scheme_of(method: VerificationMethod) -> str:
    """The contract-signature scheme a verification method signs with."""
    return "eip712" if method.key_kind == "eth_address" else "ed25519-prefixed-digest"


MAX_RECORDED_DOCUMENT = 32 * 1024  # bytes of canonical JSON


def recordable(document: DidDocument) -> dict[str, Any]:
    """The document as recorded with a contract signature (in the audit history, so it is
    anchored with it); bounded so that an audit event always fits a DynamoDB item."""
    data = document.to_json()
    size = len(canonical_json(data))
    if size > MAX_RECORDED_DOCUMENT:
        raise DidDocumentTooLarge(
            f"the DID document of {document.id} is {size} bytes in normal form; contract "
            f"signatures record it, up to {MAX_RECORDED_DOCUMENT} bytes")
    return data


def _absolute(document: DidDocument, method_id: str) -> str:
    return document.id + method_id if method_id.startswith("#") else method_id


def _check_contract_fields(contract_id: str, digest_hex: str, chain_id: int) -> None:
    if not contract_id or not is_printable_ascii(contract_id):
        raise ValidationFailed("contract id must be non-empty printable ASCII text")
    if not _DIGEST_RE.fullmatch(digest_hex):
        raise ValidationFailed("digest must be 64 lower-case hex digits (SHA-256)")
    if isinstance(chain_id, bool) or not isinstance(chain_id, int) or chain_id < 1:
        raise ValidationFailed("chain id must be a positive integer")


def _contract_payloads(
    contract_id: str, digest_hex: str, signer_did: str, chain_id: int
) -> tuple[dict[str, Any], str]:
    """The EIP-712 typed data and the prefixed Ed25519 message for one contract signature."""
    _check_contract_fields(contract_id, digest_hex, chain_id)
    typed_data = {
        "types": CONTRACT_TYPES,
        "primaryType": "ContractSignature",
        "domain": {
            "name": EIP712_DOMAIN_NAME,
            "version": EIP712_DOMAIN_VERSION,
            "chainId": chain_id,
        },
        "message": {"contractId": contract_id, "digest": "0x" + digest_hex, "signer": signer_did},
    }
    message = (
        f"{CONTRACT_MESSAGE_PREFIX}contract:{contract_id}\n"
        f"digest:sha256:{digest_hex}\nsigner:{signer_did}"
    )
    return typed_data, message


# --- registration ----------------------------------------------------------------------------


def match_public_key(document: DidDocument, public_key: str) -> VerificationMethod:
    """The document method whose key ``public_key`` (as a client wrote it) denotes."""
    ed25519_keys, addresses = _key_candidates(public_key)
    for method in document.verification_methods:
        if method.ed25519_public_key in ed25519_keys or method.eth_address in addresses:
            return method
    raise KeyMismatch(f"the public key does not match any verification method of {document.id}")


def _key_candidates(public_key: str) -> tuple[set[bytes], set[str]]:
    """Every reading of ``public_key`` as an Ed25519 key or an Ethereum address."""
    if not isinstance(public_key, str) or not public_key or not public_key.isascii():
        raise ValidationFailed("public key must be a non-empty ASCII string")
    if re.fullmatch(r"0x[0-9a-fA-F]{40}", public_key):
        try:
            return set(), {checksum_address(public_key)}
        except ValueError as exc:
            raise ValidationFailed(str(exc)) from None
    ed25519_keys: set[bytes] = set()
    addresses: set[str] = set()
    for decoder in _KEY_DECODERS:
        try:
            raw = decoder(public_key)
        except ValueError:
            continue
        _classify(raw, ed25519_keys, addresses)
    if not ed25519_keys and not addresses:
        raise ValidationFailed(
            "public key is not a recognised encoding: expected a 0x address, a hex secp256k1 "
            "key (33/64/65 bytes), or an Ed25519 key as hex, base58, multibase (z6Mk...) or "
            "base64url"
        )
    return ed25519_keys, addresses


def _classify(raw: bytes, ed25519_keys: set[bytes], addresses: set[str]) -> None:
    if len(raw) == 32:
        ed25519_keys.add(raw)
        return
    try:
        addresses.add(eth_address_from_secp256k1(raw))
    except ValueError:
        return


def _from_hex(value: str) -> bytes:
    match = _HEX_RE.fullmatch(value)
    if not match:
        raise ValueError("not hex")
    return bytes.fromhex(match.group(1))


def _from_multikey(value: str) -> bytes:
    """Multikey (``z6Mk...`` Ed25519 or ``zQ3s...`` secp256k1) to the bare key bytes."""
    codec, key = decode_multikey(value)
    if codec == ED25519_CODEC:
        return ed25519_key(key)
    if codec == SECP256K1_CODEC:
        return key
    raise ValueError("unsupported multicodec")


_KEY_DECODERS: tuple[Callable[[str], bytes], ...] = (
    _from_hex,
    _from_multikey,
    b58decode,
    b64decode_any,
)
