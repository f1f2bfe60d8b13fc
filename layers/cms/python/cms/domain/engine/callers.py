"""Which address an API caller has inside the engine (issue 6: the caller is the contract caller).

Contracts see 20-byte addresses, callers are DIDs. An Ethereum-backed DID names its address
(``did:pkh:eip155:<chain>:0x…``, ``did:ethr:[<network>:]0x…``) and keeps it, so a token held by
that DID in the engine is held by the same address as on a chain. Any other DID gets the last
20 bytes of keccak256 of the DID string: stable, and as unguessable as an Ethereum address.
"""

from __future__ import annotations

import re

from eth_utils import keccak, to_checksum_address

_ETHEREUM_DID = re.compile(
    r"did:(?:pkh:eip155:[0-9]{1,16}|ethr(?::[A-Za-z0-9_-]{1,32})?):(0x[0-9a-fA-F]{40})")


def caller_address(did: str) -> str:
    """The EIP-55 address a DID acts as in the engine."""
    match = _ETHEREUM_DID.fullmatch(did)
    if match:
        return to_checksum_address(match.group(1).lower())
    return to_checksum_address(keccak(text=did)[12:])
