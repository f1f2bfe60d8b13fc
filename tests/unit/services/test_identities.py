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


def test_only_admins_list_identities_and_a_search_narrows_the_list(services):
    from cms.ports.identities import IdentityQuery

    someone, boss = party(services), admin(services)
    with pytest.raises(Forbidden):
        services.identities.list(someone, IdentityQuery(), None, 20)
    listed = services.identities.list(boss, IdentityQuery(), None, 20)
    assert {i.did for i in listed.items} == {someone.did, boss.did}
    by_prefix = services.identities.list(boss, IdentityQuery(text=someone.did[:40]), None, 20)
    assert [i.did for i in by_prefix.items] == [someone.did]
    admins = services.identities.list(boss, IdentityQuery(role="admin"), None, 20)
    assert [i.did for i in admins.items] == [boss.did]


def test_listing_pages_by_status_then_did_and_a_suspension_moves_an_identity(services):
    from cms.ports.identities import IdentityQuery

    boss = admin(services)
    parties = [party(services) for _ in range(3)]
    services.identities.administer(boss, parties[0].did, status=IdentityStatus.SUSPENDED)
    seen, cursor = [], None
    while True:
        page = services.identities.list(boss, IdentityQuery(), cursor, 1)
        seen.extend((i.status.value, i.did) for i in page.items)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == sorted(seen, key=lambda s: (["active", "inactive", "suspended"].index(s[0]),
                                               s[1]))
    assert seen[-1] == ("suspended", parties[0].did) and len(seen) == 4
    # Any cursor of the documented form is a position, even one no identity has.
    after = services.identities.list(boss, IdentityQuery(), "inactive:did:key:zzz", 20)
    assert [i.did for i in after.items] == [parties[0].did]


def test_the_did_document_is_resolved_for_the_identity_and_overseers_only(services):
    someone, boss, other = party(services), admin(services), party(services)
    document = services.identities.did_document(boss, someone.did)
    assert document.id == someone.did and document.authentication
    assert services.identities.did_document(someone, someone.did) == document
    with pytest.raises(IdentityNotFound):
        services.identities.did_document(other, someone.did)
