"""Training datasets a provider uploads: what the format check at registration accepts.

A dataset is a zip of the four classic MNIST IDX files (each raw or gzipped). Registration
checks the container and every file's header, length and label range, so a corrupt upload is
refused at once, with the reason, instead of failing a training job later. The enclave parses
the files again in full before training (enclave_app/training/data.py): it trusts nothing the
platform checked, and this check needs no numerical libraries.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import re
import struct
import zipfile
from dataclasses import dataclass

from cms.domain.errors import DomainError
from cms_wire.datasets import seal_dataset

# seal_dataset: an upload is stored for the enclave sealed to its key and location, in the
# format the enclave image shares.
__all__ = ["DATASET_ID", "IDX_FILES", "IMAGE_SIDE", "MAX_ARCHIVE_BYTES", "MAX_EXAMPLES",
           "MAX_FILE_BYTES", "MEDIA_TYPE", "DatasetRejected", "DatasetSummary",
           "check_mnist_archive", "seal_dataset"]

MEDIA_TYPE = "application/zip"
MAX_ARCHIVE_BYTES = 40 * 1024 * 1024  # base64 in one enclave frame (64 MB); MNIST gzipped is 11 MB
MAX_FILE_BYTES = 64 * 1024 * 1024  # the classic training images are 47 MB raw
MAX_EXAMPLES = 100_000
IMAGE_SIDE = 28
DATASET_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
# (stem, rank, split): the four files, as the classic distribution names them.
IDX_FILES = (("train-images-idx3-ubyte", 3, "train"), ("train-labels-idx1-ubyte", 1, "train"),
             ("t10k-images-idx3-ubyte", 3, "test"), ("t10k-labels-idx1-ubyte", 1, "test"))
_UNSIGNED_BYTE = 0x08


class DatasetRejected(DomainError):
    code, status, title = "dataset_rejected", 422, "The dataset is not a usable MNIST archive"


@dataclass(frozen=True)
class DatasetSummary:
    sha256: str
    size: int
    train_examples: int
    test_examples: int


def check_mnist_archive(archive: bytes) -> DatasetSummary:
    """The archive's digest and example counts; DatasetRejected says what is wrong."""
    if len(archive) > MAX_ARCHIVE_BYTES:
        raise DatasetRejected(f"the archive is over {MAX_ARCHIVE_BYTES} bytes")
    try:
        with zipfile.ZipFile(io.BytesIO(archive)) as files:
            counts = {(stem, split): _count(_member(files, stem), rank, stem)
                      for stem, rank, split in IDX_FILES}
    except (zipfile.BadZipFile, EOFError, OSError) as error:
        raise DatasetRejected(f"not a readable zip archive: {error}") from None
    examples = {}
    for split in ("train", "test"):
        images, labels = (counts[(stem, s)] for stem, _, s in IDX_FILES if s == split)
        if images != labels:
            raise DatasetRejected(f"{split}: {images} images but {labels} labels")
        examples[split] = images
    return DatasetSummary(hashlib.sha256(archive).hexdigest(), len(archive),
                          examples["train"], examples["test"])


def _member(files: zipfile.ZipFile, stem: str) -> bytes:
    for name in (stem, f"{stem}.gz"):
        if name in files.namelist():
            info = files.getinfo(name)
            if info.file_size > MAX_FILE_BYTES:
                raise DatasetRejected(f"{name} is over {MAX_FILE_BYTES} bytes")
            raw = files.read(name)
            return _gunzip(raw, name) if name.endswith(".gz") else raw
    raise DatasetRejected(f"{stem} (or {stem}.gz) is missing from the archive")


def _gunzip(raw: bytes, name: str) -> bytes:
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(raw)) as stream:
            data = stream.read(MAX_FILE_BYTES + 1)
    except (OSError, EOFError) as error:
        raise DatasetRejected(f"{name} does not decompress: {error}") from None
    if len(data) > MAX_FILE_BYTES:
        raise DatasetRejected(f"{name} decompresses to over {MAX_FILE_BYTES} bytes")
    return data


def _count(data: bytes, rank: int, name: str) -> int:
    header = 4 + 4 * rank
    if len(data) < header:
        raise DatasetRejected(f"{name} is shorter than its header")
    zero, kind, dims = struct.unpack(">HBB", data[:4])
    if zero != 0 or kind != _UNSIGNED_BYTE or dims != rank:
        raise DatasetRejected(f"{name}: not an unsigned-byte IDX file of rank {rank}")
    shape = struct.unpack(f">{rank}I", data[4:header])
    if rank == 3 and shape[1:] != (IMAGE_SIDE, IMAGE_SIDE):
        raise DatasetRejected(f"{name}: images are {shape[1]}x{shape[2]}, not 28x28")
    if not 0 < shape[0] <= MAX_EXAMPLES:
        raise DatasetRejected(f"{name}: {shape[0]} examples (1 to {MAX_EXAMPLES})")
    expected = header + shape[0] * (IMAGE_SIDE * IMAGE_SIDE if rank == 3 else 1)
    if len(data) != expected:
        raise DatasetRejected(f"{name}: {len(data)} bytes where the header implies "
                              f"{expected}")
    if rank == 1 and max(data[header:]) > 9:
        raise DatasetRejected(f"{name}: a label is outside 0-9")
    return shape[0]
