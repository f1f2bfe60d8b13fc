"""listTrainingJobs' rules: a caller's jobs across contracts as consumer or provider, a
contract's jobs for whoever may read it, the state filter, and paging that misses nothing."""

from __future__ import annotations

import pytest

from cms.domain.errors import NotFound
from cms.domain.identity import Caller
from cms.domain.training_jobs import JobStatus
from tests.unit.services.training_setup import TrainingServices, contract, party, start


@pytest.fixture
def services() -> TrainingServices:
    return TrainingServices()


def every_page(services, caller, **filters):
    """Each page in turn, following next_cursor to the end."""
    pages, cursor = [], None
    while True:
        page = services.training.list(caller, cursor=cursor, **filters)
        pages.append(page.items)
        cursor = page.next_cursor
        if cursor is None:
            return pages


def test_parties_see_their_jobs_across_contracts_and_strangers_none(services):
    provider, consumer, other = party(), party(), party()
    first = contract(services, provider, consumer).id
    second = contract(services, other, consumer).id
    a = start(services, consumer, first, epsilon=0.5)
    b = start(services, consumer, second, epsilon=0.5)
    c = start(services, consumer, first, epsilon=0.5)
    newest_first = sorted([a, b, c], key=lambda job: (job.created_at, job.job_id),
                          reverse=True)
    assert services.training.list(consumer).items == newest_first
    assert services.training.list(provider).items == [j for j in newest_first if j in (a, c)]
    assert services.training.list(other).items == [b]
    assert services.training.list(party()).items == []
    assert services.training.list(provider).items[0].provider_did == provider.did


def test_a_contracts_jobs_are_listed_for_its_readers_only(services):
    provider, consumer = party(), party()
    made = contract(services, provider, consumer).id
    job = start(services, consumer, made)
    assert services.training.list(provider, contract_id=made).items == [job]
    auditor = Caller(party().did, frozenset({"auditor"}))
    assert services.training.list(auditor, contract_id=made).items == [job]
    assert services.training.list(auditor).items == []  # not a party: only with contract_id
    with pytest.raises(NotFound):
        services.training.list(party(), contract_id=made)


def test_paging_with_a_state_filter_lists_every_match_once_newest_first(services):
    provider, consumer = party(), party()
    made = contract(services, provider, consumer).id
    jobs = [start(services, consumer, made, epsilon=0.25) for _ in range(7)]
    stopped = [services.training.stop(consumer, job.job_id) for job in jobs[::3]]
    for caller, filters in ((consumer, {}), (provider, {}), (consumer, {"contract_id": made})):
        pages = every_page(services, caller, limit=2, **filters)
        assert all(len(page) <= 2 for page in pages)
        listed = [job.job_id for page in pages for job in page]
        assert listed == [job.job_id for job in sorted(
            jobs, key=lambda job: (job.created_at, job.job_id), reverse=True)]
    pages = every_page(services, consumer, limit=2, status=JobStatus.STOPPED)
    assert sorted(job.job_id for page in pages for job in page) == sorted(
        job.job_id for job in stopped)
    assert all(job.status == JobStatus.STOPPED for page in pages for job in page)


def test_any_cursor_of_the_documented_form_is_a_position(services):
    provider, consumer = party(), party()
    made = contract(services, provider, consumer).id
    start(services, consumer, made)
    far_past = "1970-01-01T00:00:00.000Z_00000000-0000-0000-0000-000000000000"
    assert services.training.list(consumer, cursor=far_past).items == []
    far_future = "9999-12-31T23:59:59.999Z_ffffffff-ffff-ffff-ffff-ffffffffffff"
    assert len(services.training.list(consumer, cursor=far_future).items) == 1
