"""DID syntax, did:key / did:pkh / did:ethr documents, did:web URLs and document parsing."""

from __future__ import annotations

import base64
import json
import time
from dataclasses import replace
from typing import Any

import base58
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from eth_account import Account
from nacl.signing import SigningKey

from cms.domain.did import (
    DidDocument,
    DidResolver,
    VerificationMethod,
    did_key_from_ed25519,
    did_web_url,
    ethereum_address_of,
    parse_did,
)
from cms.domain.errors import (
    DidResolutionFailed,
    InvalidDid,
    UnsupportedDidMethod,
    UnsupportedKeyType,
    ValidationFailed,
)
from tests.vectors import DID_VECTORS

VECTORS = DID_VECTORS
ED25519_KEYS = [v for v in VECTORS["did_key"] if v["type"] == "Ed25519"]
OTHER_KEYS = [v for v in VECTORS["did_key"] if v["type"] != "Ed25519"]
SECP256K1_KEYS = [v for v in VECTORS["did_key"] if v["type"] == "secp256k1"]
RESOLVER = DidResolver()
WEB_DID = "did:web:example.com:users:alice"


def _uncompressed(compressed_hex: str) -> bytes:
    point = ec.EllipticCurvePublicKey.from_encoded_point(
        ec.SECP256K1(), bytes.fromhex(compressed_hex)
    )
    return point.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


# --- did:key -------------------------------------------------------------------------------


@pytest.mark.parametrize("vector", ED25519_KEYS, ids=lambda v: v["did"][-8:])
def test_did_key_vectors_resolve_to_their_key(vector: dict[str, Any]) -> None:
    document = RESOLVER.resolve(vector["did"])
    (method,) = document.verification_methods
    assert method.id == vector["verification_method_id"]
    assert method.type == "Ed25519VerificationKey2020"
    assert method.controller == vector["did"]
    assert method.key_kind == "ed25519"
    assert method.ed25519_public_key == bytes.fromhex(vector["public_key_hex"])
    assert document.authentication == document.assertion_method == (method.id,)
    assert did_key_from_ed25519(method.ed25519_public_key) == vector["did"]
    if "publicKeyBase58" in vector:
        assert base58.b58encode(method.ed25519_public_key).decode() == vector["publicKeyBase58"]
    if "seed_hex" in vector:
        seed = bytes.fromhex(vector["seed_hex"])
        assert bytes(SigningKey(seed).verify_key) == method.ed25519_public_key
    jwk_x = vector.get("jwk_x") or vector.get("jwk", {}).get("x")
    assert _b64url(method.ed25519_public_key) == jwk_x


@pytest.mark.parametrize("vector", VECTORS["ed25519_rfc8032"], ids=lambda v: v["name"])
def test_rfc8032_keys_give_the_computed_did_key(vector: dict[str, Any]) -> None:
    public_key = bytes.fromhex(vector["public_key_hex"])
    assert did_key_from_ed25519(public_key) == vector["did_key_computed"]


@pytest.mark.parametrize("vector", OTHER_KEYS, ids=lambda v: v["did"][-8:])
def test_non_ed25519_did_keys_are_unsupported_key_types(vector: dict[str, Any]) -> None:
    with pytest.raises(UnsupportedKeyType, match=vector["type"]):
        RESOLVER.resolve(vector["did"])


def test_vectors_cover_x25519_secp256k1_and_p256() -> None:
    assert {v["type"] for v in OTHER_KEYS} >= {"X25519", "secp256k1", "P-256"}


@pytest.mark.parametrize(
    "identifier",
    [
        "z0OIl",  # not base58
        "f" + "ed01" + "00" * 32,  # multibase other than base58btc
        "z" + base58.b58encode(bytes([0xED, 0x01]) + b"\x01" * 31).decode(),  # 31-byte key
        "z" + base58.b58encode(bytes([0xED, 0x01]) + b"\x01" * 33).decode(),  # 33-byte key
        "z" + base58.b58encode(b"\xed").decode(),  # truncated varint
    ],
)
def test_malformed_did_key_is_invalid(identifier: str) -> None:
    with pytest.raises(InvalidDid):
        RESOLVER.resolve("did:key:" + identifier)


def test_did_key_from_ed25519_rejects_wrong_length() -> None:
    with pytest.raises(ValidationFailed, match="32 bytes"):
        did_key_from_ed25519(b"\x00" * 31)


# --- DID syntax ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("did", "reason"),
    [
        ("", "non-empty"),
        ("did", "did:<method>"),
        ("did:", "did:<method>"),
        ("did::abc", "did:<method>"),
        ("key:z6Mk", "start with 'did:'"),
        ("DID:key:z6Mk", "start with 'did:'"),
        ("did:KEY:z6Mk", "lowercase"),
        ("did:key:", "method-specific id"),
        ("did:key:abc:", "method-specific id"),
        ("did:key:ab#frag", "method-specific id"),
        ("did:key:ab/path", "method-specific id"),
        ("did:key:ab%zz", "method-specific id"),
        ("did:key: z6Mk", "whitespace"),
        ("did:key:z6Mk\n", "whitespace"),
        ("did:key:z6\x00Mk", "control"),
        ("did:key:" + "a" * 2048, "longer than 2048"),
    ],
)
def test_malformed_dids_are_rejected(did: str, reason: str) -> None:
    with pytest.raises(InvalidDid, match=reason):
        parse_did(did)


@pytest.mark.parametrize("did", ["did:foo:x", "did:example:123", "did:ion:abc"])
def test_unknown_methods_are_unsupported(did: str) -> None:
    with pytest.raises(UnsupportedDidMethod, match="not supported"):
        parse_did(did)


def test_parse_did_splits_method_and_identifier() -> None:
    parsed = parse_did("did:web:example.com%3A3000:user:alice")
    assert (parsed.method, parsed.identifier) == ("web", "example.com%3A3000:user:alice")


# --- did:pkh -------------------------------------------------------------------------------


@pytest.mark.parametrize("vector", VECTORS["did_pkh"], ids=lambda v: v["did"])
def test_did_pkh_vector_document(vector: dict[str, Any]) -> None:
    document = RESOLVER.resolve(vector["did"])
    (method,) = document.verification_methods
    assert method.id == vector["verification_method_id"]
    assert method.type == vector["type"]
    assert method.to_json()["blockchainAccountId"] == vector["blockchainAccountId"]
    assert method.key_kind == "eth_address"
    address = vector["blockchainAccountId"].rsplit(":", 1)[1]
    assert method.eth_address.lower() == address
    assert method.eth_address == ethereum_address_of(vector["did"])
    for relationship in ("authentication", "assertionMethod"):
        assert relationship in vector["relationships"]
        assert document.methods_for(relationship) == (method,)


def test_did_pkh_accepts_a_checksummed_address() -> None:
    address = Account.from_key(b"\x01" * 32).address
    assert ethereum_address_of(f"did:pkh:eip155:137:{address}") == address


@pytest.mark.parametrize(
    "did",
    [
        "did:pkh:eip155:1:0xB9c5714089478a327f09197987f16f9e5d936e8a",  # bad EIP-55 checksum
        "did:pkh:eip155:01:0xb9c5714089478a327f09197987f16f9e5d936e8a",  # leading zero
        "did:pkh:eip155:abc:0xb9c5714089478a327f09197987f16f9e5d936e8a",  # not decimal
        "did:pkh:eip155:1:0xb9c5714089478a327f09197987f16f9e5d936e8",  # 39 hex digits
        "did:pkh:eip155:1",
        "did:pkh:EIP155:1:0xb9c5714089478a327f09197987f16f9e5d936e8a",  # bad CAIP-2 namespace
    ],
)
def test_malformed_did_pkh_is_invalid(did: str) -> None:
    with pytest.raises(InvalidDid):
        RESOLVER.resolve(did)


@pytest.mark.parametrize(
    "did",
    [
        "did:pkh:solana:4sGjMW1sUnHzSxGspuhpqLDx6wiyjNtZ:CKg5d12Jhpej1JqtmxLJgaFqqeYjxgPqToJ4LBdvG9Ev",
        "did:pkh:tezos:NetXdQprcVkpaWU:tz1TzrmTBSuiVHV2VfMnGRMYvTEPCP42oSM8",
    ],
)
def test_non_ethereum_did_pkh_is_unsupported(did: str) -> None:
    with pytest.raises(UnsupportedDidMethod, match="only eip155"):
        RESOLVER.resolve(did)


# --- did:ethr ------------------------------------------------------------------------------

ETHR_ADDRESS = "0xb9c5714089478a327f09197987f16f9e5d936e8a"


@pytest.mark.parametrize(
    ("network", "chain"),
    [
        ("", 1),
        ("mainnet:", 1),
        ("sepolia:", 11155111),
        ("goerli:", 5),
        ("0x1:", 1),
        ("0xaa36a7:", 11155111),
    ],
)
def test_did_ethr_networks(network: str, chain: int) -> None:
    did = f"did:ethr:{network}{ETHR_ADDRESS}"
    (method,) = RESOLVER.resolve(did).verification_methods
    assert method.id == f"{did}#controller"
    assert method.type == "EcdsaSecp256k1RecoveryMethod2020"
    assert method.to_json()["blockchainAccountId"] == f"eip155:{chain}:{method.eth_address}"
    assert method.eth_address.lower() == ETHR_ADDRESS


@pytest.mark.parametrize("vector", SECP256K1_KEYS, ids=lambda v: v["did"][-8:])
def test_did_ethr_public_key_form_derives_the_address(vector: dict[str, Any]) -> None:
    did = f"did:ethr:sepolia:0x{vector['public_key_compressed_hex']}"
    assert ethereum_address_of(did) == vector["eth_address_computed"]
    assert Account.from_key(vector["private_key_hex"]).address == vector["eth_address_computed"]


def test_did_ethr_unknown_network_lists_the_known_ones() -> None:
    with pytest.raises(UnsupportedDidMethod, match=r"mainnet, .*sepolia"):
        RESOLVER.resolve(f"did:ethr:atlantis:{ETHR_ADDRESS}")


@pytest.mark.parametrize(
    "did",
    [
        "did:ethr:0x12",
        "did:ethr:0xzz:" + ETHR_ADDRESS,
        "did:ethr:0x0:" + ETHR_ADDRESS,
        "did:ethr:0x" + "04" + "11" * 32,  # 33 bytes but not a compressed point prefix
        "did:ethr:0xB9c5714089478a327f09197987f16f9e5d936e8a",  # bad checksum
    ],
)
def test_malformed_did_ethr_is_invalid(did: str) -> None:
    with pytest.raises(InvalidDid):
        RESOLVER.resolve(did)


def test_ethereum_address_of_non_ethereum_dids_is_none() -> None:
    assert ethereum_address_of(ED25519_KEYS[0]["did"]) is None
    assert ethereum_address_of("did:web:example.com") is None


# --- did:web URLs --------------------------------------------------------------------------


@pytest.mark.parametrize("vector", VECTORS["did_web"], ids=lambda v: v["did"])
def test_did_web_url_vectors(vector: dict[str, str]) -> None:
    assert did_web_url(vector["did"]) == vector["url"]


def test_did_web_url_accepts_ipv4_and_lowercase_port_escape() -> None:
    assert did_web_url("did:web:10.0.0.1%3a8443") == "https://10.0.0.1:8443/.well-known/did.json"


@pytest.mark.parametrize(
    "did",
    [
        "did:web:example.com:..:secret",
        "did:web:example.com:.",
        "did:web:example.com::x",
        "did:web:example.com:%2E%2E",
        "did:web:example.com:a%2Fb",
        "did:web:example.com%2Fevil",
        "did:web:example.com%3A99999",
        "did:web:example.com%3A0",
        "did:web:example.com%3A",
        "did:web:-bad.example.com",
        "did:web:bad-.example.com",
        "did:web:1.2.3",
        "did:web:example..com",
        "did:web:" + "a" * 64 + ".com",
    ],
)
def test_did_web_url_rejects_bad_hosts_and_traversal(did: str) -> None:
    with pytest.raises(InvalidDid):
        did_web_url(did)


def test_did_web_url_requires_did_web() -> None:
    with pytest.raises(InvalidDid, match="not a did:web"):
        did_web_url(ED25519_KEYS[0]["did"])


# --- did:web documents ---------------------------------------------------------------------

ED_KEY = bytes(SigningKey(b"\x07" * 32).verify_key)
ETH_ACCOUNT = Account.from_key(SECP256K1_KEYS[0]["private_key_hex"])
ETH_COMPRESSED = SECP256K1_KEYS[0]["public_key_compressed_hex"]


def _multikey(codec: bytes, key: bytes) -> str:
    return "z" + base58.b58encode(codec + key).decode()


def _vm(fragment: str, method_type: str, **material: Any) -> dict[str, Any]:
    return {"id": f"#{fragment}", "type": method_type, "controller": WEB_DID, **material}


def _web_document(**overrides: Any) -> dict[str, Any]:
    uncompressed = _uncompressed(ETH_COMPRESSED)
    document: dict[str, Any] = {
        "@context": ["https://www.w3.org/ns/did/v1"],
        "id": WEB_DID,
        "verificationMethod": [
            _vm(
                "ed2018",
                "Ed25519VerificationKey2018",
                publicKeyBase58=base58.b58encode(ED_KEY).decode(),
            ),
            _vm(
                "ed2020",
                "Ed25519VerificationKey2020",
                publicKeyMultibase=_multikey(b"\xed\x01", ED_KEY),
            ),
            _vm("multikey", "Multikey", publicKeyMultibase=_multikey(b"\xed\x01", ED_KEY)),
            _vm(
                "jwk",
                "JsonWebKey2020",
                publicKeyJwk={"kty": "OKP", "crv": "Ed25519", "x": _b64url(ED_KEY)},
            ),
            _vm(
                "recovery",
                "EcdsaSecp256k1RecoveryMethod2020",
                blockchainAccountId=f"eip155:1:{ETH_ACCOUNT.address}",
            ),
            _vm(
                "address",
                "EcdsaSecp256k1RecoveryMethod2020",
                ethereumAddress=ETH_ACCOUNT.address.lower(),
            ),
            _vm(
                "k1jwk",
                "EcdsaSecp256k1VerificationKey2019",
                publicKeyJwk={
                    "kty": "EC",
                    "crv": "secp256k1",
                    "x": _b64url(uncompressed[1:33]),
                    "y": _b64url(uncompressed[33:]),
                },
            ),
            _vm("k1hex", "EcdsaSecp256k1VerificationKey2019", publicKeyHex=ETH_COMPRESSED),
            _vm(
                "k1multikey",
                "Multikey",
                publicKeyMultibase=_multikey(b"\xe7\x01", bytes.fromhex(ETH_COMPRESSED)),
            ),
            _vm("rsa", "RsaVerificationKey2018", publicKeyPem="-----BEGIN PUBLIC KEY-----"),
            _vm(
                "p256",
                "JsonWebKey2020",
                publicKeyJwk={"kty": "EC", "crv": "P-256", "x": "a", "y": "b"},
            ),
            _vm("x25519", "Multikey", publicKeyMultibase=_multikey(b"\xec\x01", b"\x01" * 32)),
        ],
        "authentication": [
            "#ed2020",
            f"{WEB_DID}#recovery",
            "#rsa",
            "did:key:z6MkOther#z6MkOther",
            _vm(
                "embedded",
                "Ed25519VerificationKey2020",
                publicKeyMultibase=_multikey(b"\xed\x01", ED_KEY),
            ),
        ],
        "assertionMethod": ["#jwk", "#address", "#p256"],
        "service": [{"id": "#linked", "type": "LinkedDomains", "serviceEndpoint": "https://x"}],
    }
    document.update(overrides)
    return document


def _resolve_web(body: bytes | dict[str, Any], did: str = WEB_DID) -> DidDocument:
    seen: list[str] = []

    def fetch(url: str) -> bytes:
        seen.append(url)
        return body if isinstance(body, bytes) else json.dumps(body).encode()

    document = DidResolver(web_fetcher=fetch).resolve(did)
    assert seen == [did_web_url(did)]
    return document


def test_did_web_document_supports_every_listed_key_format() -> None:
    document = _resolve_web(_web_document())
    kinds = {vm.id.split("#")[1]: vm for vm in document.verification_methods}
    assert set(kinds) == {
        "ed2018",
        "ed2020",
        "multikey",
        "jwk",
        "recovery",
        "address",
        "k1jwk",
        "k1hex",
        "k1multikey",
        "embedded",
    }
    for name in ("ed2018", "ed2020", "multikey", "jwk", "embedded"):
        assert kinds[name].ed25519_public_key == ED_KEY
    for name in ("recovery", "address", "k1jwk", "k1hex", "k1multikey"):
        assert kinds[name].eth_address == ETH_ACCOUNT.address
    assert document.authentication == (
        f"{WEB_DID}#ed2020",
        f"{WEB_DID}#recovery",
        f"{WEB_DID}#embedded",
    )
    assert document.assertion_method == (f"{WEB_DID}#jwk", f"{WEB_DID}#address")
    assert [vm.id for vm in document.methods_for("assertionMethod")] == list(
        document.assertion_method
    )
    assert document.method("#jwk") is kinds["jwk"]
    assert document.method("did:web:other#jwk") is None


def test_did_web_document_round_trips_through_json() -> None:
    document = _resolve_web(_web_document())
    data = document.to_json()
    assert data["@context"][0] == "https://www.w3.org/ns/did/v1"
    reparsed = DidDocument.from_json(data, expected_id=WEB_DID)
    multikey_eth = document.method("#k1multikey")
    assert multikey_eth is not None and multikey_eth.type == "Multikey"
    assert reparsed.method("#k1multikey") == replace(
        multikey_eth, type="EcdsaSecp256k1RecoveryMethod2020"
    )
    assert replace(reparsed, verification_methods=document.verification_methods) == document
    assert [vm.id for vm in reparsed.verification_methods] == [
        vm.id for vm in document.verification_methods
    ]
    assert all(
        reparsed.method(vm.id) == vm for vm in document.verification_methods if vm != multikey_eth
    )


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"not json", "not valid JSON"),
        (b"\xff\xfe", "not UTF-8"),
        (b"[1, 2]", "must be a JSON object"),
        (b'{"id": "did:web:example.com:users:alice", "id": "did:web:x"}', "duplicate member"),
        (b"[" * 100_000 + b"]" * 100_000, "nests deeper"),
        (_web_document(id="did:web:evil.example"), "does not match"),
        (_web_document(verificationMethod={"id": "#x"}), "must be an array"),
        (_web_document(verificationMethod=["#x"]), "must be an object"),
        (
            _web_document(verificationMethod=[{"type": "Multikey", "controller": WEB_DID}]),
            "non-empty string",
        ),
        (
            _web_document(
                verificationMethod=[
                    _vm("a", "Multikey", publicKeyMultibase="zz"),
                    _vm("a", "Multikey", publicKeyMultibase="zz"),
                ]
            ),
            "duplicate",
        ),
        (
            _web_document(
                verificationMethod=[{"id": "#a", "type": "Multikey", "publicKeyMultibase": "z6Mk"}]
            ),
            "controller",
        ),
        (
            _web_document(
                verificationMethod=[
                    _vm("a", "Ed25519VerificationKey2020", publicKeyMultibase="z0OIl")
                ]
            ),
            "base58",
        ),
        (
            _web_document(
                verificationMethod=[
                    _vm(
                        "a",
                        "Ed25519VerificationKey2020",
                        publicKeyMultibase=_multikey(b"\xec\x01", b"\x01" * 32),
                    )
                ]
            ),
            "X25519",
        ),
        (
            _web_document(
                verificationMethod=[_vm("a", "Ed25519VerificationKey2018", publicKeyBase58="abc")]
            ),
            "32 bytes",
        ),
        (
            _web_document(
                verificationMethod=[
                    _vm(
                        "a",
                        "JsonWebKey2020",
                        publicKeyJwk={
                            "kty": "OKP",
                            "crv": "Ed25519",
                            "x": _b64url(ED_KEY),
                            "d": _b64url(ED_KEY),
                        },
                    )
                ]
            ),
            "private key",
        ),
        (
            _web_document(verificationMethod=[_vm("a", "EcdsaSecp256k1RecoveryMethod2020")]),
            "no blockchainAccountId",
        ),
        (
            _web_document(
                verificationMethod=[
                    _vm("a", "EcdsaSecp256k1RecoveryMethod2020", ethereumAddress="0x1234")
                ]
            ),
            "not an Ethereum",
        ),
        (
            _web_document(
                verificationMethod=[
                    _vm("a", "EcdsaSecp256k1VerificationKey2019", publicKeyHex="02" + "00" * 32)
                ]
            ),
            "#a",
        ),
        (_web_document(authentication=["#missing"]), "undefined method"),
        (_web_document(authentication=[42]), "non-empty string"),
        (_web_document(assertionMethod="#jwk"), "must be an array"),
        (_web_document(authentication=["https://example.com#key"]), "not a DID URL"),
    ],
)
def test_malformed_did_web_documents_fail_resolution(body: Any, reason: str) -> None:
    with pytest.raises(DidResolutionFailed, match=reason):
        _resolve_web(body)


def test_hostile_json_is_rejected_in_linear_time() -> None:
    started = time.monotonic()
    for body in (b'"\\' * 120_000, b'["\\"' * 60_000, b"[" * 200_000):
        with pytest.raises(DidResolutionFailed):
            _resolve_web(body)
    assert time.monotonic() - started < 2


def test_did_web_without_fetcher_is_not_configured() -> None:
    with pytest.raises(DidResolutionFailed, match="did:web resolution is not configured"):
        DidResolver().resolve(WEB_DID)


def test_verification_method_needs_exactly_one_key() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        VerificationMethod(id="did:web:x#a", type="Multikey", controller="did:web:x")


def test_document_relationships_must_reference_its_methods() -> None:
    with pytest.raises(ValueError, match="unknown methods"):
        DidDocument("did:web:x", (), authentication=("did:web:x#a",), assertion_method=())
