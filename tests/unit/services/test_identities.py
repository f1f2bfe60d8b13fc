"""Identity profiles and administration on the in-memory stores."""

from __future__ import annotations

import pytest

from cms.bootstrap import MemoryServices
from cms.domain.audit import chain_problems
from cms.domain.errors import Forbidden, IdentityNotFound
from cms.domain.identity import Caller, IdentityStatus, Role
from cms_client import Ed25519Signer

ADMIN = Ed25519Signer()


@pytest.fixture
def services() -> MemoryServices:
    from cms.config import Settings

    return MemoryServices(Settings(bootstrap_admins=(ADMIN.did,)))


def party(services) -> Caller:
    signer = Ed25519Signer()
    services.auth.register(signer.did, signer.public_key, source_ip="192.0.2.1")
    return Caller(signer.did)


def admin(services) -> Caller:
    services.auth.register(ADMIN.did, ADMIN.public_key, source_ip="192.0.2.1")
    return Caller(ADMIN.did, frozenset({Role.ADMIN.value}))


def test_registration_and_admin_changes_form_one_chain(services):
    someone, boss = party(services), admin(services)
    changed = services.identities.administer(boss, someone.did, roles=[Role.AUDITOR])
    assert changed.version == 2 and changed.roles == ("auditor",)
    events = services.identities.events(someone, someone.did)
    assert [e.event_type for e in events] == ["identity.registered", "identity.updated"]
    # Registering proves no possession of the key: not attributed; the admin's change is.
    assert events[0].actor == "anonymous" and events[1].actor == boss.did
    assert events[1].data == {"changes": {"roles": ["auditor"]}}
    assert chain_problems(events, f"identity:{someone.did}") == []
    assert changed.head_hash == events[-1].hash


def test_a_change_to_nothing_writes_nothing(services):
    someone, boss = party(services), admin(services)
    same = services.identities.administer(boss, someone.did, status=IdentityStatus.ACTIVE)
    assert same.version == 1
    assert len(services.identities.events(someone, someone.did)) == 1


def test_only_admins_administer_and_never_themselves_away(services):
    someone, boss = party(services), admin(services)
    with pytest.raises(Forbidden):
        services.identities.administer(someone, boss.did, status=IdentityStatus.SUSPENDED)
    with pytest.raises(Forbidden):
        services.identities.administer(boss, boss.did, status=IdentityStatus.SUSPENDED)
    with pytest.raises(Forbidden):
        services.identities.administer(boss, boss.did, roles=[Role.AUDITOR])


def test_others_cannot_read_an_identity_or_its_events(services):
    someone, stranger = party(services), party(services)
    with pytest.raises(IdentityNotFound):
        services.identities.get(stranger, someone.did)
    with pytest.raises(IdentityNotFound):
        services.identities.events(stranger, someone.did)


def test_owners_change_their_own_profile_but_cannot_become_an_enclave(services):
    from cms.domain.identity import IdentityType

    someone = party(services)
    renamed = services.identities.update_profile(someone, name="Ada", metadata={"team": "x"},
                                                 identity_type=IdentityType.MACHINE)
    assert (renamed.name, renamed.metadata, renamed.type) == ("Ada", {"team": "x"},
                                                              IdentityType.MACHINE)
    with pytest.raises(Forbidden):
        services.identities.update_profile(someone, name=None, metadata=None,
                                           identity_type=IdentityType.ENCLAVE)
