"""The dataset format check at registration, and sealing (opened by the enclave only as the
dataset it was registered as)."""

from __future__ import annotations

import gzip
import io
import struct
import zipfile

import pytest

from cms.domain.datasets import DatasetRejected, check_mnist_archive, seal_dataset
from enclave_app.jobs import JobError, open_dataset

STEMS = {"train_images": "train-images-idx3-ubyte", "train_labels": "train-labels-idx1-ubyte",
         "test_images": "t10k-images-idx3-ubyte", "test_labels": "t10k-labels-idx1-ubyte"}


def idx(count: int, rank: int, label: int = 3) -> bytes:
    shape = (count, 28, 28) if rank == 3 else (count,)
    body = bytes(count * 784) if rank == 3 else bytes([label]) * count
    return struct.pack(">HBB", 0, 8, rank) + struct.pack(f">{rank}I", *shape) + body


def archive(*, gzipped: bool = False, **files: bytes | None) -> bytes:
    contents = {"train_images": idx(30, 3), "train_labels": idx(30, 1),
                "test_images": idx(10, 3), "test_labels": idx(10, 1), **files}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        for name, data in contents.items():
            if data is not None:
                stem = STEMS[name] + (".gz" if gzipped else "")
                out.writestr(stem, gzip.compress(data) if gzipped else data)
    return buffer.getvalue()


@pytest.mark.parametrize("gzipped", [False, True])
def test_a_well_formed_archive_is_counted_and_hashed(gzipped):
    data = archive(gzipped=gzipped)
    summary = check_mnist_archive(data)
    assert (summary.train_examples, summary.test_examples, summary.size) == (30, 10, len(data))
    assert len(summary.sha256) == 64


@pytest.mark.parametrize("files, reason", [
    ({"test_labels": None}, "missing"),
    ({"train_labels": idx(29, 1)}, "30 images but 29 labels"),
    ({"train_images": idx(30, 3)[:-1]}, "bytes where the header implies"),
    ({"test_labels": idx(10, 1, label=10)}, "outside 0-9"),
    ({"train_images": idx(30, 1)}, "rank 3"),
    ({"train_images": b"\x00\x00\x08"}, "shorter than its header"),
])
def test_corrupt_archives_are_refused_with_the_reason(files, reason):
    with pytest.raises(DatasetRejected, match=reason):
        check_mnist_archive(archive(**files))


def test_a_file_that_is_not_a_zip_is_refused():
    with pytest.raises(DatasetRejected, match="zip"):
        check_mnist_archive(b"PK\x03\x04 not really")


def test_a_sealed_dataset_opens_only_under_its_key_and_location():
    data, key, uri = archive(), b"k" * 32, "s3://bucket/training/datasets/c/d.sealed"
    sealed = seal_dataset(data, key, uri)
    assert open_dataset(sealed, key, uri) == data
    for wrong_key, wrong_uri in ((b"x" * 32, uri), (key, uri + "2")):
        with pytest.raises(JobError):
            open_dataset(sealed, wrong_key, wrong_uri)
