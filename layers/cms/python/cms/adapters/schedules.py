"""One-time EventBridge Scheduler schedules (expiry and reminders): a Standard execution
lives at most a year, so what happens at valid_until is scheduled, not waited for."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from cms.adapters.aws import attempt, client
from cms.domain.lifecycle import seconds_up


class Schedules:
    def __init__(self, group: str, role_arn: str | None) -> None:
        self._group = group
        self._role_arn = role_arn

    def at(self, name: str, when: datetime, target_arn: str, payload: dict[str, Any]) -> None:
        """Invoke ``target_arn`` with ``payload`` once at ``when`` (UTC); replaces a schedule
        of the same name (a retried step schedules the same thing again)."""
        # at() takes whole seconds: round up, or it would fire before the moment.
        whole = seconds_up(when)
        arguments = {
            "Name": name, "GroupName": self._group,
            "ScheduleExpression": f"at({whole.strftime('%Y-%m-%dT%H:%M:%S')})",
            "ScheduleExpressionTimezone": "UTC", "FlexibleTimeWindow": {"Mode": "OFF"},
            "ActionAfterCompletion": "DELETE",
            "Target": {"Arn": target_arn, "RoleArn": self._role_arn or "",
                       "Input": json.dumps(payload),
                       "RetryPolicy": {"MaximumRetryAttempts": 20,
                                       "MaximumEventAgeInSeconds": 86400}},
        }
        scheduler = client("scheduler")
        created = attempt("create a schedule", lambda: scheduler.create_schedule(**arguments),
                          tolerate=frozenset({"ConflictException"}))
        if created is None:
            attempt("update a schedule", lambda: scheduler.update_schedule(**arguments))

    def cancel(self, name: str) -> None:
        attempt("delete a schedule", lambda: client("scheduler").delete_schedule(
            Name=name, GroupName=self._group), tolerate=frozenset({"ResourceNotFoundException"}))
