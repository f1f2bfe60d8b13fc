"""Lifecycle commands: each decided, sealed and committed with optimistic retries.

A command runs against the contract as last read; the commit is conditioned on that version,
so a lost race (two parties signing at once) re-reads and decides again, up to MAX_ATTEMPTS.
The platform's own steps (activation at valid_from, expiry) run as the system actor.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from cms.domain.canonical import iso_utc
from cms.domain.contracts.changes import record_change
from cms.domain.contracts.commands import (
    Activate,
    AddAttachment,
    Command,
    Complete,
    Create,
    Expire,
    RequestChanges,
    Sign,
    Submit,
    Terminate,
    Update,
)
from cms.domain.contracts.content import Content
from cms.domain.contracts.errors import NothingToChange, ValidityEnded
from cms.domain.contracts.history import history_exhausted
from cms.domain.contracts.model import Contract, Signature, Status
from cms.domain.contracts.rules import SYSTEM_ACTOR
from cms.domain.drafting import check_client_metadata
from cms.domain.errors import (
    Conflict,
    DependencyUnavailable,
    DomainError,
    IllegalTransition,
    NotFound,
)
from cms.domain.identity import Caller
from cms.domain.signatures import recordable, scheme_of, verify_contract_signature
from cms.ports.errors import WriteConflict
from cms.services.contracts.reads import ContractReads

if TYPE_CHECKING:
    from cms.domain.drafting import TemplateDraft
    from cms.services.drafting import DraftingService

MAX_ATTEMPTS = 5  # optimistic-lock retries; two parties signing at once needs two


class ConcurrentChanges(Conflict):
    """Lost the optimistic race every time: transient, worth retrying (same public code)."""


class ContractCommands(ContractReads):
    def create(self, caller: Caller, content: Content) -> Contract:
        check_client_metadata(content.metadata)
        return self._create(caller, str(uuid.uuid4()), content)

    def create_from_template(self, caller: Caller, draft: TemplateDraft) -> Contract:
        """A draft whose terms, validity and document come from a template version."""
        contract_id = str(uuid.uuid4())
        return self._create(caller, contract_id,
                            self._drafting().draft(contract_id, caller.did, draft))

    def _create(self, caller: Caller, contract_id: str, content: Content) -> Contract:
        contract, event = record_change(None, Create(contract_id, content, self._horizon()),
                                        actor=caller.did, now=self._clock(),
                                        event_id=str(uuid.uuid4()))
        self._store.commit(contract, event, expected_version=None)
        return contract

    def update(self, caller: Caller, contract_id: str, changes: dict[str, Any]) -> Contract:
        def edit(contract: Contract) -> Command:
            if (contract.status != Status.DRAFT or caller.did != contract.content.provider_did
                    or history_exhausted(contract)):
                # Refused by the rules, before anything is rendered and stored.
                return Update(changes, self._horizon())
            return Update(self._drafting().redraft(contract.id, contract.content,
                                                   dict(changes)), self._horizon())

        try:
            return self._execute(caller, contract_id, edit)
        except NothingToChange:
            return self.get(caller, contract_id)  # a repeated or empty edit writes nothing

    def submit(self, caller: Caller, contract_id: str,
               signing_deadline: datetime | None = None) -> Contract:
        return self._execute(caller, contract_id, Submit(signing_deadline))

    def request_changes(self, caller: Caller, contract_id: str, reason: str | None) -> Contract:
        return self._execute(caller, contract_id, RequestChanges(reason))

    def activate(self, caller: Caller, contract_id: str) -> Contract:
        """A party activating a contract the lifecycle workflow already activated (at
        valid_from) gets it as it is: both wanted the same state."""
        try:
            return self._execute(caller, contract_id, Activate())
        except IllegalTransition:
            contract = self.get(caller, contract_id)
            if contract.status == Status.ACTIVE:
                return contract
            raise

    def complete(self, caller: Caller, contract_id: str) -> Contract:
        return self._execute(caller, contract_id, Complete())

    def terminate(self, caller: Caller, contract_id: str, reason: str) -> Contract:
        return self._execute(caller, contract_id, Terminate(reason))

    def sign(self, caller: Caller, contract_id: str, signature: str,
             verification_method: str | None) -> Contract:
        contract = self._party_contract(caller, contract_id)
        existing = contract.signed_by(caller.did)
        if existing is not None and existing.signature == signature:
            return contract  # a retried request: the signature already landed once
        if contract.status != Status.REVIEW or contract.digest is None:
            raise IllegalTransition(f"cannot sign a contract in status '{contract.status}'",
                                    current_status=contract.status.value,
                                    allowed_from=[Status.REVIEW.value])
        document = self._resolver.resolve(caller.did)
        method = verify_contract_signature(
            document, contract_id=contract.id, digest_hex=contract.digest, signature=signature,
            chain_id=self._settings.chain_id, verification_method=verification_method)
        record = Signature(
            signer_did=caller.did, role=contract.role_of(caller.did) or "",
            verification_method=method.id,
            scheme=scheme_of(method),
            signature=signature, digest=contract.digest, signed_at=iso_utc(self._clock()),
            chain_id=self._settings.chain_id)
        return self._execute(caller, contract_id, Sign(record, recordable(document)))

    def add_attachment(self, contract_id: str, attachment: dict[str, Any],
                       check: Callable[[Contract], None] = lambda _: None) -> Contract:
        """Register an uploaded, hashed file on a draft (the attachments trigger). ``check``
        refuses it against the contract as it is when the change is committed (a quota that
        concurrent registrations must not pass together)."""
        def add(contract: Contract) -> Command:
            check(contract)
            return AddAttachment(attachment)

        return self._execute(Caller(SYSTEM_ACTOR), contract_id, add)

    # The platform's own steps (the lifecycle workflow and the expiry sweep).

    def expire(self, contract_id: str) -> Contract:
        """Expire if due (validity ended, or signatures missing at the deadline); a contract
        that is not live, or not due, is returned as it is."""
        return self._system_step(contract_id, Expire())

    def activate_now(self, contract_id: str) -> Contract:
        """Activate a signed contract at valid_from (a party may have done it already).
        NotYetValid if woken early: the workflow retries a moment later."""
        return self._system_step(contract_id, Activate())

    def _system_step(self, contract_id: str, command: Command) -> Contract:
        try:
            return self._execute(Caller(SYSTEM_ACTOR), contract_id, command)
        except (IllegalTransition, ValidityEnded):
            return self.current(contract_id)

    def expire_due(self) -> list[str]:
        """Expire every live contract whose validity has ended; returns their ids."""
        expired = []
        system = Caller(SYSTEM_ACTOR)
        for contract_id in self._store.due_for_expiry(iso_utc(self._clock())):
            try:
                self._execute(system, contract_id, Expire())
                expired.append(contract_id)
            except DomainError:
                # Changed since the index was read, or a conflict or outage for this one
                # contract: the next sweep retries it; the others still expire now.
                continue
        return expired

    def _execute(self, caller: Caller, contract_id: str,
                 command: Command | Callable[[Contract], Command]) -> Contract:
        """Decide, seal and commit; on a lost race re-read and decide again. A command that
        depends on the current contract is given as a function of it."""
        for _ in range(MAX_ATTEMPTS):
            contract = (self._store.get(contract_id) if caller.did == SYSTEM_ACTOR
                        else self.get(caller, contract_id))
            if contract is None:
                raise NotFound(f"no contract {contract_id}")
            updated, event = record_change(
                contract, command(contract) if callable(command) else command,
                actor=caller.did, now=self._clock(), event_id=str(uuid.uuid4()))
            try:
                self._store.commit(updated, event, expected_version=contract.version)
                return updated
            except WriteConflict:
                continue
        raise ConcurrentChanges("the contract changed concurrently too many times; retry the "
                                "request")

    def _horizon(self) -> timedelta:
        return timedelta(days=self._settings.validity_horizon_days)

    def _drafting(self) -> DraftingService:
        if self._drafting_factory is None:
            raise DependencyUnavailable("no template store is configured")
        return self._drafting_factory()
