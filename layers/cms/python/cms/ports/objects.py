"""Object storage (S3): versioned writes, version-pinned reads, retention locks, presigned
links. Absent objects raise KeyError; a write with ``if_absent`` that finds the key taken
raises ObjectExists."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


class ObjectExists(Exception):
    """A write with ``if_absent`` found the key taken."""


@dataclass(frozen=True)
class StoredObject:
    body: bytes
    content_type: str
    version_id: str | None
    metadata: dict[str, str]


@dataclass(frozen=True)
class ObjectHead:
    size: int
    content_type: str
    version_id: str | None
    metadata: dict[str, str]
    lock_mode: str | None
    locked_until: datetime | None


class ObjectStore(Protocol):
    name: str

    def put(self, key: str, body: bytes, content_type: str, *, if_absent: bool = False,
            metadata: dict[str, str] | None = None) -> str | None:
        """Write a new version; returns its id."""

    def get(self, key: str, version_id: str | None = None, *,
            max_bytes: int | None = None) -> StoredObject: ...

    def head(self, key: str, version_id: str | None = None) -> ObjectHead: ...

    def chunks(self, key: str, version_id: str | None = None,
               size: int = 1024 * 1024) -> Iterator[bytes]: ...

    def delete(self, key: str, version_id: str | None = None) -> None: ...

    def lock(self, key: str, version_id: str | None, until: datetime, mode: str) -> None:
        """Nobody may delete or overwrite this version before ``until``."""

    def download_url(self, key: str, version_id: str | None, *, ttl_s: int,
                     filename: str | None = None) -> str: ...

    def upload_form(self, key: str, *, content_type: str, max_bytes: int, ttl_s: int,
                    metadata: dict[str, str], min_bytes: int = 1) -> dict[str, Any]:
        """A presigned POST ({url, fields}) that accepts exactly this object: this key, type
        and metadata, ``min_bytes`` to ``max_bytes`` long (its ``policy`` field says so)."""
