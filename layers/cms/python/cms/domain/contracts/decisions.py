"""Deciding a command: check it against the rules and say which event to record."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from cms.domain.canonical import canonical_json, iso_utc, parse_iso
from cms.domain.contracts.commands import (
    Activate,
    AddAttachment,
    Command,
    Create,
    Expire,
    RequestChanges,
    Sign,
    Submit,
    Terminate,
    Update,
)
from cms.domain.contracts.content import Content, content_digest
from cms.domain.contracts.errors import (
    NothingToChange,
    NotYetValid,
    SigningDeadlinePassed,
    ValidityEnded,
)
from cms.domain.contracts.history import check_history
from cms.domain.contracts.model import Contract, Status
from cms.domain.contracts.ranges import (
    DEFAULT_SIGNING_WINDOW,
    SIGNING_DEADLINE_RANGE,
    signing_deadline_ok,
    validity_errors,
)
from cms.domain.contracts.rules import (
    CREATED,
    RULES,
    authorize,
    checked_signature,
    with_attachment,
)
from cms.domain.errors import Forbidden, IllegalTransition, ValidationFailed


@dataclass(frozen=True)
class Decision:
    event_type: str
    data: dict[str, Any] = field(default_factory=dict)


def decide(contract: Contract | None, command: Command, actor: str, now: datetime) -> Decision:
    """Check ``command`` by ``actor`` against the rules; return the event to record."""
    if isinstance(command, Create):
        content = _still_valid(command.content.validated(), now, command.horizon)
        if content.provider_did != actor:
            raise Forbidden("the caller must be the contract's provider")
        return Decision(CREATED, {"content": content.to_json()})
    if contract is None:
        raise ValueError("only Create applies to a contract that does not exist")
    rule = RULES[type(command)]
    authorize(contract, rule, actor)
    if contract.status not in rule.allowed_from:
        allowed = sorted(status.value for status in rule.allowed_from)
        raise IllegalTransition(
            f"cannot {rule.action} a contract in status '{contract.status}'",
            current_status=contract.status.value, allowed_from=allowed)
    check_history(contract, command)
    if rule.who != "system" and now >= parse_iso(contract.content.valid_until):
        # Past its end the contract only awaits expiry, even before the sweep records it.
        raise ValidityEnded(f"the contract's validity ended at {contract.content.valid_until}",
                            valid_until=contract.content.valid_until)
    return Decision(rule.event_type, _event_data(contract, command, actor, now))


def _still_valid(content: Content, now: datetime, horizon: timedelta) -> Content:
    """A new or edited contract's validity is within range (cms.domain.contracts.ranges)."""
    errors = validity_errors(parse_iso(content.valid_from), parse_iso(content.valid_until), now,
                             horizon)
    if errors:
        raise ValidationFailed("The contract is not valid", errors)
    return content


def _event_data(contract: Contract, command: Command, actor: str, now: datetime) -> dict:
    match command:
        case Update(changes, horizon):
            return _update_data(contract, changes, now, horizon)
        case Submit(deadline):
            return {"digest": content_digest(contract.id, contract.content),
                    "signing_deadline": iso_utc(_signing_deadline(contract, deadline, now))}
        case RequestChanges(reason):
            return {"reason": reason}
        case Sign(signature, did_document):
            if contract.signing_deadline and now >= parse_iso(contract.signing_deadline):
                raise SigningDeadlinePassed(
                    f"signatures were due by {contract.signing_deadline}",
                    signing_deadline=contract.signing_deadline)
            return {"signature": checked_signature(contract, signature, actor).to_json(),
                    "did_document": did_document}
        case Activate():
            _check_validity_window(contract, now)
            return {}
        case Terminate(reason):
            return {"reason": reason}
        case Expire():
            return {"reason": _expiry_reason(contract, now)}
        case AddAttachment(attachment):
            with_attachment(contract, attachment)  # checks it is well-formed and fits
            return {"attachment": attachment}
    return {}


def _update_data(contract: Contract, changes: dict[str, Any], now: datetime,
                 horizon: timedelta) -> dict:
    current = contract.content.to_json()
    merged = _still_valid(Content.from_json({**current, **changes}).validated(), now,
                          horizon).to_json()
    # Canonical comparison: in Python True == 1, but they hash differently.
    changed = sorted(name for name in merged
                     if canonical_json(merged[name]) != canonical_json(current[name]))
    if not changed:
        raise NothingToChange("the update changes nothing")
    return {"content": merged, "changed": changed}


def _signing_deadline(contract: Contract, requested: datetime | None, now: datetime) -> datetime:
    """When the signatures are due: as requested, else 30 days, never after valid_until."""
    valid_until = parse_iso(contract.content.valid_until)
    if requested is None:
        return min(now + DEFAULT_SIGNING_WINDOW, valid_until)
    if not signing_deadline_ok(requested, valid_until, now):
        raise ValidationFailed("The signing deadline is not valid", [
            {"pointer": "/signing_deadline", "message": f"must be {SIGNING_DEADLINE_RANGE}"}])
    return requested


def _expiry_reason(contract: Contract, now: datetime) -> str:
    if now >= parse_iso(contract.content.valid_until):
        return "validity_ended"
    if (contract.status == Status.REVIEW and contract.signing_deadline
            and now >= parse_iso(contract.signing_deadline)):
        return "signing_deadline_passed"
    raise IllegalTransition("neither the validity nor the signing deadline has ended",
                            current_status=contract.status.value)


def _check_validity_window(contract: Contract, now: datetime) -> None:
    if now < parse_iso(contract.content.valid_from):
        raise NotYetValid(f"the contract can be activated from {contract.content.valid_from}",
                          valid_from=contract.content.valid_from)
    if now >= parse_iso(contract.content.valid_until):
        raise ValidityEnded(f"the contract's validity ended at {contract.content.valid_until}",
                            valid_until=contract.content.valid_until)
