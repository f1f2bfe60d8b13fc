"""Contracts made from templates: the content a template version and its variables give.

A template contract's terms and validity are derived from its variables, never edited
directly; its metadata carries, under keys only the platform writes, the template version it
was made from (with the variables), the digests of its rendered document, and its
attachments. Metadata is part of the content digest, so all of that is what the parties sign.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cms.domain.errors import Conflict, ValidationFailed

TEMPLATE_KEY = "template"
DOCUMENT_KEY = "document"
ATTACHMENTS_KEY = "attachments"
RESERVED_METADATA = (TEMPLATE_KEY, DOCUMENT_KEY, ATTACHMENTS_KEY)
# Fields a template derives; a client changes them through the variables.
DERIVED_FIELDS = ("terms", "valid_from", "valid_until")
MAX_ATTACHMENTS = 50


@dataclass(frozen=True)
class TemplateDraft:
    """What a client sends to make a contract from a template."""

    template_id: str
    template_version: int | None
    variables: dict[str, Any]
    consumer_did: str
    title: str | None = None
    description: str = ""
    metadata: dict[str, Any] | None = None


def check_client_metadata(metadata: dict[str, Any] | None) -> None:
    """A client may not write the platform's metadata keys (ValidationFailed)."""
    taken = sorted(set(metadata or {}) & set(RESERVED_METADATA))
    if taken:
        raise ValidationFailed("metadata uses keys the platform manages", [
            {"pointer": f"/metadata/{key}", "message": "reserved: set by the platform"}
            for key in taken])


def check_template_changes(changes: dict[str, Any]) -> None:
    """Derived fields of a template contract change only through its variables."""
    derived = [name for name in DERIVED_FIELDS if name in changes]
    if derived:
        raise ValidationFailed("this contract is made from a template: change its "
                               "variables instead", [
                                   {"pointer": f"/{name}",
                                    "message": "derived from the template's variables"}
                                   for name in derived])


def template_of(metadata: dict[str, Any]) -> dict[str, Any] | None:
    """The pinned template reference with its variables, if the contract has one (checked
    in shape: contracts older than these keys could carry anything under them)."""
    value = metadata.get(TEMPLATE_KEY)
    if isinstance(value, dict) and isinstance(value.get("variables"), dict) and isinstance(
            value.get("id"), str) and isinstance(value.get("version"), int):
        return value
    return None


def with_platform_metadata(client: dict[str, Any], current: dict[str, Any],
                           **platform: Any) -> dict[str, Any]:
    """The client's metadata with the platform's keys: ``platform`` overrides, others kept."""
    kept = {key: current[key] for key in RESERVED_METADATA if key in current}
    merged = {**client, **kept, **platform}
    return {key: merged[key] for key in sorted(merged)}


def attachments_of(metadata: dict[str, Any]) -> list[dict[str, Any]]:
    value = metadata.get(ATTACHMENTS_KEY)
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, dict) and isinstance(item.get("id"), str)]


class AttachmentExists(Conflict):
    code, title = "attachment_exists", "The attachment is already registered"


ATTACHMENT_FIELDS = {"id": str, "name": str, "media_type": str, "size": int, "sha256": str,
                     "uploaded_by": str, "object_version": (str, type(None)), "added_at": str}


def check_attachment(attachment: Any, current: list[dict[str, Any]]) -> None:
    """An attachment record is well-formed, new, and within the count limit."""
    if not isinstance(attachment, dict) or set(attachment) != set(ATTACHMENT_FIELDS) or any(
            isinstance(attachment[name], bool) or not isinstance(attachment[name], kind)
            for name, kind in ATTACHMENT_FIELDS.items()):
        raise ValidationFailed("malformed attachment record")
    if any(existing["id"] == attachment["id"] for existing in current):
        raise AttachmentExists(f"attachment {attachment['id']} is already registered")
    if len(current) >= MAX_ATTACHMENTS:
        raise Conflict(f"a contract has at most {MAX_ATTACHMENTS} attachments")
