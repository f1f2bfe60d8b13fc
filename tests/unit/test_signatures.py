"""Sign-in and contract signature verification, signature decoding and public-key matching."""

from __future__ import annotations

import base64
import json
from typing import Any

import base58
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from eth_account import Account
from eth_account.messages import encode_defunct, encode_typed_data
from eth_utils import keccak
from nacl.signing import SigningKey

from cms.domain.did import DidDocument, DidResolver, did_key_from_ed25519
from cms.domain.errors import (
    InvalidSignature,
    KeyMismatch,
    MalformedSignature,
    ValidationFailed,
)
from cms.domain.signatures import (
    contract_signing_payload,
    decode_signature,
    match_public_key,
    verify_contract_signature,
    verify_message_signature,
)
from tests.vectors import DID_VECTORS

VECTORS = DID_VECTORS
SECP256K1_KEYS = [v for v in VECTORS["did_key"] if v["type"] == "secp256k1"]
ED25519_KEYS = [v for v in VECTORS["did_key"] if v["type"] == "Ed25519"]
RESOLVER = DidResolver()

ETH = Account.from_key("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")
ETH_DID = f"did:pkh:eip155:1:{ETH.address}"
ED = SigningKey(b"\x05" * 32)
ED_DID = did_key_from_ed25519(bytes(ED.verify_key))
DIGEST = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
CONTRACT = "ctr_01HZX3"
CHALLENGE = "Sign in to CMS\nnonce: 4f1c2a9e8b7d6c5a"


def _personal_sign(text: str, account: Any = ETH) -> str:
    return "0x" + account.sign_message(encode_defunct(text=text)).signature.hex().removeprefix("0x")


def _ed_sign(text: str, key: SigningKey = ED) -> str:
    return key.sign(text.encode()).signature.hex()


def _sign_typed(typed_data: dict[str, Any], account: Any = ETH) -> str:
    signed = account.sign_message(encode_typed_data(full_message=typed_data))
    return signed.signature.hex()


def _payload(did: str, **overrides: Any) -> dict[str, Any]:
    args = {"contract_id": CONTRACT, "digest_hex": DIGEST, "signer_did": did, "chain_id": 1}
    return contract_signing_payload(**{**args, **overrides})


def _web_document() -> DidDocument:
    """A did:web holding an Ed25519 key (authentication) and an Ethereum key (both)."""
    did = "did:web:example.com"
    return DidDocument.from_json(
        {
            "id": did,
            "verificationMethod": [
                {
                    "id": "#ed",
                    "type": "Ed25519VerificationKey2018",
                    "controller": did,
                    "publicKeyBase58": base58.b58encode(bytes(ED.verify_key)).decode(),
                },
                {
                    "id": "#eth",
                    "type": "EcdsaSecp256k1RecoveryMethod2020",
                    "controller": did,
                    "blockchainAccountId": f"eip155:1:{ETH.address}",
                },
            ],
            "authentication": ["#ed", "#eth"],
            "assertionMethod": ["#ed", "#eth"],
        },
        expected_id=did,
    )


# --- decode_signature ----------------------------------------------------------------------

ETH_SIG = VECTORS["eip191"][0]["signature"]


@pytest.mark.parametrize("text", [ETH_SIG, ETH_SIG[2:], "0X" + ETH_SIG[2:].upper()])
def test_eth_signature_hex_with_or_without_prefix(text: str) -> None:
    assert decode_signature(text, kind="eth") == bytes.fromhex(ETH_SIG[2:])


@pytest.mark.parametrize(("v", "normalised"), [(0, 27), (1, 28), (27, 27), (28, 28)])
def test_eth_recovery_id_is_normalised(v: int, normalised: int) -> None:
    raw = decode_signature(ETH_SIG[:-2] + f"{v:02x}", kind="eth")
    assert raw[64] == normalised


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "non-empty"),
        (ETH_SIG[:-2], "65 bytes"),
        (ETH_SIG + "00", "65 bytes"),
        (ETH_SIG + "0", "65 bytes"),
        ("0x" + "zz" * 65, "65 bytes"),
        (" " + ETH_SIG, "65 bytes"),
        (ETH_SIG[:-2] + "1d", "v=29"),
        (ETH_SIG[:66] + "ff" * 32 + "1b", "high s"),
    ],
)
def test_malformed_eth_signatures(text: str, reason: str) -> None:
    with pytest.raises(MalformedSignature, match=reason):
        decode_signature(text, kind="eth")


ED_SIG = bytes(range(64))


@pytest.mark.parametrize(
    "text",
    [
        ED_SIG.hex(),
        "0x" + ED_SIG.hex(),
        base64.urlsafe_b64encode(ED_SIG).decode().rstrip("="),
        base64.urlsafe_b64encode(ED_SIG).decode(),
        base64.b64encode(ED_SIG).decode(),
        base64.b64encode(ED_SIG).decode().rstrip("="),
    ],
)
def test_ed25519_signature_encodings(text: str) -> None:
    assert decode_signature(text, kind="ed25519") == ED_SIG


@pytest.mark.parametrize(
    "text",
    [
        ED_SIG.hex()[:-2],
        base64.b64encode(ED_SIG[:63]).decode(),
        base64.b64encode(ED_SIG).decode().replace("/", "_").replace("+", "-") + "+",
        "not a signature!",
        base64.b64encode(ED_SIG).decode()[:-3] + "B==",  # non-canonical trailing bits
    ],
)
def test_malformed_ed25519_signatures(text: str) -> None:
    with pytest.raises(MalformedSignature, match="Ed25519 signature must be 64 bytes"):
        decode_signature(text, kind="ed25519")


# --- sign-in -------------------------------------------------------------------------------


@pytest.mark.parametrize("vector", VECTORS["eip191"], ids=lambda v: v["address"])
def test_eip191_vectors_verify_for_did_pkh(vector: dict[str, Any]) -> None:
    document = RESOLVER.resolve(f"did:pkh:eip155:1:{vector['address']}")
    method = verify_message_signature(document, vector["message_text"], vector["signature"])
    assert method.eth_address == vector["address"]
    assert Account.from_key(vector["private_key"]).address == vector["address"]
    if "message_hash" in vector:
        signable = encode_defunct(text=vector["message_text"])
        digest = keccak(b"\x19" + signable.version + signable.header + signable.body)
        assert "0x" + digest.hex() == vector["message_hash"]
        assert vector["message_text"].encode().hex() == vector["message_utf8_hex"]


@pytest.mark.parametrize("vector", VECTORS["eip191"], ids=lambda v: v["address"])
def test_eip191_signature_over_other_text_fails(vector: dict[str, Any]) -> None:
    document = RESOLVER.resolve(f"did:pkh:eip155:1:{vector['address']}")
    with pytest.raises(InvalidSignature):
        verify_message_signature(document, vector["message_text"] + ".", vector["signature"])


@pytest.mark.parametrize("vector", VECTORS["ed25519_rfc8032"], ids=lambda v: v["name"])
def test_rfc8032_vectors_verify_for_did_key(vector: dict[str, Any]) -> None:
    document = RESOLVER.resolve(vector["did_key_computed"])
    message = bytes.fromhex(vector["message_hex"]).decode()
    key = SigningKey(bytes.fromhex(vector["secret_key_hex"]))
    assert key.sign(message.encode()).signature.hex() == vector["signature_hex"]
    method = verify_message_signature(document, message, vector["signature_hex"])
    assert method.ed25519_public_key == bytes.fromhex(vector["public_key_hex"])
    with pytest.raises(InvalidSignature):
        verify_message_signature(document, message + "x", vector["signature_hex"])


def test_signature_by_another_key_fails() -> None:
    with pytest.raises(InvalidSignature):
        verify_message_signature(
            RESOLVER.resolve(ED_DID), CHALLENGE, _ed_sign(CHALLENGE, SigningKey(b"\x06" * 32))
        )
    with pytest.raises(InvalidSignature):
        verify_message_signature(
            RESOLVER.resolve(ETH_DID),
            CHALLENGE,
            _personal_sign(CHALLENGE, Account.from_key(b"\x02" * 32)),
        )


def test_sign_in_tries_every_method_of_the_relationship() -> None:
    document = _web_document()
    assert verify_message_signature(document, CHALLENGE, _ed_sign(CHALLENGE)).id.endswith("#ed")
    by_eth = verify_message_signature(document, CHALLENGE, _personal_sign(CHALLENGE))
    assert by_eth.id.endswith("#eth")


def test_undecodable_signature_is_malformed_not_invalid() -> None:
    with pytest.raises(MalformedSignature):
        verify_message_signature(_web_document(), CHALLENGE, "0x1234")


def test_document_without_methods_for_the_relationship() -> None:
    empty = DidDocument("did:web:example.com", (), (), ())
    with pytest.raises(InvalidSignature, match="no verification method"):
        verify_message_signature(empty, CHALLENGE, _ed_sign(CHALLENGE))


# --- contract signatures -------------------------------------------------------------------


def test_ethereum_contract_payload_is_eip712() -> None:
    payload = _payload(ETH_DID, chain_id=11155111)
    assert payload["scheme"] == "eip712"
    typed = payload["typed_data"]
    assert typed["primaryType"] == "ContractSignature"
    assert typed["domain"] == {
        "name": "CMS Contract Signature",
        "version": "1",
        "chainId": 11155111,
    }
    assert typed["message"] == {"contractId": CONTRACT, "digest": "0x" + DIGEST, "signer": ETH_DID}
    assert [f["name"] for f in typed["types"]["ContractSignature"]] == [
        "contractId",
        "digest",
        "signer",
    ]
    assert _payload(f"did:ethr:{ETH.address}")["scheme"] == "eip712"


def test_ed25519_contract_payload_is_a_prefixed_message() -> None:
    assert _payload(ED_DID) == {
        "scheme": "ed25519-prefixed-digest",
        "message": f"cms-contract-signature/v1\ncontract:{CONTRACT}\n"
        f"digest:sha256:{DIGEST}\nsigner:{ED_DID}",
    }


def test_did_web_contract_payload_offers_both_forms() -> None:
    payload = _payload("did:web:example.com")
    assert payload["scheme"] == "any"
    assert payload["typed_data"]["message"]["signer"] == "did:web:example.com"
    assert payload["message"].endswith("signer:did:web:example.com")


@pytest.mark.parametrize(
    "overrides",
    [
        {"digest_hex": DIGEST.upper()},
        {"digest_hex": DIGEST[:-1]},
        {"contract_id": ""},
        {"contract_id": "a\ndigest:sha256:00"},
        {"chain_id": 0},
        {"chain_id": True},
    ],
)
def test_contract_payload_rejects_bad_fields(overrides: dict[str, Any]) -> None:
    with pytest.raises(ValidationFailed):
        _payload(ETH_DID, **overrides)


def _verify(document: DidDocument, signature: str, **overrides: Any) -> Any:
    args = {"contract_id": CONTRACT, "digest_hex": DIGEST, "chain_id": 1}
    return verify_contract_signature(document, signature=signature, **{**args, **overrides})


def test_eip712_contract_signature_verifies() -> None:
    document = RESOLVER.resolve(ETH_DID)
    signature = _sign_typed(_payload(ETH_DID)["typed_data"])
    assert _verify(document, signature).eth_address == ETH.address


def test_ed25519_contract_signature_verifies() -> None:
    document = RESOLVER.resolve(ED_DID)
    signature = _ed_sign(_payload(ED_DID)["message"])
    assert _verify(document, signature).ed25519_public_key == bytes(ED.verify_key)


@pytest.mark.parametrize(
    "overrides",
    [{"digest_hex": "0" * 64}, {"contract_id": "ctr_other"}, {"chain_id": 5}],
)
def test_contract_signature_for_other_fields_fails(overrides: dict[str, Any]) -> None:
    eth_sig = _sign_typed(_payload(ETH_DID)["typed_data"])
    ed_sig = _ed_sign(_payload(ED_DID)["message"])
    with pytest.raises(InvalidSignature):
        _verify(RESOLVER.resolve(ETH_DID), eth_sig, **overrides)
    if "chain_id" not in overrides:
        with pytest.raises(InvalidSignature):
            _verify(RESOLVER.resolve(ED_DID), ed_sig, **overrides)


def test_contract_signature_for_another_signer_fails() -> None:
    other = Account.from_key(b"\x03" * 32)
    other_did = f"did:pkh:eip155:1:{other.address}"
    signature = _sign_typed(_payload(other_did)["typed_data"], other)
    assert _verify(RESOLVER.resolve(other_did), signature).eth_address == other.address
    with pytest.raises(InvalidSignature):
        _verify(RESOLVER.resolve(ETH_DID), signature)
    other_ed = SigningKey(b"\x09" * 32)
    other_ed_did = did_key_from_ed25519(bytes(other_ed.verify_key))
    with pytest.raises(InvalidSignature):
        _verify(RESOLVER.resolve(ED_DID), _ed_sign(_payload(other_ed_did)["message"], other_ed))


def test_personal_sign_of_contract_payload_is_not_a_contract_signature() -> None:
    document = RESOLVER.resolve(ETH_DID)
    web_payload = _payload(ETH_DID.replace("pkh:eip155:1", "web:example.com"))
    texts = [
        json.dumps(_payload(ETH_DID)["typed_data"]),
        _payload(ETH_DID)["typed_data"]["message"]["digest"],
        web_payload["message"].replace("did:web:example.com", ETH_DID),
    ]
    for text in texts:
        with pytest.raises(InvalidSignature):
            _verify(document, _personal_sign(text))


def test_contract_signature_cannot_be_replayed_as_sign_in() -> None:
    eth_contract_sig = _sign_typed(_payload(ETH_DID)["typed_data"])
    with pytest.raises(InvalidSignature):
        verify_message_signature(RESOLVER.resolve(ETH_DID), CHALLENGE, eth_contract_sig)
    ed_message = _payload(ED_DID)["message"]
    with pytest.raises(InvalidSignature, match="cannot be used to sign in"):
        verify_message_signature(RESOLVER.resolve(ED_DID), ed_message, _ed_sign(ed_message))


def test_sign_in_signature_is_not_a_contract_signature() -> None:
    with pytest.raises(InvalidSignature):
        _verify(RESOLVER.resolve(ED_DID), _ed_sign(f"{CONTRACT}\n{DIGEST}"))


def test_did_web_contract_signature_with_either_key_and_named_method() -> None:
    document = _web_document()
    payload = _payload(document.id)
    ed_sig = _ed_sign(payload["message"])
    eth_sig = _sign_typed(payload["typed_data"])
    assert _verify(document, ed_sig).id == "did:web:example.com#ed"
    assert _verify(document, eth_sig).id == "did:web:example.com#eth"
    assert _verify(document, eth_sig, verification_method="#eth").id.endswith("#eth")
    with pytest.raises(InvalidSignature, match="Ethereum signature"):
        _verify(document, ed_sig, verification_method="did:web:example.com#eth")
    with pytest.raises(InvalidSignature, match="not an assertionMethod"):
        _verify(document, ed_sig, verification_method="#nope")


# --- match_public_key ----------------------------------------------------------------------


@pytest.mark.parametrize("vector", ED25519_KEYS, ids=lambda v: v["did"][-8:])
def test_match_ed25519_key_in_every_encoding(vector: dict[str, Any]) -> None:
    document = RESOLVER.resolve(vector["did"])
    key = bytes.fromhex(vector["public_key_hex"])
    encodings = [
        key.hex(),
        "0x" + key.hex(),
        key.hex().upper(),
        base58.b58encode(key).decode(),
        vector["did"].removeprefix("did:key:"),
        base64.urlsafe_b64encode(key).decode().rstrip("="),
        base64.b64encode(key).decode(),
    ]
    for encoding in encodings:
        assert match_public_key(document, encoding) == document.verification_methods[0]


def _uncompressed(compressed_hex: str) -> bytes:
    point = ec.EllipticCurvePublicKey.from_encoded_point(
        ec.SECP256K1(), bytes.fromhex(compressed_hex)
    )
    return point.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)


@pytest.mark.parametrize("vector", SECP256K1_KEYS, ids=lambda v: v["did"][-8:])
def test_match_ethereum_address_and_public_keys(vector: dict[str, Any]) -> None:
    address = vector["eth_address_computed"]
    document = RESOLVER.resolve(f"did:pkh:eip155:1:{address.lower()}")
    uncompressed = _uncompressed(vector["public_key_compressed_hex"])
    encodings = [
        address,
        address.lower(),
        "0x" + address[2:].upper(),
        vector["public_key_compressed_hex"],
        "0x" + vector["public_key_compressed_hex"],
        "0x" + uncompressed.hex(),
        uncompressed[1:].hex(),
        vector["did"].removeprefix("did:key:"),
    ]
    for encoding in encodings:
        assert match_public_key(document, encoding).eth_address == address


def test_match_public_key_of_another_party_is_a_mismatch() -> None:
    eth_document = RESOLVER.resolve(ETH_DID)
    ed_document = RESOLVER.resolve(ED_DID)
    other = SECP256K1_KEYS[0]
    for key in (
        other["eth_address_computed"],
        other["public_key_compressed_hex"],
        bytes(ED.verify_key).hex(),
    ):
        with pytest.raises(KeyMismatch):
            match_public_key(eth_document, key)
    with pytest.raises(KeyMismatch):
        match_public_key(ed_document, ED25519_KEYS[0]["public_key_hex"])
    with pytest.raises(KeyMismatch):
        match_public_key(ed_document, ETH.address)


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("0x" + ETH.address[2:].swapcase(), "checksum"),
        ("", "non-empty"),
        ("clé", "ASCII"),
        ("0x1234", "not a recognised encoding"),
        ("02" + "00" * 32, "not a recognised encoding"),  # not on the curve
        ("not a key at all!", "not a recognised encoding"),
    ],
)
def test_undecodable_public_keys_are_validation_errors(key: str, reason: str) -> None:
    with pytest.raises(ValidationFailed, match=reason):
        match_public_key(RESOLVER.resolve(ETH_DID), key)


def test_match_public_key_finds_the_right_method_of_a_did_web() -> None:
    document = _web_document()
    assert match_public_key(document, bytes(ED.verify_key).hex()).id.endswith("#ed")
    assert match_public_key(document, ETH.address.lower()).id.endswith("#eth")
