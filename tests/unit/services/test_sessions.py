"""Sessions on the in-memory stores: which tokens the authorizer still accepts after a logout,
a revocation of all of an identity's sessions, a suspension; who may end whose sessions.

The HTTP surface (the routes, the gateway's cache and the bound it gives) is tested end to end
in tests/e2e/test_sessions_api.py; the sessions record's rules in tests/unit/test_sessions.py.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from cms.bootstrap import MemoryServices
from cms.config import Settings
from cms.domain.errors import Forbidden, IdentityNotFound, InvalidToken, Unauthorized
from cms.domain.identity import Caller, IdentityStatus, Role
from cms_client import Ed25519Signer

IP = "192.0.2.1"
ADMIN, AUDITOR = Ed25519Signer(), Ed25519Signer()


@pytest.fixture
def services() -> MemoryServices:
    return MemoryServices(Settings(bootstrap_admins=(ADMIN.did,)))


def sign_in(services, signer) -> str:
    issued = services.auth.challenge(signer.did, IP)
    return services.auth.verify(signer.did, issued.challenge,
                                signer.sign_message(issued.challenge), IP).token


def party(services, signer=None) -> tuple[Ed25519Signer, str]:
    signer = signer or Ed25519Signer()
    services.auth.register(signer.did, signer.public_key, source_ip=IP)
    return signer, sign_in(services, signer)


def caller(services, token: str) -> Caller:
    """The caller as a handler sees it: from the authorizer's answer."""
    authorized = services.sessions.authorize(token)
    return Caller(authorized.did, frozenset(authorized.roles), token_id=authorized.token_id,
                  token_expires=authorized.expires)


def admin(services) -> Caller:
    _, token = party(services, ADMIN)
    return caller(services, token)


def refused(services, token: str) -> str:
    with pytest.raises(InvalidToken) as error:
        services.sessions.authorize(token)
    return error.value.detail


# ------------------------------------------------------------------ logout


def test_logout_revokes_this_token_and_no_other(services):
    signer, laptop = party(services)
    phone = sign_in(services, signer)
    services.sessions.logout(caller(services, laptop))
    assert refused(services, laptop) == "this token was logged out"
    assert services.sessions.authorize(phone).did == signer.did
    assert services.sessions.authorize(sign_in(services, signer)).did == signer.did


def test_logout_twice_is_done_once(services):
    _, token = party(services)
    me = caller(services, token)
    services.sessions.logout(me)
    services.sessions.logout(me)  # a retry inside the cache window
    assert list(services.identity_store.sessions(me.did).revoked) == [me.token_id]


def test_logout_needs_the_token_it_logs_out(services):
    signer, _ = party(services)
    with pytest.raises(Unauthorized):
        services.sessions.logout(Caller(signer.did))


def test_a_logged_out_list_past_its_limit_ends_every_session_instead():
    """The record stays small whatever one identity does: past the limit a logout is a
    revocation of all sessions, a superset of what was asked."""
    services = MemoryServices(Settings(max_revoked_tokens=3))
    signer, first = party(services)
    tokens = [first, *(sign_in(services, signer) for _ in range(3))]
    for token in tokens[:3]:
        services.sessions.logout(caller(services, token))
    assert len(services.identity_store.sessions(signer.did).revoked) == 3
    services.sessions.logout(caller(services, tokens[3]))
    stored = services.identity_store.sessions(signer.did)
    assert stored.revoked == {} and stored.generation > 0
    assert all(refused(services, token) for token in tokens)
    assert services.sessions.authorize(sign_in(services, signer)).did == signer.did


def test_concurrent_logouts_all_land(services):
    signer, first = party(services)
    callers = [caller(services, first),
               *(caller(services, sign_in(services, signer)) for _ in range(3))]
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(services.sessions.logout, callers))
    assert set(services.identity_store.sessions(signer.did).revoked) == {
        c.token_id for c in callers}


# ------------------------------------------------------------------ revoking every session


def test_an_identity_ends_all_its_own_sessions_and_signs_in_again(services):
    signer, laptop = party(services)
    phone = sign_in(services, signer)
    services.identities.revoke_sessions(caller(services, laptop), signer.did)
    for token in (laptop, phone):
        assert "revoked" in refused(services, token)
    assert services.sessions.authorize(sign_in(services, signer)).did == signer.did


def test_an_admin_ends_anyones_sessions_and_the_chain_records_who(services):
    boss = admin(services)
    signer, token = party(services)
    services.identities.revoke_sessions(boss, signer.did)
    assert "revoked" in refused(services, token)
    events = services.identities.events(boss, signer.did)
    assert (events[-1].event_type, events[-1].actor) == ("identity.sessions_revoked", boss.did)
    assert services.identity_store.profile(signer.did).version == len(events)


def test_others_cannot_end_an_identitys_sessions(services):
    boss = admin(services)
    target, token = party(services)
    _, stranger = party(services)
    with pytest.raises(IdentityNotFound):  # existence is not revealed to a stranger
        services.identities.revoke_sessions(caller(services, stranger), target.did)
    party(services, AUDITOR)
    services.identities.administer(boss, AUDITOR.did, roles=[Role.AUDITOR])
    auditor = caller(services, sign_in(services, AUDITOR))
    with pytest.raises(Forbidden):  # an auditor sees identities, but acts on none
        services.identities.revoke_sessions(auditor, target.did)
    assert services.sessions.authorize(token).did == target.did


def test_a_revocation_racing_logouts_still_ends_every_session(services):
    signer, first = party(services)
    tokens = [first, *(sign_in(services, signer) for _ in range(4))]
    callers = [caller(services, token) for token in tokens]

    def act(index: int) -> None:
        if index == 0:
            services.identities.revoke_sessions(callers[0], signer.did)
        else:
            services.sessions.logout(callers[index])

    with ThreadPoolExecutor(5) as pool:
        list(pool.map(act, range(5)))
    assert all(refused(services, token) for token in tokens)


# ------------------------------------------------------------------ suspension and expiry


def test_a_suspension_ends_every_session_for_good(services):
    boss = admin(services)
    signer, token = party(services)
    services.identities.administer(boss, signer.did, status=IdentityStatus.SUSPENDED)
    assert refused(services, token) == "the identity is not active"
    services.identities.administer(boss, signer.did, status=IdentityStatus.ACTIVE)
    assert "revoked" in refused(services, token)  # reactivation revives no old token
    assert services.sessions.authorize(sign_in(services, signer)).did == signer.did


def test_a_role_change_keeps_the_sessions_and_applies_at_once(services):
    boss = admin(services)
    signer, token = party(services)
    services.identities.administer(boss, signer.did, roles=[Role.AUDITOR])
    assert services.sessions.authorize(token).roles == ("auditor",)


def test_a_token_is_refused_once_it_would_expire_within_the_cache_ttl():
    """API Gateway keeps the authorizer's answer for the cache TTL: a token that expires
    sooner than that (less the clock-skew leeway) is refused now, so that no cached answer
    lets it through after its expiry plus the leeway."""
    longer_than_a_token = MemoryServices(Settings(token_ttl_s=900, token_leeway_s=0,
                                                  authorizer_cache_ttl_s=901))
    _, token = party(longer_than_a_token)
    assert refused(longer_than_a_token, token) == "the token expires before this answer would"
    shorter = MemoryServices(Settings(token_ttl_s=900, token_leeway_s=0,
                                      authorizer_cache_ttl_s=899))
    _, token = party(shorter)
    assert shorter.sessions.authorize(token).token_id
