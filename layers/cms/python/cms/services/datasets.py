"""Training datasets under AI-training contracts: upload, registration, sealing.

The provider asks for an upload grant for one of the contract's datasets and posts the zip
straight to S3. S3's Object Created event (through EventBridge, the triggers function) runs
``register``: the archive is format-checked and hashed, sealed with a fresh KMS data key (the
plaintext key is used once and dropped; the wrapped key only the attested enclave image can
have released), stored under the contract, and the plain upload is deleted. The sealed object's
metadata is the registration (digest, size, example counts, wrapped key, uploader), so S3 is
the registry and a re-upload is a new version. A training job pins the version it trains on.
"""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cms.domain.canonical import iso_utc, utc_now
from cms.domain.contracts import Contract, Status
from cms.domain.datasets import (
    DATASET_ID,
    MAX_ARCHIVE_BYTES,
    MAX_EXAMPLES,
    MEDIA_TYPE,
    DatasetRejected,
    check_mnist_archive,
    seal_dataset,
)
from cms.domain.errors import Forbidden, IllegalTransition, NotFound, ValidationFailed
from cms.domain.identity import Caller
from cms.domain.privacy import NotATrainingContract, TrainingTerms
from cms.ports.data_keys import DataKeys
from cms.ports.objects import ObjectStore
from cms.services.contracts import ContractService

UPLOAD_KEY = re.compile(r"training/uploads/(?P<contract>[0-9a-f-]{36})/"
                        r"(?P<dataset>[A-Za-z0-9][A-Za-z0-9._-]{0,63})/[0-9a-f-]{36}\.zip")
OPEN_TO_DATASETS = (Status.SIGNED, Status.ACTIVE)


def sealed_key(contract_id: str, dataset_id: str) -> str:
    return f"training/datasets/{contract_id}/{dataset_id}.sealed"


@dataclass(frozen=True)
class DatasetRegistration:
    contract_id: str
    dataset_id: str
    registered: bool
    reason: str | None = None


@dataclass(frozen=True)
class UploadGrant:
    """A presigned POST ({url, fields}) for one of the contract's datasets."""

    contract_id: str
    dataset_id: str
    upload: dict[str, Any]
    media_type: str
    expires_in: int
    upload_id: str  # names the uploaded object; a repeated request gets a form for it again


@dataclass(frozen=True)
class Dataset:
    """One of the contract's datasets: registered or not; once registered, the archive's
    digest, size and example counts, who uploaded it, when, and its S3 version."""

    id: str
    registered: bool
    sha256: str | None = None
    size: int | None = None
    train_examples: int | None = None
    test_examples: int | None = None
    uploader: str | None = None
    registered_at: str | None = None
    version: str | None = None


@dataclass(frozen=True)
class SealedDataset:
    """What a training job needs to have its dataset opened in the enclave."""

    uri: str
    version: str | None
    wrapped_key: bytes
    sha256: str

    def to_message(self) -> dict[str, Any]:
        """The queue message's dataset fields (training_runner.jobs.RunnerJob)."""
        return {"dataset_uri": self.uri, "dataset_version": self.version,
                "dataset_key": base64.b64encode(self.wrapped_key).decode(),
                "dataset_sha256": self.sha256}


class DatasetService:
    def __init__(self, contracts: ContractService, bucket: ObjectStore, keys: DataKeys, *,
                 upload_ttl_s: int, clock: Callable[[], datetime] = utc_now) -> None:
        self._contracts = contracts
        self._bucket = bucket
        self._keys = keys
        self._upload_ttl_s = upload_ttl_s
        self._clock = clock

    def upload_grant(self, caller: Caller, contract_id: str, dataset_id: str,
                     size: int, upload_id: str | None = None) -> UploadGrant:
        """A presigned POST for one of the contract's datasets (its provider only): for a new
        upload, or signed anew for ``upload_id``, one granted before (a repeated request)."""
        contract = self._contracts.get(caller, contract_id)
        _check_provider(caller, contract)
        _check_dataset(contract, dataset_id)
        if not 0 < size <= MAX_ARCHIVE_BYTES:
            raise ValidationFailed("the dataset is too large", [{
                "pointer": "/size", "message": f"1 to {MAX_ARCHIVE_BYTES} bytes"}])
        upload_id = upload_id or str(uuid.uuid4())
        key = f"training/uploads/{contract_id}/{dataset_id}/{upload_id}.zip"
        form = self._bucket.upload_form(key, content_type=MEDIA_TYPE, max_bytes=size,
                                        ttl_s=self._upload_ttl_s,
                                        metadata={"uploader": caller.did})
        return UploadGrant(contract_id, dataset_id, form, MEDIA_TYPE, self._upload_ttl_s,
                           upload_id)

    def register(self, key: str, version_id: str | None) -> DatasetRegistration | None:
        """Check, seal and register an upload (None: not a dataset upload). Refused uploads
        and sealed ones are deleted; transient failures raise, and S3 reports again."""
        match = UPLOAD_KEY.fullmatch(key)
        if match is None:
            return None
        contract_id, dataset_id = match["contract"], match["dataset"]
        try:
            stored = self._bucket.get(key, version_id, max_bytes=MAX_ARCHIVE_BYTES)
        except KeyError:  # registered (and deleted) by an earlier delivery
            return DatasetRegistration(contract_id, dataset_id, False, "the upload is gone")
        try:
            summary = check_mnist_archive(stored.body)
            self._check_uploader(contract_id, dataset_id, stored.metadata.get("uploader", ""))
        except (DatasetRejected, Forbidden, IllegalTransition, NotATrainingContract, NotFound,
                ValidationFailed) as error:
            self._bucket.delete(key, version_id)
            return DatasetRegistration(contract_id, dataset_id, False, error.detail)
        plaintext, wrapped = self._keys.generate()
        target = sealed_key(contract_id, dataset_id)
        self._bucket.put(target, seal_dataset(stored.body, plaintext, self._uri(target)),
                         "application/octet-stream", metadata={
                             "sha256": summary.sha256, "size": str(summary.size),
                             "train-examples": str(summary.train_examples),
                             "test-examples": str(summary.test_examples),
                             "wrapped-key": base64.b64encode(wrapped).decode(),
                             "uploader": stored.metadata.get("uploader", ""),
                             "registered-at": iso_utc(self._clock())})
        self._bucket.delete(key, version_id)
        return DatasetRegistration(contract_id, dataset_id, True)

    def datasets(self, caller: Caller, contract_id: str) -> list[Dataset]:
        """The contract's datasets and whether each is registered (digest, size, counts)."""
        contract = self._contracts.get(caller, contract_id)
        return [self._listed(contract.id, dataset_id)
                for dataset_id in TrainingTerms.of(contract.content.terms).datasets]

    def sealed(self, contract_id: str, dataset_ids: tuple[str, ...]) -> SealedDataset | None:
        """The first of ``dataset_ids`` that is registered, at its current version."""
        for dataset_id in dataset_ids:
            key = sealed_key(contract_id, dataset_id)
            try:
                head = self._bucket.head(key)
            except KeyError:
                continue
            return SealedDataset(self._uri(key), head.version_id,
                                 base64.b64decode(head.metadata["wrapped-key"]),
                                 head.metadata["sha256"])
        return None

    def _listed(self, contract_id: str, dataset_id: str) -> Dataset:
        try:
            head = self._bucket.head(sealed_key(contract_id, dataset_id))
        except KeyError:
            return Dataset(dataset_id, registered=False)
        meta = head.metadata
        # Written by ``register`` alone (the bucket takes no other writes there); a count
        # that does not read back is shown as unknown rather than failing the listing.
        return Dataset(dataset_id, True, sha256=meta.get("sha256"),
                       size=_count(meta.get("size"), MAX_ARCHIVE_BYTES),
                       train_examples=_count(meta.get("train-examples"), MAX_EXAMPLES),
                       test_examples=_count(meta.get("test-examples"), MAX_EXAMPLES),
                       uploader=meta.get("uploader") or None,
                       registered_at=meta.get("registered-at"), version=head.version_id)

    def _check_uploader(self, contract_id: str, dataset_id: str, uploader: str) -> None:
        contract = self._contracts.current(contract_id)
        _check_provider(Caller(uploader), contract)
        _check_dataset(contract, dataset_id)

    def _uri(self, key: str) -> str:
        return f"s3://{self._bucket.name}/{key}"


def _count(text: str | None, limit: int) -> int | None:
    if text is None or not re.fullmatch(r"[0-9]{1,10}", text) or int(text) > limit:
        return None
    return int(text)


def _check_provider(caller: Caller, contract: Contract) -> None:
    if caller.did != contract.content.provider_did:
        raise Forbidden("only the contract's provider uploads its datasets")
    if contract.status not in OPEN_TO_DATASETS:
        raise IllegalTransition("datasets are uploaded to signed or active contracts",
                                current_status=contract.status.value,
                                allowed_from=[status.value for status in OPEN_TO_DATASETS])


def _check_dataset(contract: Contract, dataset_id: str) -> None:
    allowed = TrainingTerms.of(contract.content.terms).datasets
    if not DATASET_ID.fullmatch(dataset_id) or dataset_id not in allowed:
        raise ValidationFailed("not one of the contract's datasets", [{
            "pointer": "/dataset_id", "message": "one of: " + ", ".join(allowed)}])
