"""Registration and sign-in on the in-memory stores: the rules, in milliseconds.

The HTTP surface (status codes, the token at the gateway) is tested end to end in
tests/e2e/test_auth_api.py; the stores' guarantees in tests/contract.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest

from cms.bootstrap import MemoryServices
from cms.config import Settings
from cms.domain.errors import (
    ChallengeExpired,
    ChallengeMismatch,
    ChallengeNotFound,
    ChallengeUsed,
    IdentityNotFound,
    IdentitySuspended,
    InvalidSignature,
    KeyMismatch,
    MalformedSignature,
    RateLimited,
    ValidationFailed,
)
from cms.domain.identity import Caller, IdentityStatus, Role
from cms_client import Ed25519Signer, EthereumSigner

HOME, ELSEWHERE = "192.0.2.10", "198.51.100.66"


@pytest.fixture
def services() -> MemoryServices:
    return MemoryServices(Settings(chain_id=31337))


@pytest.fixture
def auth(services):
    return services.auth


def registered(auth, signer=None, ip=HOME):
    signer = signer or Ed25519Signer()
    auth.register(signer.did, signer.public_key, source_ip=ip)
    return signer


def sign_in(auth, signer, ip=HOME):
    issued = auth.challenge(signer.did, ip)
    return auth.verify(signer.did, issued.challenge, signer.sign_message(issued.challenge), ip)


@pytest.mark.parametrize("make", [Ed25519Signer, lambda: EthereumSigner(chain_id=31337)])
def test_a_registered_party_signs_in_with_its_key(auth, make):
    signer = registered(auth, make())
    issued = sign_in(auth, signer)
    assert issued.token and issued.expires_at


def test_registering_the_same_key_again_creates_nothing(auth):
    signer = Ed25519Signer()
    first = auth.register(signer.did, signer.public_key, source_ip=HOME)
    again = auth.register(signer.did, signer.public_key, source_ip=HOME)
    assert (first.created, again.created) == (True, False)
    assert again.identity.identity_id == first.identity.identity_id


def test_a_key_that_is_not_the_dids_is_refused(auth):
    with pytest.raises(KeyMismatch):
        auth.register(Ed25519Signer().did, Ed25519Signer().public_key, source_ip=HOME)


def test_concurrent_registrations_of_one_did_create_one_identity(auth):
    signer = Ed25519Signer()
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: auth.register(signer.did, signer.public_key,
                                                        source_ip=HOME), range(4)))
    assert sum(r.created for r in results) == 1
    assert len({r.identity.identity_id for r in results}) == 1


# ------------------------------------------------------------ what an anonymous caller learns


class Untouchable:
    """An identity store that fails the test if anything reads it."""

    def __getattr__(self, name):
        raise AssertionError(f"the identity store was consulted ({name})")


def suspended(services, auth, signer=None):
    signer = registered(auth, signer)
    admin = Caller("did:key:z6MkAdmin", frozenset({Role.ADMIN.value}))
    services.identities.administer(admin, signer.did, status=IdentityStatus.SUSPENDED)
    return signer


def test_a_challenge_is_issued_for_any_did_without_reading_the_identity(services, auth):
    """Unknown, registered and suspended DIDs get the same answer by the same code path: the
    identity store is never read, so neither the answer nor its timing can differ."""
    unknown, known, barred = Ed25519Signer(), registered(auth), suspended(services, auth)
    blind = replace_settings(services)
    blind._identities = Untouchable()
    answers = [blind.challenge(signer.did, HOME) for signer in (unknown, known, barred)]
    assert [sorted(vars(a)) for a in answers] == [["challenge", "expires_at", "nonce"]] * 3
    for signer, answer in zip((unknown, known, barred), answers, strict=True):
        assert signer.did in answer.challenge


def test_verification_tells_an_identitys_state_only_to_its_keys_holder(services, auth):
    unknown, barred, impostor = Ed25519Signer(), suspended(services, auth), Ed25519Signer()
    for signer in (unknown, barred):
        text = auth.challenge(signer.did, HOME).challenge
        with pytest.raises(InvalidSignature) as refused:  # as for a registered DID
            auth.verify(signer.did, text, impostor.sign_message(text), HOME)
        assert refused.value.status == 401
    text = auth.challenge(unknown.did, HOME).challenge
    with pytest.raises(IdentityNotFound):
        auth.verify(unknown.did, text, unknown.sign_message(text), HOME)
    text = auth.challenge(barred.did, HOME).challenge
    with pytest.raises(IdentitySuspended):
        auth.verify(barred.did, text, barred.sign_message(text), HOME)


@pytest.mark.parametrize("make", [Ed25519Signer, lambda: EthereumSigner(chain_id=31337)])
def test_registration_answers_the_same_for_a_new_a_known_and_a_suspended_did(services, auth,
                                                                              make):
    signer = make()
    first = auth.register(signer.did, signer.public_key, source_ip=HOME).to_json()
    again = auth.register(signer.did, signer.public_key, source_ip=HOME).to_json()
    suspended(services, auth, signer)
    barred = auth.register(signer.did, signer.public_key, source_ip=HOME).to_json()
    assert first == again == barred
    assert set(first) == {"did", "credential"} and "created_at" not in first["credential"]


def test_registration_refuses_bad_metadata_whether_or_not_the_did_is_registered(auth):
    known = registered(auth)
    too_large = {"blob": "x" * 9000}
    for signer in (known, Ed25519Signer()):
        with pytest.raises(ValidationFailed):
            auth.register(signer.did, signer.public_key, source_ip=HOME, metadata=too_large)


class Ticking:
    """A clock that moves 10 ms at every call to the identity store it wraps."""

    def __init__(self, store):
        self.store, self.now = store, 100.0

    def __call__(self):
        return self.now

    def __getattr__(self, name):
        method = getattr(self.store, name)

        def ticking(*args, **kwargs):
            self.now += 0.01
            return method(*args, **kwargs)
        return ticking


def test_registration_takes_one_floor_whether_it_creates_or_finds(services):
    """Creating reads and writes, finding only reads: each is padded to the same floor."""
    clock = Ticking(services.identity_store)
    auth = replace_settings(services)
    auth._identities, auth._clock = clock, clock
    floor = services.settings.registration_floor_ms / 1000
    signer = Ed25519Signer()
    for _ in ("creates", "finds"):
        services.pauses.clear()
        started = clock.now
        auth.register(signer.did, signer.public_key, source_ip=HOME)
        [paused] = services.pauses
        assert clock.now - started + paused == pytest.approx(floor)
    assert services.identity_store.get(signer.did) is not None


def test_a_token_carries_the_sessions_generation_read_before_the_identity(services, auth):
    signer = registered(auth)
    me = Caller(signer.did)
    services.identities.revoke_sessions(me, signer.did)
    generation = services.identity_store.sessions(signer.did).generation
    claims = services.tokens.verify(sign_in(auth, signer).token)
    assert claims["sgen"] == generation > 0


def test_a_challenge_is_single_use(auth):
    signer = registered(auth)
    text = auth.challenge(signer.did, HOME).challenge
    signature = signer.sign_message(text)
    auth.verify(signer.did, text, signature, HOME)
    with pytest.raises(ChallengeUsed):
        auth.verify(signer.did, text, signature, HOME)


def test_of_concurrent_verifications_one_gets_a_token(auth):
    signer = registered(auth)
    text = auth.challenge(signer.did, HOME).challenge
    signature = signer.sign_message(text)

    def attempt(_: int) -> str:
        try:
            return auth.verify(signer.did, text, signature, HOME).token
        except ChallengeUsed:
            return ""

    with ThreadPoolExecutor(4) as pool:
        assert sum(bool(token) for token in pool.map(attempt, range(4))) == 1


def test_an_expired_challenge_is_refused(services, auth):
    signer = registered(auth)
    issued = auth.challenge(signer.did, HOME)
    stored = services.challenge_store.get(issued.nonce)
    services.challenge_store.put(replace(stored, expires_at="2020-01-01T00:00:00.000Z"), 0)
    with pytest.raises(ChallengeExpired):
        auth.verify(signer.did, issued.challenge, signer.sign_message(issued.challenge), HOME)


def test_altered_foreign_or_invented_challenges_are_refused(auth):
    signer = registered(auth, EthereumSigner(chain_id=31337))
    text = auth.challenge(signer.did, HOME).challenge
    for forged in (text.replace("Sign in", "Sign  in"),
                   text.replace(text.split(" ", 1)[0], "evil.example", 1)):
        with pytest.raises(ChallengeMismatch):
            auth.verify(signer.did, forged, signer.sign_message(forged), HOME)
    nonce = re.search(r"\nNonce: ([A-Za-z0-9]+)\n", text).group(1)
    invented = text.replace(nonce, "A" * len(nonce))
    with pytest.raises(ChallengeNotFound):
        auth.verify(signer.did, invented, signer.sign_message(invented), HOME)
    with pytest.raises(ChallengeMismatch):  # another DID's challenge
        other = registered(auth)
        auth.verify(other.did, text, other.sign_message(text), HOME)


def test_a_bad_signature_does_not_burn_the_challenge(auth):
    signer, other = registered(auth), Ed25519Signer()
    text = auth.challenge(signer.did, HOME).challenge
    with pytest.raises(InvalidSignature) as refused:
        auth.verify(signer.did, text, signer.sign_message(text + " "), HOME)
    assert refused.value.status == 401
    with pytest.raises(InvalidSignature):
        auth.verify(signer.did, text, other.sign_message(text), HOME)
    with pytest.raises(MalformedSignature):
        auth.verify(signer.did, text, "zz-not-a-signature", HOME)
    # In a documented encoding but of another key kind, or a non-canonical one: not the DID's
    # signature (401), never "cannot be decoded" (what the API's pattern accepts is decodable).
    for foreign in ("0x" + "11" * 64 + "1b", "0x" + "11" * 32 + "ff" * 32 + "1b"):
        with pytest.raises(InvalidSignature) as refused:
            auth.verify(signer.did, text, foreign, HOME)
        assert refused.value.status == 401
    assert auth.verify(signer.did, text, signer.sign_message(text), HOME).token


def test_sign_in_is_limited_per_did_from_one_address(auth):
    signer = registered(auth)
    with pytest.raises(RateLimited) as limited:
        for _ in range(11):
            auth.challenge(signer.did, ELSEWHERE)  # someone hammering the DID
    assert limited.value.retry_after >= 1
    assert sign_in(auth, signer, HOME).token  # the owner, elsewhere, still gets in


def test_sign_in_is_limited_per_address_across_dids(services):
    auth = replace_settings(services, signin_ip_burst=3, signin_ip_per_minute=1)
    signers = [registered(auth, ip=f"198.51.100.{n}") for n in range(1, 5)]
    for signer in signers[:3]:
        auth.challenge(signer.did, "203.0.113.7")
    with pytest.raises(RateLimited):
        auth.challenge(signers[3].did, "203.0.113.7")
    auth.challenge(signers[3].did, "198.51.100.9")  # another address is unaffected


def replace_settings(services, **changes):
    """The auth service over the same stores, with other limits."""
    from cms.services.auth import AuthService

    base = services.auth
    return AuthService(identities=services.identity_store, challenges=services.challenge_store,
                       rate_limits=services.rate_limit_store, resolver=services.resolver,
                       tokens=services.tokens,
                       settings=replace(base._settings, **changes), pause=services.pause)
