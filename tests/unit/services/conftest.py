"""Fixtures the contract service tests share: a world of in-memory services, two parties."""

from __future__ import annotations

import pytest

from tests.unit.services.contract_world import World, ed_party, eth_party


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
def parties():
    """A provider with an Ethereum key and a consumer with an Ed25519 key."""
    return eth_party(), ed_party()
