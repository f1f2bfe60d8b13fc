"""Engine contracts governed by a contract: they run only while it allows work.

A deployment may name a CMS contract (``governed_by``): the deployer must be a party to it and
it must allow work then (active, within its validity, neither party suspended:
cms.domain.standing). From then on every execution of the engine contract (calls, batches,
gas estimates, the platform's own calls such as a circuit's ``recordResult``) asks the
governing contract first, and the enclave's parent asks before it releases a circuit's input
key, so ending the contract (terminated, completed, expired) or suspending a party stops
what it governs, as it stops its training jobs. The link is part of the contract's metadata,
which never changes after deployment.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from cms.domain.errors import Forbidden
from cms.domain.identity import Caller
from cms.domain.standing import refusal

if TYPE_CHECKING:
    from cms.services.contracts import ContractService
    from cms.services.stopping import ContractStandings


class Governance:
    """Built lazily (``contracts`` and ``standings`` are factories): an engine function's
    cold start pays for the contract reads only when a governed contract is used."""

    def __init__(self, contracts: Callable[[], ContractService],
                 standings: Callable[[], ContractStandings]) -> None:
        self._contracts = contracts
        self._standings = standings

    def check_deployment(self, caller: Caller, contract_id: str) -> None:
        """The deployer may bind a new engine contract to ``contract_id``: it is a party to
        it (others get the contract's own 404 or 403) and the contract allows work now."""
        contract = self._contracts().get(caller, contract_id)
        if contract.role_of(caller.did) is None:
            raise Forbidden("only a party to the governing contract may deploy under it")
        self.admit(contract_id)

    def admit(self, contract_id: str) -> None:
        """Refuse (409, as training jobs are refused) once the governing contract no longer
        allows work."""
        standing = self._standings().of(contract_id)
        if not standing.allows_work:
            raise refusal(standing)
