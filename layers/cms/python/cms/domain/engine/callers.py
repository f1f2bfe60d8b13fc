"""Which address an API caller has inside the engine: the API caller is the contract caller.

Contracts see 20-byte addresses, callers are DIDs. An Ethereum-backed DID (``did:pkh:eip155``,
``did:ethr``, including a did:ethr named by its public key) acts as its own address, as the
platform's DID resolution derives it, so a token held by that DID in the engine is held by the
same address as on a chain. Any other DID gets the last 20 bytes of keccak256 of the DID string:
stable, and as unguessable as an Ethereum address.
"""

from __future__ import annotations

from eth_utils import keccak, to_checksum_address

from cms.domain.did.methods import ethereum_address_of
from cms.domain.errors import DomainError


def caller_address(did: str) -> str:
    """The EIP-55 address a DID acts as in the engine."""
    try:
        address = ethereum_address_of(did)
    except DomainError:  # not a DID this platform parses: it still gets a stable address
        address = None
    return address or to_checksum_address(keccak(text=did)[12:])
