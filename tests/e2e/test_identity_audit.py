"""Identity changes carry hash-chained audit events written with the change."""

from __future__ import annotations

import httpx
import pytest

from cms.domain.audit import AuditEvent, chain_problems

pytestmark = pytest.mark.e2e


def events_of(stack, token, did):
    response = httpx.get(stack.url + f"/api/v1/identities/{did}/events",
                         headers={"Authorization": f"Bearer {token}"})
    return response


def test_registration_and_admin_changes_form_one_chain(stack, new_party, admin):
    party = new_party("ed25519")
    response = httpx.patch(stack.url + f"/api/v1/identities/{party.did}",
                           json={"roles": ["auditor"]},
                           headers={"Authorization": f"Bearer {admin.client.token}"})
    assert response.status_code == 200 and response.json()["version"] == 2
    body = events_of(stack, party.client.token, party.did).json()
    events = [AuditEvent.from_json(event) for event in body["events"]]
    assert [e.event_type for e in events] == ["identity.registered", "identity.updated"]
    # Registering proves no possession of the key: not attributed; the admin's change is.
    assert events[0].actor == "anonymous" and events[1].actor == admin.did
    assert events[0].data["credential"]["value"] == party.signer.public_key
    assert events[1].data == {"changes": {"roles": ["auditor"]}}
    assert chain_problems(events, f"identity:{party.did}") == []
    me = party.client.me()
    assert me["head_hash"] == events[-1].hash and me["version"] == len(events)


def test_others_cannot_read_an_identitys_events(stack, new_party):
    party, stranger = new_party("ed25519"), new_party("ed25519")
    response = events_of(stack, stranger.client.token, party.did)
    assert response.status_code == 404 and response.json()["code"] == "identity_not_found"
