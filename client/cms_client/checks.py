"""What a client checks before it signs anything, shared by CmsClient and AsyncCmsClient:
the sign-in challenge must be bound to the API it talks to, and a contract's signing payload
is rebuilt from the contract's content, never taken on the server's word."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from cms.domain.contracts import Content, content_digest
from cms.domain.errors import DomainError
from cms.domain.signatures import contract_signing_payload
from cms.domain.siwe import HEADER_SUFFIX, parse_siwe
from cms_client.signers import Signer

DID_HEADER_SUFFIX = " wants you to sign in with your DID:"
# contract_signing_payload needs a positive chain id even when the scheme does not use it.
_UNUSED_CHAIN_ID = 1


def check_challenge(base_url: str, issued: dict[str, Any]) -> None:
    """Refuse a challenge meant for another origin (a relay) or with a foreign nonce."""
    text, nonce = issued.get("challenge"), issued.get("nonce")
    if not isinstance(text, str) or not isinstance(nonce, str):
        raise ValueError("the challenge response lacks the challenge text or its nonce")
    base = urlsplit(base_url)
    header = text.split("\n", 1)[0]
    if header.endswith(HEADER_SUFFIX):
        try:
            siwe = parse_siwe(text)
        except DomainError as error:
            raise ValueError(f"the sign-in challenge is not EIP-4361: {error}") from None
        if siwe.scheme is not None and siwe.scheme.lower() != base.scheme.lower():
            raise ValueError(f"the challenge scheme '{siwe.scheme}' is not {base.scheme}")
        domain, uri, text_nonce = siwe.domain, siwe.uri, siwe.nonce
    elif header.endswith(DID_HEADER_SUFFIX):
        domain = header[: -len(DID_HEADER_SUFFIX)]
        uri, text_nonce = _field(text, "URI: "), _field(text, "Nonce: ")
    else:
        raise ValueError("the sign-in challenge is in no format this client signs")
    if domain.lower() != base.netloc.lower():
        raise ValueError(f"the challenge is for '{domain}', not '{base.netloc}'")
    origin = f"{base.scheme}://{base.netloc}"
    if uri.rstrip("/").lower() != origin.lower():
        raise ValueError(f"the challenge URI '{uri}' is not '{origin}'")
    if text_nonce != nonce:
        raise ValueError("the nonce in the challenge text differs from the issued nonce")


def expected_signing_payload(contract_id: str, contract: dict[str, Any],
                             payload: dict[str, Any], signer: Signer) -> dict[str, Any]:
    """The payload rebuilt locally; every part the server sent must equal it."""
    try:
        digest = content_digest(contract_id, Content.from_json(contract))
    except (KeyError, TypeError) as error:
        raise ValueError(f"the contract lacks content fields: {error}") from None
    if contract.get("digest") != digest:
        raise ValueError("the contract's digest does not match its content")
    if not isinstance(payload, dict):
        raise ValueError("the signing payload is not a JSON object")
    # The chain id is the server's setting and not derivable from the contract; it only
    # names the EIP-712 domain, everything bound to the contract is still checked.
    typed_data = payload.get("typed_data")
    domain = typed_data.get("domain") if isinstance(typed_data, dict) else None
    chain_id = domain.get("chainId") if isinstance(domain, dict) else _UNUSED_CHAIN_ID
    try:
        expected = contract_signing_payload(contract_id=contract_id, digest_hex=digest,
                                            signer_did=signer.did, chain_id=chain_id)
    except DomainError as error:
        raise ValueError(f"the signing payload cannot be rebuilt: {error}") from None
    # Every part that any signer might sign (typed_data, message) and the scheme; a signer
    # then signs the local copy, so nothing else the server sent is ever signed.
    for key, value in expected.items():
        if payload.get(key) != value:
            raise ValueError(f"the server's signing payload '{key}' differs from the "
                             "one rebuilt from the contract")
    return expected


def _field(text: str, label: str) -> str:
    """The value of the single line starting with ``label``; ValueError if not exactly one."""
    values = [line[len(label):] for line in text.split("\n") if line.startswith(label)]
    if len(values) != 1:
        raise ValueError(f"the sign-in challenge must have exactly one '{label.strip()}' line")
    return values[0]
