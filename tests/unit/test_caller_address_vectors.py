"""The engine address of a DID across implementations: the committed shared vectors (which the
web UI's engineAddressOf test reads) are what Python's caller_address gives now."""

from __future__ import annotations

from cms.domain.engine.callers import caller_address
from tests.vectors import caller_address_vectors


def test_the_committed_vectors_are_current():
    committed = caller_address_vectors.FILE.read_text(encoding="utf-8")
    assert committed == caller_address_vectors.text(), (
        "run python -m tests.vectors.caller_address_vectors")


def test_the_vectors_cover_both_derivations():
    vectors = caller_address_vectors.vectors()["vectors"]
    own = [v for v in vectors if v["did"].startswith(("did:pkh:", "did:ethr:"))]
    hashed = [v for v in vectors if v not in own]
    assert len(own) >= 2 and len(hashed) >= 2
    for vector in own:
        assert vector["address"].lower() in vector["did"].lower()
    for vector in hashed:
        assert vector["address"] == caller_address(vector["did"])
