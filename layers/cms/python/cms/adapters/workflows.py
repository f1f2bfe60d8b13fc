"""The contract lifecycle on Step Functions: one execution per submission, and the task
token it waits on for the signatures (kept in the workflows table, apart from the contract
snapshot, which every change rewrites whole)."""

from __future__ import annotations

import json
from typing import Any

from pynamodb.exceptions import PutError

from cms.adapters.aws import attempt, client
from cms.adapters.dynamo import get_or_none, is_lost_condition, unavailable_on_connection_errors
from cms.adapters.tables import WorkflowRecord
from cms.domain.errors import DependencyUnavailable

# A token that is no longer awaited (the execution moved on, timed out or ended).
STALE_TOKEN = frozenset({"TaskTimedOut", "InvalidToken", "TaskDoesNotExist"})


class Workflows:
    def __init__(self, state_machine_arn: str | None) -> None:
        self._state_machine_arn = state_machine_arn

    def start(self, name: str, payload: dict[str, Any]) -> None:
        """Start the execution ``name`` once: starting it again is a no-op (a stream record
        delivered twice)."""
        if not self._state_machine_arn:
            raise DependencyUnavailable("no lifecycle state machine is configured")
        attempt("start the lifecycle", lambda: client("stepfunctions").start_execution(
            stateMachineArn=self._state_machine_arn, name=name, input=json.dumps(payload)),
            tolerate=frozenset({"ExecutionAlreadyExists"}))

    def succeed(self, token: str, output: dict[str, Any]) -> bool:
        """Resume the waiting execution; False if it no longer waits on this token."""
        return attempt("resume the lifecycle", lambda: client("stepfunctions").send_task_success(
            taskToken=token, output=json.dumps(output)), tolerate=STALE_TOKEN) is not None

    def fail(self, token: str, error: str, cause: str) -> bool:
        return attempt("end the lifecycle", lambda: client("stepfunctions").send_task_failure(
            taskToken=token, error=error, cause=cause[:1000]), tolerate=STALE_TOKEN) is not None


class WorkflowStore:
    def claim(self, contract_id: str, submission: int, task_token: str,
              updated_at: str) -> bool:
        """Record the token of ``submission``'s execution; False if a later submission
        already holds the contract (this execution is stale)."""
        record = WorkflowRecord(contract_id, submission=submission, task_token=task_token,
                                updated_at=updated_at)
        newer_or_same = (WorkflowRecord.contract_id.does_not_exist()
                         | (WorkflowRecord.submission <= submission))
        try:
            unavailable_on_connection_errors(lambda: record.save(condition=newer_or_same))
        except PutError as error:
            if is_lost_condition(error):
                return False
            raise
        return True

    def get(self, contract_id: str) -> WorkflowRecord | None:
        return get_or_none(WorkflowRecord, contract_id)
