"""Buckets in memory (the port: cms.ports.objects): versions, locks, fake presigned links."""

from __future__ import annotations

import base64
import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from cms.ports.objects import ObjectExists, ObjectHead, StoredObject


@dataclass(frozen=True)
class _Version:
    stored: StoredObject
    lock_mode: str | None = None
    locked_until: datetime | None = None


class MemoryBucket:
    def __init__(self, name: str) -> None:
        self.name = name
        self._lock = threading.Lock()
        self._versions: dict[str, list[_Version]] = {}

    def put(self, key: str, body: bytes, content_type: str, *, if_absent: bool = False,
            metadata: dict[str, str] | None = None) -> str | None:
        with self._lock:
            if if_absent and self._versions.get(key):
                raise ObjectExists(key)
            version_id = uuid.uuid4().hex
            self._versions.setdefault(key, []).append(_Version(StoredObject(
                bytes(body), content_type, version_id, dict(metadata or {}))))
            return version_id

    def get(self, key: str, version_id: str | None = None, *,
            max_bytes: int | None = None) -> StoredObject:
        stored = self._version(key, version_id).stored
        if max_bytes is not None and len(stored.body) > max_bytes:
            from cms.domain.errors import DependencyUnavailable

            raise DependencyUnavailable(f"{key} is larger than {max_bytes} bytes")
        return stored

    def head(self, key: str, version_id: str | None = None) -> ObjectHead:
        version = self._version(key, version_id)
        stored = version.stored
        return ObjectHead(len(stored.body), stored.content_type, stored.version_id,
                          dict(stored.metadata), version.lock_mode, version.locked_until)

    def chunks(self, key: str, version_id: str | None = None,
               size: int = 1024 * 1024) -> Iterator[bytes]:
        body = self._version(key, version_id).stored.body
        for start in range(0, len(body), size):
            yield body[start:start + size]

    def delete(self, key: str, version_id: str | None = None) -> None:
        with self._lock:
            versions = self._versions.get(key, [])
            doomed = [v for v in versions if version_id in (None, v.stored.version_id)]
            now = datetime.now(UTC)
            if any(v.locked_until is not None and v.locked_until > now for v in doomed):
                raise PermissionError(f"{key} is locked")
            self._versions[key] = [v for v in versions if v not in doomed]

    def lock(self, key: str, version_id: str | None, until: datetime, mode: str) -> None:
        with self._lock:
            versions = self._versions.get(key, [])
            for index, version in enumerate(versions):
                if version_id in (None, version.stored.version_id):
                    versions[index] = _Version(version.stored, mode, until)

    def download_url(self, key: str, version_id: str | None, *, ttl_s: int,
                     filename: str | None = None) -> str:
        self._version(key, version_id)
        return (f"memory://{self.name}/{quote(key)}?version={version_id or ''}"
                f"&expires_in={ttl_s}")

    def upload_form(self, key: str, *, content_type: str, max_bytes: int, ttl_s: int,
                    metadata: dict[str, str], min_bytes: int = 1) -> dict[str, Any]:
        fields = {"key": key, "Content-Type": content_type,
                  **{f"x-amz-meta-{name}": value for name, value in metadata.items()}}
        # The policy S3 would enforce (unsigned: nothing here checks a signature).
        conditions = [{"bucket": self.name}, *({name: value} for name, value in fields.items()),
                      ["content-length-range", min_bytes, max_bytes]]
        policy = json.dumps({"expiration": f"in {ttl_s} s", "conditions": conditions})
        fields["policy"] = base64.b64encode(policy.encode()).decode()
        return {"url": f"memory://{self.name}", "fields": fields}

    def _version(self, key: str, version_id: str | None) -> _Version:
        with self._lock:
            versions = self._versions.get(key) or []
            for version in reversed(versions):
                if version_id in (None, version.stored.version_id):
                    return version
        raise KeyError(key)
