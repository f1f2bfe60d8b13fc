"""Triggers function: S3 events (delivered by EventBridge) for the documents bucket.

An attachment upload ("Object Created" under ``contracts/<id>/attachments/``) is hashed and
registered on its contract, or deleted if it breaks the limits or the contract is no longer
a draft. EventBridge delivers at least once; registration is idempotent.
"""

from __future__ import annotations

from typing import Any

from cms.api.observability import count, instrumented, logger
from cms.services import container


@instrumented
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if event.get("source") != "aws.s3" or event.get("detail-type") != "Object Created":
        logger.warning("ignored event", extra={"source": event.get("source"),
                                               "detail_type": event.get("detail-type")})
        return {"ignored": True}
    target = event.get("detail", {}).get("object", {})
    outcome = container.documents().register_upload(str(target.get("key", "")),
                                                    target.get("version-id"))
    if outcome is None:
        return {"ignored": True}
    count("AttachmentsRegistered" if outcome.registered else "AttachmentsRefused")
    if not outcome.registered:
        logger.warning("upload refused", extra={"contract_id": outcome.contract_id,
                                                "attachment_id": outcome.attachment_id,
                                                "reason": outcome.reason})
    return {"contract_id": outcome.contract_id, "attachment_id": outcome.attachment_id,
            "registered": outcome.registered, "reason": outcome.reason}
