"""Stopping work under contracts: a contract's standing as the platform reads it now, and
stopping one training job, whoever or whatever asks.

``stop_job`` is the one way a job is stopped from outside its run (a party's or an admin's
request, the wind-down after a contract ends or a party is suspended): a pending job is
settled at once with nothing spent, a running one is asked to stop after its current epoch
(its runner settles what the enclave attests). Each write is conditional on the job as it was
read, and a lost condition is read again and decided again, so a stop racing a runner taking
the job never closes a job that is training (which would then train for free): it becomes a
stop request instead.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from cms.domain.canonical import iso_utc, utc_now
from cms.domain.errors import Conflict, IllegalTransition, NotFound
from cms.domain.standing import Standing, StopCause, standing_of, stronger
from cms.domain.training_jobs import OPEN, JobStatus, TrainingJob
from cms.ports.contracts import CorruptSnapshot
from cms.ports.errors import WriteConflict
from cms.ports.identities import IdentityStore
from cms.ports.training import BudgetStore
from cms.services.contracts import ContractService

# Each lost race means the job moved on (taken, asked to stop, settled): a handful of
# transitions at most, so a few attempts always settle the question.
MAX_STOP_ATTEMPTS = 5


class ContractStandings:
    """A contract's standing (cms.domain.standing) from its stored snapshot and its parties'
    identities, read now: what admission, key releases, epoch reports and the wind-down ask."""

    def __init__(self, contracts: ContractService, identities: IdentityStore,
                 clock: Callable[[], datetime] = utc_now) -> None:
        self._contracts = contracts
        self._identities = identities
        self._clock = clock

    def of(self, contract_id: str) -> Standing:
        try:
            contract = self._contracts.current(contract_id)
        except NotFound:
            return Standing(StopCause.CONTRACT_ENDED, f"there is no contract {contract_id}")
        except CorruptSnapshot:  # nothing can be trusted to allow work
            return Standing(StopCause.CONTRACT_ENDED, "the contract's record cannot be read")
        parties = {}
        for did in contract.parties:
            identity = self._identities.profile(did)
            parties[did] = identity.status if identity is not None else None
        return standing_of(contract, self._clock(), parties)


def stop_job(budgets: BudgetStore, job: TrainingJob, cause: StopCause,
             now: Callable[[], datetime] = utc_now) -> TrainingJob:
    """Stop ``job`` for ``cause`` (see the module's docstring); returns it as stored after.
    IllegalTransition if it is settled already (pending and running jobs stop)."""
    for _ in range(MAX_STOP_ATTEMPTS):
        if not job.is_open:
            raise IllegalTransition(f"cannot stop a {job.status.value} job",
                                    current_status=job.status.value,
                                    allowed_from=[status.value for status in OPEN])
        try:
            if job.status == JobStatus.PENDING:
                budgets.settle(job, JobStatus.STOPPED, Decimal(0), iso_utc(now()),
                               stop_cause=cause)
            elif not _stopping_already(job, cause):
                budgets.request_stop(job, cause, iso_utc(now()))
            return budgets.job(job.job_id) or job
        except WriteConflict:
            fresh = budgets.job(job.job_id)
            if fresh is None:
                raise NotFound(f"no training job {job.job_id}") from None
            job = fresh
    raise Conflict("the job kept changing meanwhile; read it again")


def _stopping_already(job: TrainingJob, cause: StopCause) -> bool:
    """Asked to stop already, for a cause that stands against ``cause``."""
    current = job.stop_cause
    if current is None and job.stop_requested:  # asked before causes were recorded
        current = StopCause.CONSUMER
    return current is not None and stronger(current, cause) == current
