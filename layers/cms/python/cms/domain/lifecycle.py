"""What the lifecycle publishes and when it acts: pure rules shared by the events function
(which reads the audit table's stream) and the lifecycle function (the workflow's tasks)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from cms.domain.audit import AuditEvent
from cms.domain.canonical import parse_iso
from cms.domain.contracts.model import Contract, Status

CONTRACT_STREAM_PREFIX = "contract:"
# Published as "contract.<name>": the audit event types, plus reminders.
REMINDER = "contract.reminder"
# Errors the workflow's signature wait fails with when the submission is over early.
CHANGES_REQUESTED = "ContractChangesRequested"
ENDED = "ContractEnded"
SIGNED_OR_LATER = frozenset({Status.SIGNED, Status.ACTIVE, Status.COMPLETED, Status.TERMINATED,
                             Status.EXPIRED})
FINAL = frozenset({Status.COMPLETED, Status.TERMINATED, Status.EXPIRED})


def execution_name(contract_id: str, submission_seq: int) -> str:
    """One execution per submission: a resubmission after changes starts a new one."""
    return f"{contract_id}-{submission_seq}"


def expiry_schedule(contract_id: str) -> str:
    return f"expire-{contract_id}"


def activation_schedule(contract_id: str) -> str:
    return f"activate-{contract_id}"


def reminder_schedule(contract_id: str, kind: str) -> str:
    return f"remind-{kind}-{contract_id}"


def status_after(event: AuditEvent, contract: Contract) -> str:
    """The contract's status right after ``event`` (the snapshot may already be further)."""
    fixed = {"contract.created": "draft", "contract.updated": "draft",
             "contract.attachment_added": "draft", "contract.changes_requested": "draft",
             "contract.submitted": "review", "contract.activated": "active",
             "contract.completed": "completed", "contract.terminated": "terminated",
             "contract.expired": "expired"}
    if event.event_type in fixed:
        return fixed[event.event_type]
    # A signature completes the set when every party has signed by this event's time.
    signed_at = event.data.get("signature", {}).get("signed_at", "")
    done = {s.signer_did for s in contract.signatures if s.signed_at <= signed_at}
    return "signed" if done >= set(contract.parties) else "review"


def bus_detail(event: AuditEvent, contract: Contract) -> dict[str, Any]:
    """What integrations receive: the event, without the bulky parts (DID documents)."""
    data = {key: value for key, value in event.data.items()
            if key not in {"did_document", "content"}}
    if "content" in event.data:
        data["changed"] = event.data.get("changed", ["*"])
    return {"event_id": event.event_id, "contract_id": contract.id,
            "parties": list(contract.parties), "status": status_after(event, contract),
            "seq": event.seq, "hash": event.hash, "at": event.at, "actor": event.actor,
            "data": data}


def reminder_detail(contract: Contract, kind: str, due: str, at: str) -> dict[str, Any]:
    return {"event_id": f"reminder:{kind}:{contract.id}:{due}", "contract_id": contract.id,
            "parties": list(contract.parties), "status": contract.status.value, "seq": None,
            "hash": None, "at": at, "actor": None, "data": {"kind": kind, "due_at": due}}


def reminder_time(due: str, lead: timedelta, now: datetime) -> datetime | None:
    """When to remind of ``due``: ``lead`` before it, or None if that moment has passed."""
    try:
        moment = parse_iso(due) - lead
    except OverflowError:  # before the first representable moment: long past
        return None
    return moment if moment > now else None


_LAST_SECOND = datetime.max.replace(microsecond=0)


def seconds_up(moment: datetime) -> datetime:
    """``moment`` rounded up to a whole second (schedules and waits take whole seconds, and
    must not fire before it). The last second of the year 9999 has no whole second after it:
    it is rounded down there rather than overflow (no contract may end that late; see
    cms.domain.contracts.ranges)."""
    whole = moment.replace(microsecond=0)
    if whole < moment and whole < _LAST_SECOND.replace(tzinfo=whole.tzinfo):
        whole += timedelta(seconds=1)
    return whole


def iso_seconds_up(moment: str) -> str:
    """``moment`` rounded up to a whole second, as ``YYYY-MM-DDTHH:MM:SSZ``."""
    return seconds_up(parse_iso(moment)).strftime("%Y-%m-%dT%H:%M:%SZ")
