"""The identity store: atomic changes with their audit events, optimistic versions."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest

from cms.domain.identity import (
    Credential,
    Identity,
    IdentityStatus,
    IdentityType,
    record_change,
)
from cms.domain.sessions import SessionPolicy, Sessions
from cms.ports.errors import WriteConflict

NOW = "2026-12-07T06:00:00.000Z"


def new_identity(name: str = "Ada") -> Identity:
    return Identity(did=f"did:key:z6Mk{uuid.uuid4().hex}", identity_id=str(uuid.uuid4()),
                    name=name, type=IdentityType.USER, status=IdentityStatus.ACTIVE, roles=(),
                    metadata={"team": "data"}, created_at=NOW, updated_at=NOW)


def credential(value: str = "ab" * 32) -> Credential:
    return Credential(credential_id=uuid.uuid4().hex, type="ed25519_public_key", value=value,
                      verification_method="did:key:z6Mk#key", created_at=NOW)


def created(store, identity: Identity) -> tuple[Identity, Credential]:
    key = credential()
    stored, event = record_change(None, identity, event_type="identity.registered",
                                  actor="anonymous", at=NOW, data={"x": 1})
    store.create(stored, key, event)
    return stored, key


def test_a_created_identity_reads_back_with_its_credential_and_event(services):
    store = services.identity_store
    identity, key = created(store, new_identity())
    assert store.get(identity.did) == replace(identity, credentials=(key,))
    assert store.profile(identity.did) == identity
    [event] = store.events(identity.did)
    assert (event.seq, event.event_type, event.hash) == (0, "identity.registered",
                                                         identity.head_hash)


def test_an_unknown_identity_is_none(services):
    store = services.identity_store
    assert store.get("did:key:z6MkNobody") is None
    assert store.profile("did:key:z6MkNobody") is None
    assert store.events("did:key:z6MkNobody") == []


def test_creating_an_identity_twice_conflicts_and_changes_nothing(services):
    store = services.identity_store
    identity, key = created(store, new_identity())
    again, event = record_change(None, replace(identity, name="Mallory"),
                                 event_type="identity.registered", actor="anonymous", at=NOW,
                                 data={})
    with pytest.raises(WriteConflict):
        store.create(again, credential(), event)
    assert store.get(identity.did) == replace(identity, credentials=(key,))
    assert len(store.events(identity.did)) == 1


def test_an_update_at_a_stale_version_conflicts_and_writes_no_event(services):
    store = services.identity_store
    identity, _ = created(store, new_identity())
    renamed, event = record_change(identity, replace(identity, name="Grace"),
                                   event_type="identity.updated", actor=identity.did, at=NOW,
                                   data={"changes": {"name": "Grace"}})
    store.update(renamed, event, expected_version=identity.version)
    stale, late = record_change(identity, replace(identity, name="Eve"),
                                event_type="identity.updated", actor=identity.did, at=NOW,
                                data={})
    with pytest.raises(WriteConflict):
        store.update(stale, late, expected_version=identity.version)
    assert store.profile(identity.did).name == "Grace"
    assert [e.event_type for e in store.events(identity.did)] == [
        "identity.registered", "identity.updated"]


def test_credentials_are_added_once(services):
    store = services.identity_store
    identity, first = created(store, new_identity())
    second = credential("cd" * 32)
    updated, event = record_change(identity, identity, event_type="identity.key_added",
                                   actor="anonymous", at=NOW, data={})
    store.add_credential(updated, second, event, expected_version=identity.version)
    assert {c.credential_id for c in store.get(identity.did).credentials} == {
        first.credential_id, second.credential_id}
    again, late = record_change(updated, updated, event_type="identity.key_added",
                                actor="anonymous", at=NOW, data={})
    with pytest.raises(WriteConflict):
        store.add_credential(again, second, late, expected_version=updated.version)
    assert len(store.events(identity.did)) == 2


# ------------------------------------------------------------------ sessions

POLICY = SessionPolicy(token_ttl_s=900, leeway_s=5, max_revoked=64)
EPOCH = 1_800_000_000.0


def test_an_identity_without_sessions_stands_with_an_empty_record(services):
    store = services.identity_store
    identity, _ = created(store, new_identity())
    assert store.standing(identity.did) == (identity, Sessions())
    assert store.sessions(identity.did) == Sessions()
    assert store.standing("did:key:z6MkNobody") == (None, Sessions())


def test_sessions_are_saved_at_their_version_and_read_with_the_profile(services):
    store = services.identity_store
    identity, _ = created(store, new_identity())
    first = Sessions().with_token_revoked("jti-1", int(EPOCH) + 600, now=EPOCH, policy=POLICY)
    store.save_sessions(identity.did, first)
    stored = store.sessions(identity.did)
    assert stored == replace(first, version=1)
    assert store.standing(identity.did) == (identity, stored)
    with pytest.raises(WriteConflict):  # written at version 0 again: someone else was first
        store.save_sessions(identity.did, first.with_all_revoked(now=EPOCH, policy=POLICY))
    second = stored.with_token_revoked("jti-2", int(EPOCH) + 700, now=EPOCH, policy=POLICY)
    store.save_sessions(identity.did, second)
    assert store.sessions(identity.did) == replace(second, version=2)
    assert store.profile(identity.did) == identity  # the profile and its chain untouched
    assert len(store.events(identity.did)) == 1


def test_an_update_with_sessions_writes_both_or_neither(services):
    store = services.identity_store
    identity, _ = created(store, new_identity())
    ended = Sessions().with_all_revoked(now=EPOCH, policy=POLICY)
    suspended, event = record_change(identity, replace(identity, status=IdentityStatus.SUSPENDED),
                                     event_type="identity.updated", actor="did:key:z6MkA",
                                     at=NOW, data={})
    store.save_sessions(identity.did, Sessions().with_token_revoked(
        "jti", int(EPOCH) + 60, now=EPOCH, policy=POLICY))
    with pytest.raises(WriteConflict):  # the sessions moved since version 0
        store.update(suspended, event, expected_version=identity.version, sessions=ended)
    assert store.profile(identity.did) == identity and len(store.events(identity.did)) == 1
    current = store.sessions(identity.did)
    ended = current.with_all_revoked(now=EPOCH, policy=POLICY)
    store.update(suspended, event, expected_version=identity.version, sessions=ended)
    profile, sessions = store.standing(identity.did)
    assert profile.status == IdentityStatus.SUSPENDED
    assert sessions == replace(ended, version=current.version + 1)
    assert [e.event_type for e in store.events(identity.did)] == [
        "identity.registered", "identity.updated"]


def test_credentials_and_sessions_do_not_mix(services):
    store = services.identity_store
    identity, key = created(store, new_identity())
    store.save_sessions(identity.did, Sessions().with_all_revoked(now=EPOCH, policy=POLICY))
    assert store.get(identity.did).credentials == (key,)


def _listed(store, query, limit: int) -> list[tuple[str, str]]:
    """Every (status, did) the listing yields, paging to the end."""
    seen, after = [], None
    for _ in range(50):
        page = store.list(query, after, limit)
        seen.extend((i.status.value, i.did) for i in page.items)
        if page.next_cursor is None:
            return seen
        status, _, did = page.next_cursor.partition(":")
        after = (status, did)
    raise AssertionError("the listing never ended")


def test_the_listing_pages_through_matches_by_status_then_did(services):
    from cms.ports.identities import IdentityQuery

    store = services.identity_store
    tag = f"did:key:z6Mk{uuid.uuid4().hex[:8]}"
    made = []
    for number in range(5):
        identity = replace(new_identity(f"Member {number}"), did=f"{tag}{number}")
        made.append(created(store, identity)[0])
    suspended = replace(made[1], status=IdentityStatus.SUSPENDED, updated_at=NOW)
    recorded, event = record_change(made[1], suspended, event_type="identity.updated",
                                    actor="admin", at=NOW, data={})
    store.update(recorded, event, expected_version=made[1].version)
    admin = replace(made[3], roles=("admin",))
    recorded, event = record_change(made[3], admin, event_type="identity.updated",
                                    actor="admin", at=NOW, data={})
    store.update(recorded, event, expected_version=made[3].version)

    expected = ([("active", made[n].did) for n in (0, 2, 3, 4)]
                + [("suspended", made[1].did)])
    for limit in (1, 2, 100):
        assert _listed(store, IdentityQuery(text=tag), limit) == expected
    assert _listed(store, IdentityQuery(text=tag, status="suspended"), 2) == expected[-1:]
    assert _listed(store, IdentityQuery(text=tag, role="admin"), 2) == [expected[2]]
    # Not a DID: a part of the name or the DID.
    assert _listed(store, IdentityQuery(text=tag[8:]), 3) == expected
    named = [entry for entry in _listed(store, IdentityQuery(text="Member 4"), 100)
             if entry[1].startswith(tag)]
    assert named == [("active", made[4].did)]
    # From a position (any (status, DID) is one, stored or not).
    assert _listed_after(store, IdentityQuery(text=tag), ("active", made[2].did)) == (
        expected[2:])
    assert _listed_after(store, IdentityQuery(text=tag), ("inactive", tag)) == expected[-1:]
    assert _listed_after(store, IdentityQuery(text=tag), ("suspended", tag + "9")) == []


def _listed_after(store, query, after) -> list[tuple[str, str]]:
    page = store.list(query, after, 100)
    return [(i.status.value, i.did) for i in page.items]


def test_the_listing_leaves_out_keys_and_sessions(services):
    from cms.ports.identities import IdentityQuery

    store = services.identity_store
    identity, _ = created(store, new_identity())
    [listed] = store.list(IdentityQuery(text=identity.did), None, 10).items
    assert listed == identity and listed.credentials == ()
