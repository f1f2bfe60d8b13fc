"""Object Lock on signed files: bounded whatever a stored contract says, GOVERNANCE, only for
contracts every party signed; and the validity horizon, a deployment setting never beyond the
platform's."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest

from cms.domain.contracts import Create, record_change
from cms.domain.contracts.ranges import VALIDITY_HORIZON
from cms.domain.errors import IllegalTransition, ValidationFailed
from tests.unit.services.contract_world import World
from tests.unit.services.test_contract_documents import attached


def legacy_draft(world: World, provider, consumer, valid_until: str):
    """A contract stored before the validity horizon existed (its creation not refused)."""
    content = world.content(provider, consumer, valid_until=valid_until)
    # Made "then" only so that the horizon lets it through (as nothing did before it existed).
    then = datetime.fromisoformat(valid_until) - VALIDITY_HORIZON
    contract, event = record_change(None, Create(str(uuid.uuid4()), content),
                                    actor=provider.did, now=then, event_id="e")
    world.store.commit(contract, event, expected_version=None)
    world.parties |= {provider.did: provider, consumer.did: consumer}
    return contract


def signed_with_attachment(world: World, provider, consumer, contract_id: str):
    _, key, version, _ = attached(world, provider, contract_id)
    world.contracts.submit(provider.caller, contract_id)
    world.sign(provider, contract_id)
    return world.sign(consumer, contract_id), key, version


@pytest.mark.parametrize("valid_until", ["9989-06-01T00:00:00.000Z",
                                         "9999-12-31T23:59:59.999Z"])
def test_a_contract_ending_in_the_far_future_is_locked_for_a_bounded_time(world, parties,
                                                                         valid_until):
    """The review's finding: valid until 9989 gave locks until 9999 that nobody can ever
    lift; past 9989 the date overflowed and the signed files were not locked at all."""
    provider, consumer = parties
    contract = legacy_draft(world, provider, consumer, valid_until)
    signed, key, version = signed_with_attachment(world, provider, consumer, contract.id)
    assert world.services.documents.lock_signed(signed) == 1
    head = world.services.bucket("CMS_DOCUMENTS_BUCKET").head(key, version)
    retention = timedelta(days=world.services.settings.document_retention_days)
    assert head.locked_until == world.clock.now + VALIDITY_HORIZON + retention
    assert head.lock_mode == "GOVERNANCE"


def test_a_signed_contracts_files_are_kept_until_its_end_plus_the_retention(parties):
    provider, consumer = parties
    world = World(document_retention_days=30)
    contract = world.draft(provider, consumer)
    signed, key, version = signed_with_attachment(world, provider, consumer, contract.id)
    world.clock.advance(days=2)  # the workflow's retries lock at the same date
    world.services.documents.lock_signed(signed)
    head = world.services.bucket("CMS_DOCUMENTS_BUCKET").head(key, version)
    assert head.locked_until == datetime.fromisoformat(
        signed.content.valid_until) + timedelta(days=30)


def test_only_a_contract_every_party_signed_has_its_files_locked(world, parties):
    provider, consumer = parties
    contract = world.draft(provider, consumer)
    attached(world, provider, contract.id)
    world.contracts.submit(provider.caller, contract.id)
    world.sign(provider, contract.id)
    ended = world.contracts.terminate(consumer.caller, contract.id, "not signing this")
    assert ended.status.value == "terminated"
    with pytest.raises(IllegalTransition):
        world.services.documents.lock_signed(ended)
    assert world.services.documents.signed_objects(ended)  # there were files to lock


def test_the_deployments_horizon_bounds_new_and_edited_contracts(parties):
    provider, consumer = parties
    world = World(validity_horizon_days=365)
    two_years = (world.clock.now + timedelta(days=730)).isoformat()
    with pytest.raises(ValidationFailed) as refused:
        world.draft(provider, consumer, valid_until=two_years)
    assert refused.value.extra["errors"] == [
        {"pointer": "/valid_until", "message": "must be at most 365 days from now (the "
                                               "deployment's validity horizon)"}]
    contract = world.draft(provider, consumer)
    with pytest.raises(ValidationFailed):
        world.contracts.update(provider.caller, contract.id, {"valid_until": two_years})
    within = (world.clock.now + timedelta(days=300)).isoformat()
    assert world.contracts.update(provider.caller, contract.id, {"valid_until": within})


def test_the_horizon_of_template_contracts_is_the_deployments(parties):
    from cms.services.drafting import DraftingService
    from tests.unit.services.test_drafting import BuiltinTemplates, drafted

    provider, consumer = parties
    world = World(validity_horizon_days=200)
    s = world.services
    s.__dict__["drafting"] = DraftingService(BuiltinTemplates(), s._document_store,
                                             clock=world.clock, horizon_days=200)
    with pytest.raises(ValidationFailed) as refused:
        drafted(world, provider, consumer)  # a year from tomorrow
    assert refused.value.extra["errors"][0]["pointer"] == "/variables"
    assert s.bucket("CMS_DOCUMENTS_BUCKET")._versions == {}


def test_bootstrap_gives_the_drafting_service_the_deployments_horizon():
    from cms.bootstrap import MemoryServices
    from cms.config import Settings
    from cms.domain.contracts.retention import MAX_RETENTION

    services = MemoryServices(Settings(validity_horizon_days=10))
    assert services.drafting._horizon == timedelta(days=10)
    assert MAX_RETENTION == VALIDITY_HORIZON
