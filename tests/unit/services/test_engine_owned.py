"""Each identity finds the engine contracts it deployed (listEngineContracts): its own only,
newest first, page by page from any position of the cursor's shape."""

from __future__ import annotations

import pytest

from cms.bootstrap import MemoryServices
from cms.domain.engine.errors import EngineValidationError
from cms.domain.identity import Caller
from cms.services.engine import ContractDeployment
from cms_client import Ed25519Signer

OWNER = Caller("did:pkh:eip155:1:0x5B38Da6a701c568545dCfcB03FcB875f56beddC4")
OTHER = Caller(Ed25519Signer().did)


@pytest.fixture
def engine():
    return MemoryServices().engine


def deploy(engine, caller: Caller, name: str) -> str:
    return engine.deploy(caller, ContractDeployment(kind="erc20", name=name, init_args={
        "name": name, "symbol": "T", "initial_supply": "5"})).metadata.address


def test_an_identity_sees_its_own_deployments_newest_first_page_by_page(engine):
    mine = [deploy(engine, OWNER, f"Token {n}") for n in range(3)]
    deploy(engine, OTHER, "Someone else's")
    # Newest first; contracts of the same instant by address.
    expected = sorted(mine, reverse=True, key=lambda address: (
        engine.contract(address).metadata.created_at, address.lower()))
    first = engine.owned(OWNER, limit=2)
    assert [c.metadata.address for c in first.contracts] == expected[:2]
    assert first.contracts[0].executions == 1  # the constructor, with its totals
    second = engine.owned(OWNER, limit=2, cursor=first.next_cursor)
    assert [c.metadata.address for c in second.contracts] == expected[2:]
    assert second.next_cursor is None
    assert [c.metadata.name for c in engine.owned(OTHER).contracts] == ["Someone else's"]


def test_any_cursor_of_the_shape_is_a_position(engine):
    deploy(engine, OWNER, "Token")
    assert engine.owned(OWNER, cursor="1970-01-01T00:00:00Z_0x" + "0" * 40).contracts == []
    last = "9999-12-31T23:59:59.999999Z_0x" + "f" * 40
    assert len(engine.owned(OWNER, cursor=last).contracts) == 1


@pytest.mark.parametrize("cursor", ["nope", "2026-12-07T06:00:00.000Z_0xABC"])
def test_a_cursor_of_another_shape_is_refused(engine, cursor):
    with pytest.raises(EngineValidationError):
        engine.owned(OWNER, cursor=cursor)


@pytest.mark.parametrize("limit", [0, 101])
def test_the_page_size_is_bounded(engine, limit):
    with pytest.raises(EngineValidationError):
        engine.owned(OWNER, limit=limit)
