"""Triggers function: S3 events (delivered by EventBridge) for the documents and training
buckets.

An attachment upload ("Object Created" under ``contracts/<id>/attachments/``) is hashed and
registered on its contract, or deleted if it breaks the limits or the contract is no longer
a draft. A dataset upload (``training/uploads/<contract>/<dataset>/…``) is format-checked,
sealed for the enclave and registered, or deleted with the reason. EventBridge delivers at
least once; registration is idempotent.
"""

from __future__ import annotations

from typing import Any

from cms.api.observability import count, instrumented, logger
from cms.runtime import FunctionRuntime

runtime = FunctionRuntime()


@instrumented
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if event.get("source") != "aws.s3" or event.get("detail-type") != "Object Created":
        logger.warning("ignored event", extra={"source": event.get("source"),
                                               "detail_type": event.get("detail-type")})
        return {"ignored": True}
    target = event.get("detail", {}).get("object", {})
    key, version = str(target.get("key", "")), target.get("version-id")
    if key.startswith("training/"):
        return _reported("Datasets", "dataset_id", runtime.services.datasets.register(key, version))
    return _reported("Attachments", "attachment_id",
                     runtime.services.documents.register_upload(key, version))


def _reported(kind: str, id_field: str, outcome: Any) -> dict[str, Any]:
    """Count and log a registration (an attachment's or a dataset's) and return it."""
    if outcome is None:
        return {"ignored": True}
    count(f"{kind}Registered" if outcome.registered else f"{kind}Refused")
    summary = {"contract_id": outcome.contract_id, id_field: getattr(outcome, id_field),
               "registered": outcome.registered, "reason": outcome.reason}
    if not outcome.registered:
        logger.warning("upload refused", extra=summary)
    return summary
