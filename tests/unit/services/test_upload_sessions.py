"""An upload form is honoured only while the session that asked for it is: a presigned POST
lives on at S3 after its token is logged out, its identity's sessions are ended or the
identity is suspended, so the upload is checked again when it arrives, and refused (deleted,
charged nothing) if that session ended after the form was issued. Otherwise a stolen token
could mint forms that outlive its revocation by the form's lifetime (15 minutes, up to 7 days
as configured), and add files to the owner's drafts in the owner's name."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from cms.domain.identity import Caller, IdentityStatus
from tests.unit.services.contract_world import Party, World
from tests.unit.services.test_attachment_quotas import attachments, kept, usage
from tests.unit.services.test_contract_documents import upload

IP = "192.0.2.1"


def signed_in(world: World, party: Party) -> Caller:
    """The party as a handler sees it after signing in: with its token's id and expiry."""
    services = world.services
    services.auth.register(party.did, party.signer.public_key, source_ip=IP)
    issued = services.auth.challenge(party.did, IP)
    token = services.auth.verify(party.did, issued.challenge,
                                 party.signer.sign_message(issued.challenge), IP).token
    authorized = services.sessions.authorize(token)
    return Caller(authorized.did, frozenset(authorized.roles), token_id=authorized.token_id,
                  token_expires=authorized.expires)


def admin(world: World) -> Caller:
    return Caller("did:key:admin", frozenset({"admin"}))


def logged_out(world: World, caller: Caller) -> None:
    world.services.sessions.logout(caller)


def sessions_ended(world: World, caller: Caller) -> None:
    world.services.identities.revoke_sessions(caller, caller.did)


def suspended(world: World, caller: Caller) -> None:
    world.services.identities.administer(admin(world), caller.did,
                                         status=IdentityStatus.SUSPENDED)


ENDINGS: list[Callable[[World, Caller], None]] = [logged_out, sessions_ended, suspended]


@pytest.mark.parametrize("end", ENDINGS, ids=lambda end: end.__name__)
def test_a_form_is_not_honoured_once_its_session_has_ended(world, parties, end):
    provider, consumer = parties
    contract = world.draft(provider, consumer)
    uploader = signed_in(world, consumer)
    grant = world.services.documents.request_upload(uploader, contract.id, name="a.txt",
                                                    media_type="text/plain", size=5)
    end(world, uploader)
    key, version = upload(world, grant, b"stale")
    registration = world.services.documents.register_upload(key, version)
    assert not registration.registered and "session" in registration.reason
    assert not kept(world, key, version)
    assert attachments(world, provider, contract.id) == []
    assert usage(world, consumer).objects == 0


def test_a_form_asked_for_after_the_sessions_ended_is_honoured(world, parties):
    provider, consumer = parties
    contract = world.draft(provider, consumer)
    sessions_ended(world, signed_in(world, consumer))
    generation = world.services.identity_store.sessions(consumer.did).generation
    while time.time() * 1000 < generation + 1:  # a form of the same millisecond is refused
        time.sleep(0.001)
    grant = world.services.documents.request_upload(signed_in(world, consumer), contract.id,
                                                    name="a.txt", media_type="text/plain",
                                                    size=5)
    key, version = upload(world, grant, b"fresh")
    assert world.services.documents.register_upload(key, version).registered


def test_another_sessions_logout_leaves_a_form_honoured(world, parties):
    provider, consumer = parties
    contract = world.draft(provider, consumer)
    laptop, phone = signed_in(world, consumer), signed_in(world, consumer)
    grant = world.services.documents.request_upload(laptop, contract.id, name="a.txt",
                                                    media_type="text/plain", size=5)
    logged_out(world, phone)
    key, version = upload(world, grant, b"kept!")
    assert world.services.documents.register_upload(key, version).registered
