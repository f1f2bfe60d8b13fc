"""S3 buckets as content stores: conditional writes, version-pinned reads, Object Lock,
presigned uploads. Failures of S3 itself become DependencyUnavailable (503)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cms.adapters.aws import client
from cms.domain.errors import DependencyUnavailable
from cms.ports.objects import ObjectExists, ObjectHead, StoredObject


def _client() -> Any:
    return client("s3")


@contextmanager
def _s3_errors(action: str) -> Iterator[None]:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in {"PreconditionFailed",
                                                          "ConditionalRequestConflict"}:
            raise ObjectExists(action) from error
        if error.response.get("Error", {}).get("Code") in {"NoSuchKey", "404", "NoSuchVersion"}:
            raise KeyError(action) from error
        raise DependencyUnavailable(f"S3 refused to {action}") from error
    except BotoCoreError as error:
        raise DependencyUnavailable(f"S3 is unreachable ({action})") from error


class Bucket:
    """An S3 bucket (the port: cms.ports.objects.ObjectStore)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def put(self, key: str, body: bytes, content_type: str, *, if_absent: bool = False,
            metadata: dict[str, str] | None = None) -> str | None:
        """Write; returns the S3 version id. ``if_absent``: refuse to replace (ObjectExists)."""
        extra: dict[str, Any] = {"IfNoneMatch": "*"} if if_absent else {}
        with _s3_errors(f"write {key}"):
            response = _client().put_object(
                Bucket=self.name, Key=key, Body=body, ContentType=content_type,
                Metadata=metadata or {}, ChecksumAlgorithm="SHA256", **extra)
        return response.get("VersionId")

    def get(self, key: str, version_id: str | None = None, *,
            max_bytes: int | None = None) -> StoredObject:
        """Raises KeyError when absent."""
        pinned = {"VersionId": version_id} if version_id else {}
        with _s3_errors(f"read {key}"):
            response = _client().get_object(Bucket=self.name, Key=key, **pinned)
            if max_bytes is not None and response["ContentLength"] > max_bytes:
                response["Body"].close()
                raise DependencyUnavailable(f"{key} is larger than {max_bytes} bytes")
            body = response["Body"].read()
        return StoredObject(body, response.get("ContentType", ""), response.get("VersionId"),
                            response.get("Metadata", {}))

    def head(self, key: str, version_id: str | None = None) -> ObjectHead:
        """Raises KeyError when absent."""
        pinned = {"VersionId": version_id} if version_id else {}
        with _s3_errors(f"inspect {key}"):
            response = _client().head_object(Bucket=self.name, Key=key, **pinned)
        return ObjectHead(response["ContentLength"], response.get("ContentType", ""),
                          response.get("VersionId"), response.get("Metadata", {}),
                          response.get("ObjectLockMode"),
                          response.get("ObjectLockRetainUntilDate"))

    def chunks(self, key: str, version_id: str | None = None,
               size: int = 1024 * 1024) -> Iterator[bytes]:
        """Stream an object (hashing large uploads without holding them in memory)."""
        pinned = {"VersionId": version_id} if version_id else {}
        with _s3_errors(f"read {key}"):
            body = _client().get_object(Bucket=self.name, Key=key, **pinned)["Body"]
            yield from body.iter_chunks(size)

    def delete(self, key: str, version_id: str | None = None) -> None:
        pinned = {"VersionId": version_id} if version_id else {}
        with _s3_errors(f"delete {key}"):
            _client().delete_object(Bucket=self.name, Key=key, **pinned)

    def lock(self, key: str, version_id: str | None, until: datetime, mode: str) -> None:
        """Object Lock retention on one version: nobody may delete or overwrite it before
        ``until`` (GOVERNANCE: but a principal allowed s3:BypassGovernanceRetention, which the
        documents bucket's policy denies to all; COMPLIANCE: not even the account root)."""
        pinned = {"VersionId": version_id} if version_id else {}
        with _s3_errors(f"lock {key}"):
            _client().put_object_retention(
                Bucket=self.name, Key=key, **pinned,
                Retention={"Mode": mode, "RetainUntilDate": until})

    def download_url(self, key: str, version_id: str | None, *, ttl_s: int,
                     filename: str | None = None) -> str:
        params: dict[str, Any] = {"Bucket": self.name, "Key": key}
        if version_id:
            params["VersionId"] = version_id
        if filename:
            params["ResponseContentDisposition"] = f'attachment; filename="{filename}"'
        with _s3_errors(f"presign {key}"):
            return _client().generate_presigned_url("get_object", Params=params,
                                                    ExpiresIn=ttl_s)

    def upload_form(self, key: str, *, content_type: str, max_bytes: int, ttl_s: int,
                    metadata: dict[str, str], min_bytes: int = 1) -> dict[str, Any]:
        """A presigned POST whose policy pins the key, the type, the metadata and the length
        (``min_bytes`` to ``max_bytes``; both the declared size for an exact one): S3 itself
        refuses anything else, so a client cannot store more than it declared (re-checked
        when the upload is registered)."""
        fields = {"Content-Type": content_type,
                  **{f"x-amz-meta-{name}": value for name, value in metadata.items()}}
        conditions: list[Any] = [{name: value} for name, value in fields.items()]
        conditions.append(["content-length-range", min_bytes, max_bytes])
        with _s3_errors(f"presign {key}"):
            return _client().generate_presigned_post(self.name, key, Fields=fields,
                                                     Conditions=conditions, ExpiresIn=ttl_s)


@dataclass(frozen=True)
class BucketSpec:
    """What the CDK needs to declare a bucket; the code reaches it through ``env_var``."""

    key: str
    env_var: str
    prefix: str  # every object the code writes is under it (IAM grants name it)
    object_lock: bool = False  # Object Lock (signed documents); needs versioning
    events: bool = False  # publish object events to EventBridge (the triggers function)


BUCKET_SPECS: tuple[BucketSpec, ...] = (
    BucketSpec("templates", "CMS_TEMPLATES_BUCKET", "templates/"),
    # Object Lock in GOVERNANCE mode (cms.domain.contracts.retention says why), no default
    # retention: only signed contracts' files are locked, each version by the workflow.
    BucketSpec("documents", "CMS_DOCUMENTS_BUCKET", "contracts/", object_lock=True,
               events=True),
    # Datasets (uploads, then sealed), checkpoints and models of training jobs.
    BucketSpec("training", "CMS_TRAINING_BUCKET", "training/", events=True),
)
