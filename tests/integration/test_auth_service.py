"""The auth service against the local stack's moto (real DynamoDB semantics)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from cms.config import settings
from cms.domain.errors import RateLimited
from cms.services import container
from cms.services.auth import AuthService
from cms_client import Ed25519Signer


@pytest.fixture
def strict_ip_limit(stack):
    base = container.auth()
    return AuthService(
        identities=base._identities, challenges=base._challenges,
        rate_limits=base._rate_limits, resolver=base._resolver, tokens=base._tokens,
        settings=replace(settings(), signin_ip_burst=3, signin_ip_per_minute=1))


def test_sign_in_is_limited_per_source_address_across_dids(strict_ip_limit):
    signers = [Ed25519Signer() for _ in range(4)]
    for number, signer in enumerate(signers):
        strict_ip_limit.register(signer.did, signer.public_key,
                                 source_ip=f"198.51.100.{number + 1}")
    for signer in signers[:3]:
        strict_ip_limit.challenge(signer.did, "203.0.113.7")
    with pytest.raises(RateLimited) as refused:
        strict_ip_limit.challenge(signers[3].did, "203.0.113.7")
    assert refused.value.retry_after >= 1
    strict_ip_limit.challenge(signers[3].did, "198.51.100.9")  # another address is unaffected


def test_concurrent_registration_of_one_did_creates_one_identity(stack):
    from concurrent.futures import ThreadPoolExecutor

    signer = Ed25519Signer()
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(
            lambda _: container.auth().register(signer.did, signer.public_key,
                                               source_ip="198.51.100.2"), range(4)))
    assert sum(r.created for r in results) == 1
    assert len({r.identity.identity_id for r in results}) == 1
    assert len(results[0].identity.credentials) == 1


def test_nobody_can_lock_a_did_out_from_another_address(stack):
    signer = Ed25519Signer()
    auth = container.auth()
    auth.register(signer.did, signer.public_key, source_ip="192.0.2.10")
    with pytest.raises(RateLimited):
        for _ in range(30):
            auth.challenge(signer.did, "192.0.2.66")  # an attacker hammering the DID
    issued = auth.challenge(signer.did, "192.0.2.10")  # the owner, elsewhere, still gets in
    signature = signer.sign_message(issued.challenge)
    assert auth.verify(signer.did, issued.challenge, signature, "192.0.2.10").token
