"""The contract use cases on in-memory stores: the lifecycle with real signatures, who sees
and may do what, concurrency, listing, and the rules on dates and content."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import asdict, replace
from datetime import timedelta

import pytest
import rfc8785

from cms.domain.audit import chain_problems
from cms.domain.canonical import iso_utc
from cms.domain.contracts import (
    NotYetValid,
    SigningDeadlinePassed,
    Status,
    ValidityEnded,
)
from cms.domain.contracts.listing import ListingFilter
from cms.domain.errors import (
    Forbidden,
    IllegalTransition,
    InvalidSignature,
    NotFound,
    ValidationFailed,
)
from cms.ports.errors import WriteConflict
from cms.services.contracts import MAX_ATTEMPTS, ConcurrentChanges
from tests.unit.services.contract_world import ed_party, eth_party

CONTENT_FIELDS = ("title", "description", "provider_did", "consumer_did", "terms", "metadata",
                  "valid_from", "valid_until")


@pytest.fixture
def provider():
    return eth_party()


@pytest.fixture
def consumer():
    return ed_party()


def test_both_key_types_sign_and_the_contract_runs_its_course(world, provider, consumer):
    contracts = world.contracts
    created = world.draft(provider, consumer)
    assert (created.status, created.digest, created.version) == (Status.DRAFT, None, 1)
    submitted = contracts.submit(provider.caller, created.id)
    content = {name: submitted.to_json()[name] for name in CONTENT_FIELDS}
    expected = hashlib.sha256(rfc8785.dumps(
        {"schema": "cms.contract/v1", "id": created.id, **content})).hexdigest()
    assert submitted.status == Status.REVIEW and submitted.digest == expected
    assert submitted.pending_signers == [provider.did, consumer.did]
    after_one = world.sign(provider, created.id)
    assert after_one.status == Status.REVIEW and after_one.pending_signers == [consumer.did]
    signed = world.sign(consumer, created.id)
    assert signed.status == Status.SIGNED
    assert {s.signer_did: s.scheme for s in signed.signatures} == {
        provider.did: "eip712", consumer.did: "ed25519-prefixed-digest"}
    assert contracts.activate(consumer.caller, created.id).status == Status.ACTIVE
    assert contracts.complete(provider.caller, created.id).status == Status.COMPLETED
    events = contracts.events(consumer.caller, created.id)
    assert [e.event_type for e in events] == [
        "contract.created", "contract.submitted", "contract.signed", "contract.signed",
        "contract.activated", "contract.completed"]
    # What a client fetches verifies offline: the chain is intact and ends at the head.
    assert chain_problems(events, f"contract:{created.id}") == []
    assert events[-1].hash == contracts.get(provider.caller, created.id).head_hash
    assert contracts.verify(provider.caller, created.id).valid


def test_signing_payloads_follow_the_signers_did_and_are_domain_separated(world, provider,
                                                                          consumer):
    contract = world.draft(provider, consumer)
    world.contracts.submit(provider.caller, contract.id)
    eth = world.contracts.signing_payload(provider.caller, contract.id)
    assert eth.scheme == "eip712" and eth.typed_data["primaryType"] == "ContractSignature"
    assert eth.message is None and eth.signer_did == provider.did
    ed = world.contracts.signing_payload(consumer.caller, contract.id)
    assert ed.message.startswith("cms-contract-signature/v1\n") and ed.typed_data is None
    # A personal_sign over the typed data's text is not an EIP-712 signature.
    wrong = provider.signer.sign_message(str(eth.typed_data))
    with pytest.raises(InvalidSignature):
        world.contracts.sign(provider.caller, contract.id, wrong, None)


def test_a_draft_has_nothing_to_sign(world, provider, consumer):
    contract = world.draft(provider, consumer)
    with pytest.raises(IllegalTransition) as refused:
        world.contracts.signing_payload(consumer.caller, contract.id)
    assert refused.value.extra["current_status"] == "draft"
    with pytest.raises(IllegalTransition):
        world.contracts.sign(consumer.caller, contract.id, "00" * 64, None)


def test_strangers_learn_nothing_and_overseers_see_but_cannot_act(world, provider, consumer):
    stranger, auditor = ed_party(), eth_party(roles=frozenset({"auditor"}))
    contract = world.draft(provider, consumer)
    for refused in (world.contracts.get, world.contracts.events, world.contracts.verify,
                    world.contracts.submit, world.contracts.placed_events,
                    world.contracts.receipt, world.contracts.signing_payload):
        with pytest.raises(NotFound):
            refused(stranger.caller, contract.id)
    assert world.contracts.list(stranger.caller).items == []
    with pytest.raises(Forbidden):
        world.contracts.list(stranger.caller, scope="all")
    assert world.contracts.get(auditor.caller, contract.id).id == contract.id
    with pytest.raises(Forbidden):
        world.contracts.submit(auditor.caller, contract.id)
    with pytest.raises(Forbidden):
        world.contracts.signing_payload(auditor.caller, contract.id)
    listed = world.contracts.list(auditor.caller, scope="all", status="draft", limit=100)
    assert contract.id in [c.id for c in listed.items]


def test_illegal_transitions_report_the_state_and_write_nothing(world, provider, consumer):
    contract = world.draft(provider, consumer)
    with pytest.raises(IllegalTransition) as refused:
        world.contracts.activate(provider.caller, contract.id)
    assert refused.value.extra == {"current_status": "draft", "allowed_from": ["signed"]}
    with pytest.raises(Forbidden):
        world.contracts.submit(consumer.caller, contract.id)
    assert world.contracts.get(provider.caller, contract.id).version == 1


def test_a_retried_signature_lands_once(world, provider, consumer):
    contract = world.draft(provider, consumer)
    world.contracts.submit(provider.caller, contract.id)
    payload = asdict(world.contracts.signing_payload(provider.caller, contract.id))
    signature = provider.signer.sign_contract(payload)
    first = world.contracts.sign(provider.caller, contract.id, signature, None)
    again = world.contracts.sign(provider.caller, contract.id, signature, None)
    assert first == again and len(again.signatures) == 1


def test_request_changes_clears_signatures_and_reopens_the_draft(world, provider, consumer):
    contracts = world.contracts
    contract = world.draft(provider, consumer)
    first_digest = contracts.submit(provider.caller, contract.id).digest
    world.sign(provider, contract.id)
    with pytest.raises(IllegalTransition):
        contracts.update(provider.caller, contract.id, {"title": "x"})
    reopened = contracts.request_changes(consumer.caller, contract.id, "lower the price")
    assert reopened.status == Status.DRAFT and reopened.signatures == ()
    edited = contracts.update(provider.caller, contract.id, {"terms": {"price": 50}})
    assert edited.content.terms == {"price": 50}
    resubmitted = contracts.submit(provider.caller, contract.id)
    assert resubmitted.digest != first_digest and resubmitted.signatures == ()
    changes = contracts.events(provider.caller, contract.id)[3]
    assert (changes.event_type, changes.data) == ("contract.changes_requested",
                                                  {"reason": "lower the price"})


def test_activation_waits_for_valid_from(world, provider, consumer):
    later = world.clock.now + timedelta(days=2)
    contract = world.signed(provider, consumer, valid_from=iso_utc(later),
                            valid_until=iso_utc(later + timedelta(days=1)))
    with pytest.raises(NotYetValid) as early:
        world.contracts.activate(provider.caller, contract.id)
    assert early.value.extra["valid_from"] == iso_utc(later)
    with pytest.raises(NotYetValid):  # the workflow, woken early, tries again later
        world.contracts.activate_now(contract.id)
    world.clock.advance(days=2)
    assert world.contracts.activate_now(contract.id).status == Status.ACTIVE
    # A party activating what the workflow already activated gets it as it is.
    assert world.contracts.activate(consumer.caller, contract.id).status == Status.ACTIVE


def test_after_valid_until_only_expiry_happens(world, provider, consumer):
    contract = world.active(provider, consumer)
    world.clock.advance(days=31)
    with pytest.raises(ValidityEnded):
        world.contracts.complete(provider.caller, contract.id)
    assert contract.id in world.contracts.expire_due()
    expired = world.contracts.get(provider.caller, contract.id)
    assert expired.status == Status.EXPIRED
    last = world.contracts.events(provider.caller, contract.id)[-1]
    assert (last.event_type, last.actor, last.data) == ("contract.expired", "system:lifecycle",
                                                        {"reason": "validity_ended"})
    assert world.contracts.expire_due() == []
    assert world.contracts.verify(provider.caller, contract.id).valid


def test_a_signing_deadline_is_in_the_future_and_within_the_validity(world, provider, consumer):
    contract = world.draft(provider, consumer, valid_until=iso_utc(world.clock.now
                                                                   + timedelta(minutes=1)))
    for moment in (world.clock.now - timedelta(seconds=1), world.clock.now + timedelta(days=2)):
        with pytest.raises(ValidationFailed) as refused:
            world.contracts.submit(provider.caller, contract.id, moment)
        assert refused.value.extra["errors"][0]["pointer"] == "/signing_deadline"
    assert world.contracts.get(provider.caller, contract.id).status == Status.DRAFT


def test_unsigned_at_the_deadline_the_contract_expires(world, provider, consumer):
    contract = world.draft(provider, consumer)
    deadline = world.clock.now + timedelta(hours=1)
    submitted = world.contracts.submit(provider.caller, contract.id, deadline)
    assert submitted.signing_deadline == iso_utc(deadline)
    world.sign(provider, contract.id)
    world.clock.advance(hours=1)
    with pytest.raises(SigningDeadlinePassed):
        world.sign(consumer, contract.id)
    assert world.contracts.expire(contract.id).status == Status.EXPIRED
    last = world.contracts.events(provider.caller, contract.id)[-1]
    assert last.data == {"reason": "signing_deadline_passed"}


def test_a_signature_racing_another_is_decided_again_and_both_land(world, provider, consumer):
    contract = world.draft(provider, consumer)
    world.contracts.submit(provider.caller, contract.id)
    store, raced = world.store, []
    commit = store.commit

    def commit_after_the_other_party(updated, event, expected_version):
        if not raced:  # the consumer's signature lands between our read and our write
            raced.append(True)
            world.sign(consumer, contract.id)
        commit(updated, event, expected_version)

    store.commit = commit_after_the_other_party
    signed = world.sign(provider, contract.id)
    assert signed.status == Status.SIGNED and len(signed.signatures) == 2
    types = [e.event_type for e in world.contracts.events(provider.caller, contract.id)]
    assert types.count("contract.signed") == 2 and len(types) == 4
    assert world.contracts.verify(provider.caller, contract.id).valid


def test_both_parties_signing_at_once_from_threads_both_land_once(world, provider, consumer):
    contract = world.draft(provider, consumer)
    world.contracts.submit(provider.caller, contract.id)
    barrier, errors = threading.Barrier(2), []

    def sign(party):
        try:
            payload = asdict(world.contracts.signing_payload(party.caller, contract.id))
            signature = party.signer.sign_contract(payload)
            barrier.wait()
            world.contracts.sign(party.caller, contract.id, signature, None)
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=sign, args=(p,)) for p in (provider, consumer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    final = world.contracts.get(provider.caller, contract.id)
    assert final.status == Status.SIGNED and len(final.signatures) == 2


def test_losing_every_race_gives_up_with_a_retryable_conflict(world, provider, consumer):
    contract = world.draft(provider, consumer)
    attempts = []

    def always_late(*_args, **_kwargs):
        attempts.append(1)
        raise WriteConflict("someone else was faster")

    world.store.commit = always_late
    with pytest.raises(ConcurrentChanges) as gave_up:
        world.contracts.submit(provider.caller, contract.id)
    assert gave_up.value.code == "conflict" and len(attempts) == MAX_ATTEMPTS


def test_listing_pages_with_a_cursor_and_filters(world, provider, consumer):
    mine = [world.draft(provider, consumer, title=f"c{i}").id for i in range(5)]
    theirs = world.draft(consumer, provider).id
    world.contracts.submit(provider.caller, mine[0])
    seen, cursor = [], None
    while True:
        page = world.contracts.list(provider.caller, limit=2, cursor=cursor)
        assert len(page.items) <= 2
        seen.extend(page.items)
        cursor = page.next_cursor
        if cursor is None:
            break
    assert sorted(c.id for c in seen) == sorted([*mine, theirs])
    assert len(seen) == len({c.id for c in seen})
    keys = [(c.created_at, c.id) for c in seen]
    assert keys == sorted(keys, reverse=True)
    as_consumer = world.contracts.list(provider.caller, role="consumer").items
    assert [c.id for c in as_consumer] == [theirs]
    in_review = world.contracts.list(provider.caller, status="review").items
    assert [c.id for c in in_review] == [mine[0]]
    with pytest.raises(ValidationFailed) as refused:
        world.contracts.list(provider.caller, cursor="not-a-cursor")
    assert refused.value.extra["errors"][0]["pointer"] == "query:cursor"


def test_listing_filters_are_normalised_and_a_bad_instant_is_named(world, provider, consumer):
    wanted = world.draft(provider, consumer, title="Model Licence")
    world.draft(provider, consumer, title="Audit")
    # Any zone and any case: the filters are compared in the stored forms.
    moment = wanted.created_at.replace("Z", "+00:00")
    search = ListingFilter(title_contains="  LICENCE ", created_after=moment,
                           counterparty=consumer.did)
    assert [c.id for c in world.contracts.list(provider.caller, filters=search).items] == [
        wanted.id]
    assert world.contracts.list(provider.caller, filters=ListingFilter(
        counterparty=provider.did)).items == []  # the caller is never their own counterparty
    with pytest.raises(ValidationFailed) as refused:
        world.contracts.list(provider.caller, filters=ListingFilter(
            created_before="yesterday", valid_at="2026-12-07T06:00:00"))
    assert [e["pointer"] for e in refused.value.extra["errors"]] == [
        "query:created_before", "query:valid_at"]


def test_an_empty_created_window_is_refused_and_a_cursor_past_it_ends_the_listing(
        world, provider, consumer):
    wanted = world.draft(provider, consumer)
    # Any zone: the window is compared once both instants are in the stored form.
    with pytest.raises(ValidationFailed) as refused:
        world.contracts.list(provider.caller, filters=ListingFilter(
            created_after="2026-12-08T01:00:00+01:00", created_before="2026-12-07T23:00:00Z"))
    assert [e["pointer"] for e in refused.value.extra["errors"]] == [
        "query:created_after", "query:created_before"]
    since = ListingFilter(created_after=wanted.created_at)
    below = "2000-01-01T00:00:00.000Z_00000000-0000-0000-0000-000000000000"
    page = world.contracts.list(provider.caller, filters=since, cursor=below)
    assert page.items == [] and page.next_cursor is None
    with pytest.raises(ValidationFailed) as refused:
        world.contracts.list(provider.caller, limit=0)
    assert refused.value.extra["errors"][0]["pointer"] == "query:limit"


@pytest.mark.parametrize("field, value", [
    ("valid_until", "2001-01-01T00:00:00+00:00"),  # before valid_from
    ("valid_until", "2999-01-01T00:00:00+00:00"),  # beyond the horizon
    ("valid_from", "1999-01-01T00:00:00+00:00"),  # before the earliest start
    ("consumer_did", "did:example:123456"),
])
def test_semantic_errors_name_the_field_and_write_nothing(world, provider, consumer, field,
                                                         value):
    with pytest.raises(ValidationFailed) as refused:
        world.draft(provider, consumer, **{field: value})
    assert f"/{field}" in [e["pointer"] for e in refused.value.extra["errors"]]
    assert world.contracts.list(provider.caller).items == []


def test_an_edit_out_of_range_is_refused_too(world, provider, consumer):
    contract = world.draft(provider, consumer)
    with pytest.raises(ValidationFailed) as refused:
        world.contracts.update(provider.caller, contract.id,
                               {"valid_until": "9999-12-31T23:59:59-01:00"})
    assert "/valid_until" in [e["pointer"] for e in refused.value.extra["errors"]]


def test_text_terms_are_accepted(world, provider, consumer):
    contract = world.draft(provider, consumer, terms="Net 30, EU only")
    assert contract.content.terms == "Net 30, EU only" and contract.content.metadata == {}


def test_an_empty_or_repeated_edit_writes_nothing(world, provider, consumer):
    contract = world.draft(provider, consumer)
    assert world.contracts.update(provider.caller, contract.id, {}).version == 1
    same = world.contracts.update(provider.caller, contract.id,
                                  {"title": contract.content.title})
    assert same.version == 1 and len(world.contracts.events(provider.caller, contract.id)) == 1


def test_client_metadata_cannot_claim_the_platforms_keys(world, provider, consumer):
    with pytest.raises(ValidationFailed):
        world.draft(provider, consumer, metadata={"attachments": []})
    contract = world.draft(provider, consumer)
    with pytest.raises(ValidationFailed):
        world.contracts.update(provider.caller, contract.id, {"metadata": {"document": {}}})


def test_a_contract_that_cannot_expire_is_left_for_the_next_sweep(world, provider, consumer):
    due = world.active(provider, consumer)
    world.clock.advance(days=31)
    # Changed meanwhile: the sweep still expires the others.
    world.store.snapshots[due.id] = replace(world.store.snapshots[due.id],
                                            status=Status.COMPLETED)
    assert world.contracts.expire_due() == []
