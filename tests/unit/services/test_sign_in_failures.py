"""Every refused sign-in step is counted (the metric whose bursts the sign-in alarm watches);
a sign-in that succeeds, and an outage that is not the caller's, are not."""

from __future__ import annotations

import pytest

from cms.bootstrap import MemoryServices
from cms.config import Settings
from cms.domain.errors import DependencyUnavailable, DomainError
from cms_client import Ed25519Signer

IP = "192.0.2.10"


@pytest.fixture
def counted() -> tuple[MemoryServices, list[str]]:
    services, codes = MemoryServices(Settings(chain_id=31337, signin_burst=3)), []
    services.sign_in_failures = codes.append  # before the auth service is built
    return services, codes


def registered(services: MemoryServices) -> Ed25519Signer:
    signer = Ed25519Signer()
    services.auth.register(signer.did, signer.public_key, source_ip=IP)
    return signer


def test_a_sign_in_that_succeeds_counts_nothing(counted):
    services, codes = counted
    signer = registered(services)
    issued = services.auth.challenge(signer.did, IP)
    services.auth.verify(signer.did, issued.challenge, signer.sign_message(issued.challenge), IP)
    assert codes == []


def attempts(services: MemoryServices, signer: Ed25519Signer) -> dict:
    auth = services.auth
    issued = auth.challenge(signer.did, IP)
    good = signer.sign_message(issued.challenge)
    stranger = Ed25519Signer()
    theirs = auth.challenge(stranger.did, IP)  # issued for any DID: it reveals nothing
    return {
        "unregistered": lambda: auth.verify(stranger.did, theirs.challenge,
                                            stranger.sign_message(theirs.challenge), IP),
        "malformed DID": lambda: auth.challenge("did:nope", IP),
        "wrong key": lambda: auth.verify(signer.did, issued.challenge,
                                         Ed25519Signer().sign_message(issued.challenge), IP),
        "foreign challenge": lambda: auth.verify(signer.did, "Nonce: abcdefgh12345678", good, IP),
    }


@pytest.mark.parametrize("attempt", ["unregistered", "malformed DID", "wrong key",
                                     "foreign challenge"])
def test_each_refused_step_counts_once(counted, attempt):
    services, codes = counted
    with pytest.raises(DomainError) as refused:
        attempts(services, registered(services))[attempt]()
    assert codes == [refused.value.code]


def test_throttled_attempts_count_too(counted):
    services, codes = counted
    signer = registered(services)
    for _ in range(3):
        services.auth.challenge(signer.did, IP)
    with pytest.raises(DomainError) as refused:
        services.auth.challenge(signer.did, IP)
    assert refused.value.code == "rate_limited" and codes == ["rate_limited"]


def test_an_outage_is_not_a_failed_sign_in(counted, monkeypatch):
    services, codes = counted
    signer = registered(services)

    def unavailable(*_):
        raise DependencyUnavailable("the database is unreachable")

    issued = services.auth.challenge(signer.did, IP)
    monkeypatch.setattr(services.identity_store, "get", unavailable)
    with pytest.raises(DependencyUnavailable):
        services.auth.verify(signer.did, issued.challenge, signer.sign_message(issued.challenge),
                             IP)
    assert codes == []
