"""The locally resolvable methods: did:key, did:pkh and did:ethr.

These documents are derived from the identifier alone, with no I/O:

* did:key  - Ed25519 only (multicodec 0xed), per the did:key spec.
* did:pkh  - eip155 accounts only (CAIP-10), per the did:pkh spec.
* did:ethr - resolved locally as its *default* document: the address (or the address of the
  public key in the identifier) is the sole controller key. The ERC-1056 registry is not
  consulted, so key rotations or delegates recorded on chain are ignored; this system only
  trusts the identifier's own key, which on-chain changes cannot take away.
"""

from __future__ import annotations

import re

from cms.domain.did.document import (
    CODEC_NAMES,
    ED25519_CODEC,
    ED25519_KEY_LENGTH,
    RECOVERY_METHOD,
    DidDocument,
    VerificationMethod,
    checksum_address,
    codec_name,
    decode_multikey,
    encode_multikey,
    eth_address_from_secp256k1,
)
from cms.domain.did.syntax import ParsedDid, parse_did
from cms.domain.errors import (
    InvalidDid,
    UnsupportedDidMethod,
    UnsupportedKeyType,
    ValidationFailed,
)

ETHR_NETWORKS = {
    "mainnet": 1,
    "ropsten": 3,
    "rinkeby": 4,
    "goerli": 5,
    "kovan": 42,
    "polygon": 137,
    "sepolia": 11155111,
}
ED25519_2020 = "Ed25519VerificationKey2020"

_PKH_EIP155_RE = re.compile(r"eip155:(0|[1-9][0-9]{0,31}):(0x[0-9a-fA-F]{40})")
_CAIP2_NAMESPACE_RE = re.compile(r"[-a-z0-9]{3,8}")
_ETHR_RE = re.compile(r"(?:([a-z0-9-]+|0x[0-9a-fA-F]+):)?(0x[0-9a-fA-F]{40}|0x[0-9a-fA-F]{66})")


def did_key_from_ed25519(public_key: bytes) -> str:
    if len(public_key) != ED25519_KEY_LENGTH:
        raise ValidationFailed(f"Ed25519 public key must be 32 bytes, got {len(public_key)}")
    return "did:key:" + encode_multikey(ED25519_CODEC, public_key)


def ethereum_address_of(did: str) -> str | None:
    """Checksummed address behind a did:pkh:eip155 / did:ethr, None for other supported DIDs."""
    parsed = parse_did(did)
    if parsed.method == "pkh":
        return _pkh_account(parsed)[1]
    if parsed.method == "ethr":
        return _ethr_account(parsed)[1]
    return None


def resolve_local(parsed: ParsedDid) -> DidDocument:
    """Document of a did:key / did:pkh / did:ethr, derived from the identifier itself."""
    if parsed.method == "key":
        return _key_document(parsed)
    if parsed.method == "pkh":
        _, address = _pkh_account(parsed)
        return _recovery_document(parsed.did, "#blockchainAccountId", address, parsed.identifier)
    if parsed.method == "ethr":
        chain, address = _ethr_account(parsed)
        return _recovery_document(parsed.did, "#controller", address, f"eip155:{chain}:{address}")
    raise UnsupportedDidMethod(f"did:{parsed.method} cannot be resolved locally")


def _single_method_document(method: VerificationMethod) -> DidDocument:
    ids = (method.id,)
    return DidDocument(method.controller, (method,), authentication=ids, assertion_method=ids)


def _recovery_document(did: str, fragment: str, address: str, account: str) -> DidDocument:
    method = VerificationMethod(
        id=did + fragment,
        type=RECOVERY_METHOD,
        controller=did,
        eth_address=address,
        blockchain_account_id=account,
    )
    return _single_method_document(method)


def _key_document(parsed: ParsedDid) -> DidDocument:
    multibase = parsed.identifier
    try:
        codec, key = decode_multikey(multibase)
    except ValueError as exc:
        raise InvalidDid(f"did:key identifier is not a valid multikey: {exc}") from None
    if codec != ED25519_CODEC:
        kind = codec_name(codec)
        known = "" if codec not in CODEC_NAMES else f" (multicodec 0x{codec:x})"
        raise UnsupportedKeyType(f"did:key uses a {kind} key{known}; only Ed25519 is supported")
    if len(key) != ED25519_KEY_LENGTH:
        raise InvalidDid(f"did:key Ed25519 key must be 32 bytes, got {len(key)}")
    method = VerificationMethod(
        id=f"{parsed.did}#{multibase}",
        type=ED25519_2020,
        controller=parsed.did,
        ed25519_public_key=key,
    )
    return _single_method_document(method)


def _pkh_account(parsed: ParsedDid) -> tuple[int, str]:
    namespace = parsed.identifier.split(":", 1)[0]
    if namespace != "eip155":
        if _CAIP2_NAMESPACE_RE.fullmatch(namespace):
            raise UnsupportedDidMethod(
                f"did:pkh namespace '{namespace}' is not supported; only eip155 (Ethereum) is"
            )
        raise InvalidDid(f"did:pkh namespace '{namespace}' is not a valid CAIP-2 namespace")
    match = _PKH_EIP155_RE.fullmatch(parsed.identifier)
    if not match:
        raise InvalidDid("did:pkh must be did:pkh:eip155:<decimal chain id>:<0x + 40 hex address>")
    return int(match.group(1)), _address(match.group(2), parsed.did)


def _ethr_account(parsed: ParsedDid) -> tuple[int, str]:
    match = _ETHR_RE.fullmatch(parsed.identifier)
    if not match:
        raise InvalidDid(
            "did:ethr must be did:ethr[:<network>]:<0x address or 0x compressed public key>"
        )
    network, subject = match.groups()
    chain = _ethr_chain(network or "mainnet")
    if len(subject) == 42:
        return chain, _address(subject, parsed.did)
    try:
        return chain, eth_address_from_secp256k1(bytes.fromhex(subject[2:]))
    except ValueError:
        raise InvalidDid(f"'{subject}' is not a compressed secp256k1 public key") from None


def _ethr_chain(network: str) -> int:
    if network.startswith("0x"):
        if not re.fullmatch(r"0x[0-9a-fA-F]+", network):
            raise InvalidDid(f"did:ethr chain id '{network}' is not hexadecimal")
        chain = int(network, 16)
        if chain == 0 or len(str(chain)) > 32:
            raise InvalidDid(f"did:ethr chain id '{network}' is out of range")
        return chain
    if network not in ETHR_NETWORKS:
        raise UnsupportedDidMethod(
            f"did:ethr network '{network}' is not supported; use a hex chain id or one of: "
            + ", ".join(ETHR_NETWORKS)
        )
    return ETHR_NETWORKS[network]


def _address(value: str, did: str) -> str:
    try:
        return checksum_address(value)
    except ValueError as exc:
        raise InvalidDid(f"{did}: {exc}") from None


def controller_of(did: str) -> str:
    """Fully validate ``did`` without I/O and name the key that controls it.

    Two spellings of one key (did:pkh vs did:ethr, another chain id, address case) give the
    same answer, so "is this the same party?" compares keys, not strings. did:web is checked
    for syntax and URL form only (its document needs a fetch) and names itself.
    """
    parsed = parse_did(did)
    if parsed.method == "web":
        from cms.domain.did.web import did_web_url

        did_web_url(did)
        return f"web:{did}"
    method = resolve_local(parsed).verification_methods[0]
    if method.ed25519_public_key is not None:
        return f"ed25519:{method.ed25519_public_key.hex()}"
    return f"eth:{(method.eth_address or '').lower()}"
