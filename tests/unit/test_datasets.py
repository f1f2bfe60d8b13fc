"""The dataset format check at registration, and sealing (opened by the enclave only as the
dataset it was registered as)."""

from __future__ import annotations

import pytest

from cms.domain.datasets import DatasetRejected, check_mnist_archive, seal_dataset
from enclave_app.jobs import JobError, open_dataset
from tests.unit.services.training_setup import archive, idx


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
