"""What a file attached to a draft may be: its name, type and size."""

from __future__ import annotations

import re

ATTACHMENT_MEDIA_TYPES = ("application/json", "application/pdf", "application/zip",
                          "image/jpeg", "image/png", "text/csv", "text/markdown", "text/plain")
FILENAME_PATTERN = r"^[^\x00-\x1f\x7f/\\]{1,200}$"
FILENAME = re.compile(FILENAME_PATTERN)
# The deployment's limit (Settings.attachment_max_bytes) defaults to this, and is never more.
MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024


def upload_errors(name: str, media_type: str, size: int, max_bytes: int) -> list[dict[str, str]]:
    """What is wrong with a file to attach (empty: nothing)."""
    errors = []
    if not FILENAME.fullmatch(name or ""):
        errors.append({"pointer": "/name", "message": "1-200 characters, no slashes or "
                                                      "control characters"})
    if media_type not in ATTACHMENT_MEDIA_TYPES:
        errors.append({"pointer": "/media_type",
                       "message": f"one of {', '.join(ATTACHMENT_MEDIA_TYPES)}"})
    if not 1 <= size <= min(max_bytes, MAX_ATTACHMENT_BYTES):
        errors.append({"pointer": "/size",
                       "message": f"1 to {min(max_bytes, MAX_ATTACHMENT_BYTES)} bytes"})
    return errors
