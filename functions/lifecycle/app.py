"""Lifecycle function: the Step Functions lifecycle's tasks, the one-time schedules (expiry,
reminders), and the periodic backstop sweep that expires contracts no workflow watches."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cms.api.observability import count, instrumented, logger
from cms.runtime import FunctionRuntime

runtime = FunctionRuntime()


def _sweep(event: dict[str, Any], arn: str) -> dict[str, Any]:
    expired = runtime.services.lifecycle.sweep()
    count("ContractsExpired", len(expired))
    if expired:
        logger.info("expired contracts", extra={"contract_ids": expired})
    return {"expired": expired}


def _await(event: dict[str, Any], arn: str) -> dict[str, Any]:
    runtime.services.lifecycle.await_signatures(event["contract_id"], int(event["submission"]),
                                           event["task_token"], arn)
    return {}


def _deadline(event: dict[str, Any], arn: str) -> dict[str, Any]:
    status = runtime.services.lifecycle.deadline_passed(event["contract_id"])
    if status == "expired":
        count("ContractsExpired")
    return {"status": status}


def _lock(event: dict[str, Any], arn: str) -> dict[str, Any]:
    return {"locked": runtime.services.lifecycle.lock_documents(event["contract_id"])}


def _activate(event: dict[str, Any], arn: str) -> dict[str, Any]:
    return {"status": runtime.services.lifecycle.activate(event["contract_id"])}


def _schedule_expiry(event: dict[str, Any], arn: str) -> dict[str, Any]:
    return {"status": runtime.services.lifecycle.schedule_expiry(event["contract_id"], arn)}


def _plan(event: dict[str, Any], arn: str) -> dict[str, Any]:
    return {"wait": runtime.services.lifecycle.plan_activation(event["contract_id"], arn)}


def _activate_on_schedule(event: dict[str, Any], arn: str) -> dict[str, Any]:
    return {"status": runtime.services.lifecycle.activate_on_schedule(event["contract_id"], arn)}


def _expire(event: dict[str, Any], arn: str) -> dict[str, Any]:
    return {"status": runtime.services.lifecycle.expire(event["contract_id"])}


def _remind(event: dict[str, Any], arn: str) -> dict[str, Any]:
    sent = runtime.services.lifecycle.remind(event["contract_id"], event["kind"], event["due"])
    if sent:
        count("RemindersSent")
    return {"sent": sent}


ACTIONS: dict[str, Callable[[dict[str, Any], str], dict[str, Any]]] = {
    "await_signatures": _await,
    "deadline_passed": _deadline,
    "lock_documents": _lock,
    "plan_activation": _plan,
    "activate": _activate,
    "activate_on_schedule": _activate_on_schedule,
    "schedule_expiry": _schedule_expiry,
    "expire": _expire,
    "remind": _remind,
}


@instrumented
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if event.get("source") == "aws.events":
        return _sweep(event, context.invoked_function_arn)
    action = ACTIONS.get(str(event.get("action")))
    if action is None:
        raise ValueError(f"unknown lifecycle action {event.get('action')!r}")
    # Schedules target this very function: its own ARN is where they point.
    return action(event, context.invoked_function_arn)
