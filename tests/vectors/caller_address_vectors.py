"""Shared vectors for the engine address of a DID (cms.domain.engine.callers.caller_address):
the web UI's ``engineAddressOf`` must give the same EIP-55 address for each DID.

Regenerate with ``python -m tests.vectors.caller_address_vectors`` (test_caller_address_vectors
checks the committed file is current). A did:ethr named by a public key is left out: the web UI
does not derive it and takes the server's word."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cms.domain.engine.callers import caller_address

FILE = Path(__file__).parent / "caller_addresses" / "vectors.json"
DIDS = (
    "did:pkh:eip155:31337:0x5b38da6a701c568545dcfcb03fcb875f56beddc4",
    "did:pkh:eip155:1:0xAb8483F64d9C6d1EcF9b849Ae677dD3315835cb2",
    "did:ethr:0x4b20993bc481177ec7e8f571cecae8a9e22c02db",
    "did:ethr:sepolia:0x78731D3Ca6b7E34aC0F824c42a7cC18A495cabaB",
    "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
    "did:key:z6MkpTHR8VNsBxYAAWHut2Geadd9jSwuBV8xRoAnwWsdvktH",
    "did:key:zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169",
    "did:web:example.com",
    "did:web:example.com:users:alice",
)


def vectors() -> dict[str, Any]:
    return {"source": "cms.domain.engine.callers.caller_address",
            "vectors": [{"did": did, "address": caller_address(did)} for did in DIDS]}


def text() -> str:
    return json.dumps(vectors(), indent=2) + "\n"


if __name__ == "__main__":
    FILE.write_text(text(), encoding="utf-8")
