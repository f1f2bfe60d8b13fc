"""The contract lifecycle beyond single requests.

The audit table's stream drives it (``on_events``): every contract event is published on the
bus, a submission starts a Step Functions execution, and the signature that completes the set
(or a request for changes, or a termination) resumes the execution waiting on it. The
execution's tasks come back here (``await_signatures``, ``deadline_passed``, ``lock_documents``,
``activate``, ``schedule_expiry``) and so do the one-time schedules (``expire``, ``remind``).
Every step is idempotent: streams, executions and schedules all retry.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from cms.adapters.event_bus import EventBus
from cms.adapters.schedules import Schedules
from cms.adapters.workflows import Workflows, WorkflowStore
from cms.config import Settings
from cms.domain.audit import AuditEvent
from cms.domain.canonical import iso_utc, parse_iso, utc_now
from cms.domain.contracts import LIVE, Contract, Status
from cms.domain.errors import DependencyUnavailable, DomainError, NotFound
from cms.domain.lifecycle import (
    CHANGES_REQUESTED,
    CONTRACT_STREAM_PREFIX,
    ENDED,
    FINAL,
    REMINDER,
    SIGNED_OR_LATER,
    activation_schedule,
    bus_detail,
    execution_name,
    expiry_schedule,
    iso_seconds_up,
    reminder_detail,
    reminder_schedule,
    reminder_time,
    status_after,
)
from cms.services.contracts import ContractService

# An execution lives at most a year; a longer wait for valid_from is scheduled instead.
MAX_WAIT = timedelta(days=300)


class NotDueYet(Exception):
    """A timed step ran a moment early: the caller (Step Functions, Scheduler) retries."""


class LifecycleService:
    def __init__(self, contracts: ContractService, *, workflows: Workflows,
                 workflow_store: WorkflowStore, schedules: Schedules, bus: EventBus,
                 lock_documents: Callable[[Contract], int], settings: Settings,
                 clock: Callable[[], datetime] = utc_now) -> None:
        self._contracts = contracts
        self._workflows = workflows
        self._workflow_store = workflow_store
        self._schedules = schedules
        self._bus = bus
        self._lock_documents = lock_documents
        self._settings = settings
        self._clock = clock

    # ------------------------------------------------------------ the stream

    def on_events(self, events: list[AuditEvent]) -> tuple[int, list[str]]:
        """Drive the workflow for each contract event, then publish them. Returns how many
        were published and the ids of events skipped as unusable (a history edited outside
        the API must not block the stream behind it). Infrastructure failures raise, and the
        stream redelivers the batch."""
        published, skipped = [], []
        contracts: dict[str, Contract] = {}  # read once per batch: its events come in runs
        for event in events:
            if not event.stream.startswith(CONTRACT_STREAM_PREFIX):
                continue  # identity events are not lifecycle events
            contract_id = event.stream.removeprefix(CONTRACT_STREAM_PREFIX)
            try:
                if contract_id not in contracts:
                    contracts[contract_id] = self._contracts.current(contract_id)
                contract = contracts[contract_id]
                self._drive(event, contract)
                published.append((event.event_type, bus_detail(event, contract)))
            except DependencyUnavailable:
                raise
            except (DomainError, KeyError, TypeError, ValueError, AttributeError):
                skipped.append(event.event_id)
        self._bus.publish(published)
        return len(published), skipped

    def _drive(self, event: AuditEvent, contract: Contract) -> None:
        """Resume only the execution of the submission this event followed: a redelivered
        old event must not end a later submission's workflow."""
        match event.event_type:
            case "contract.submitted":
                self._start(contract, event)
            case "contract.signed" if status_after(event, contract) == "signed":
                self._resume(contract.id, event.seq, lambda token: self._workflows.succeed(
                    token, {"status": "signed"}))
            case "contract.changes_requested":
                self._resume(contract.id, event.seq, lambda token: self._workflows.fail(
                    token, CHANGES_REQUESTED, "a party asked for changes"))
            case "contract.terminated" | "contract.completed" | "contract.expired":
                self._resume(contract.id, event.seq, lambda token: self._workflows.fail(
                    token, ENDED, event.event_type))
                for name in (expiry_schedule(contract.id), activation_schedule(contract.id),
                             reminder_schedule(contract.id, "expiry"),
                             reminder_schedule(contract.id, "signing_deadline")):
                    self._schedules.cancel(name)

    def _start(self, contract: Contract, submitted: AuditEvent) -> None:
        deadline = submitted.data["signing_deadline"]
        timeout = (parse_iso(deadline) - self._clock()).total_seconds()
        self._workflows.start(execution_name(contract.id, submitted.seq), {
            "contract_id": contract.id, "submission": submitted.seq,
            "signing_deadline": deadline, "signing_timeout_s": max(1, int(timeout) + 1),
            # Whole seconds, rounded up: Wait states read no fractions.
            "activate_at": iso_seconds_up(contract.content.valid_from),
            "valid_until": contract.content.valid_until})

    def _resume(self, contract_id: str, event_seq: int, send: Callable[[str], bool]) -> None:
        record = self._workflow_store.get(contract_id)
        if record is not None and record.task_token and int(record.submission) < event_seq:
            send(record.task_token)  # False: it no longer waits (already resumed or ended)

    # ------------------------------------------------------------ the workflow's tasks

    def await_signatures(self, contract_id: str, submission: int, token: str,
                         own_arn: str) -> None:
        """Keep the token the execution waits on; resume at once if the outcome is already
        known (e.g. the last signature landed before the token was stored)."""
        current = self._workflow_store.claim(contract_id, submission, token,
                                             iso_utc(self._clock()))
        contract = self._contracts.current(contract_id)
        if not current or contract.status == Status.DRAFT:
            self._workflows.fail(token, CHANGES_REQUESTED, "superseded by changes")
        elif contract.status in FINAL:
            self._workflows.fail(token, ENDED, contract.status.value)
        elif contract.status in SIGNED_OR_LATER:
            self._workflows.succeed(token, {"status": "signed"})
        elif contract.signing_deadline:
            self._remind_at(contract, "signing_deadline", contract.signing_deadline,
                            timedelta(seconds=self._settings.signing_reminder_s), own_arn)

    def deadline_passed(self, contract_id: str) -> str:
        """The signing deadline passed with signatures missing: the contract expires. Woken
        a moment early (clocks differ), NotDueYet: the workflow retries."""
        contract = self._contracts.expire(contract_id)
        if contract.status == Status.REVIEW:
            raise NotDueYet(f"signatures are due by {contract.signing_deadline}")
        return contract.status.value

    def lock_documents(self, contract_id: str) -> int:
        return self._lock_documents(self._contracts.current(contract_id))

    def activate(self, contract_id: str) -> str:
        return self._contracts.activate_now(contract_id).status.value

    def schedule_expiry(self, contract_id: str, own_arn: str) -> str:
        contract = self._contracts.current(contract_id)
        if contract.status in FINAL:
            return contract.status.value
        until = contract.content.valid_until
        self._schedules.at(expiry_schedule(contract_id), parse_iso(until), own_arn,
                           {"action": "expire", "contract_id": contract_id})
        self._remind_at(contract, "expiry", until,
                        timedelta(seconds=self._settings.expiry_reminder_s), own_arn)
        return contract.status.value

    # ------------------------------------------------------------ schedules

    def expire(self, contract_id: str) -> str:
        """The expiry schedule: NotDueYet if it fired early (the scheduler retries)."""
        contract = self._contracts.expire(contract_id)
        if contract.status in LIVE and self._clock() < parse_iso(contract.content.valid_until):
            raise NotDueYet(f"the contract is valid until {contract.content.valid_until}")
        return contract.status.value

    def plan_activation(self, contract_id: str, own_arn: str) -> bool:
        """True: the workflow waits for valid_from itself. Further off than an execution may
        live, the activation is scheduled instead (and the workflow ends)."""
        contract = self._contracts.current(contract_id)
        start = parse_iso(contract.content.valid_from)
        if start - self._clock() <= MAX_WAIT or contract.status != Status.SIGNED:
            return True
        self._schedules.at(activation_schedule(contract_id), start, own_arn,
                           {"action": "activate_on_schedule", "contract_id": contract_id})
        return False

    def activate_on_schedule(self, contract_id: str, own_arn: str) -> str:
        self._contracts.activate_now(contract_id)  # NotYetValid if early: retried
        return self.schedule_expiry(contract_id, own_arn)

    def remind(self, contract_id: str, kind: str, due: str) -> bool:
        """Publish a reminder if it still applies (nothing was signed or ended meanwhile)."""
        try:
            contract = self._contracts.current(contract_id)
        except NotFound:
            return False
        relevant = {"signing_deadline": contract.status == Status.REVIEW
                    and contract.signing_deadline == due,
                    "expiry": contract.status in {Status.SIGNED, Status.ACTIVE}
                    and contract.content.valid_until == due}
        if not relevant.get(kind):
            return False
        self._bus.publish([(REMINDER, reminder_detail(contract, kind, due,
                                                      iso_utc(self._clock())))])
        return True

    def _remind_at(self, contract: Contract, kind: str, due: str, lead: timedelta,
                   own_arn: str) -> None:
        moment = reminder_time(due, lead, self._clock())
        if moment is not None:
            self._schedules.at(reminder_schedule(contract.id, kind), moment, own_arn, {
                "action": "remind", "contract_id": contract.id, "kind": kind, "due": due})

    def sweep(self) -> list[str]:
        """Backstop for contracts no workflow watches (drafts past valid_until)."""
        return self._contracts.expire_due()
