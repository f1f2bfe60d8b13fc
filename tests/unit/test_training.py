"""The enclave's training core: IDX parsing, the shipped split, DP-SGD under a budget, checkpoints.

Runs are tiny (a few hundred digits, the small CNN) so the file stays fast on two cores.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import struct
from dataclasses import replace

import numpy as np
import opacus
import pytest
import torch
from torch import nn

from enclave_app.training import data
from enclave_app.training.checkpoint import CheckpointError, Checkpointing, seal, unseal
from enclave_app.training.data import (
    Dataset,
    DatasetError,
    dataset_from_idx,
    load_idx_directory,
    load_shipped_digits,
    parse_idx_images,
    parse_idx_labels,
    views,
)
from enclave_app.training.model import ScatterNet, build_model
from enclave_app.training.trainer import (
    TrainingConfig,
    TrainingConfigError,
    _Run,
    epsilon_of,
    train,
)

KEY = bytes(range(32))
JOB = "job-0001"
# A given noise multiplier skips calibration (a dozen accountant runs); one test calibrates.
TINY = TrainingConfig(
    model="mnist_cnn", epochs=1, batch_size=50, lr=0.5, epsilon=3.0, noise_multiplier=2.0
)


# --- IDX -----------------------------------------------------------------------------------------


def idx(array: np.ndarray, magic: int | None = None) -> bytes:
    rank = array.ndim
    header = struct.pack(">I", magic if magic is not None else 0x0800 | rank)
    return header + struct.pack(f">{rank}I", *array.shape) + array.astype(np.uint8).tobytes()


def digits(count: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (count, 28, 28)), rng.integers(0, 10, count)


def test_idx_images_and_labels_parse_raw_and_gzip() -> None:
    images, labels = digits(7)
    for encode in (lambda b: b, gzip.compress):
        x = parse_idx_images(encode(idx(images)))
        y = parse_idx_labels(encode(idx(labels)))
        assert x.shape == (7, 1, 28, 28) and x.dtype == torch.float32
        assert torch.equal(x[:, 0], torch.from_numpy(images / 255.0).float())
        assert y.tolist() == labels.tolist()


def test_idx_directory_takes_each_file_gzip_or_raw(tmp_path) -> None:
    (train_x, train_y), (test_x, test_y) = digits(5, 1), digits(3, 2)
    (tmp_path / "train-images-idx3-ubyte.gz").write_bytes(gzip.compress(idx(train_x)))
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(idx(train_y))
    (tmp_path / "t10k-images-idx3-ubyte").write_bytes(idx(test_x))
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(idx(test_y)))
    dataset = load_idx_directory(tmp_path)
    assert (len(dataset.train_labels), len(dataset.test_labels)) == (5, 3)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(DatasetError, match="missing t10k-labels"):
        load_idx_directory(tmp_path)


IMAGES, LABELS = digits(2)


@pytest.mark.parametrize(
    ("parse", "raw", "message"),
    [
        (parse_idx_images, idx(IMAGES, magic=0x0903), "bad magic"),  # signed, not unsigned bytes
        (parse_idx_labels, idx(LABELS, magic=0x0803), "bad magic"),  # labels claiming rank 3
        (parse_idx_labels, idx(IMAGES), "bad magic"),  # an images file given as labels
        (parse_idx_images, b"\x00\x00\x08", "truncated header"),
        (parse_idx_images, idx(IMAGES)[:10], "truncated header"),
        (parse_idx_images, idx(IMAGES)[:-1], "truncated"),
        (parse_idx_labels, idx(LABELS) + b"\x00", "trailing bytes"),
        (parse_idx_images, idx(np.zeros((0, 28, 28))), "item count"),
        (parse_idx_images, idx(np.zeros((2, 27, 28))), "27x28"),
        (parse_idx_images, gzip.compress(idx(IMAGES))[:-8], "corrupt gzip"),
    ],
)
def test_corrupt_idx_files_are_rejected(parse, raw: bytes, message: str) -> None:
    with pytest.raises(DatasetError, match=message):
        parse(raw)


def test_labels_outside_0_to_9_are_rejected() -> None:
    with pytest.raises(DatasetError, match="label 10"):
        parse_idx_labels(idx(np.array([3, 10])))


def test_image_and_label_counts_must_match() -> None:
    images, labels = digits(4)
    with pytest.raises(DatasetError, match="train: 4 images but 3 labels"):
        dataset_from_idx(idx(images), idx(labels[:3]), idx(images), idx(labels))


def test_sizes_are_bounded_before_decompression(monkeypatch) -> None:
    monkeypatch.setattr(data, "MAX_IDX_BYTES", 10_000)
    bomb = gzip.compress(idx(np.zeros((20, 28, 28))))  # small compressed, 15 kB inflated
    assert len(bomb) < 10_000
    with pytest.raises(DatasetError, match="decompresses past"):
        parse_idx_images(bomb)
    with pytest.raises(DatasetError, match="exceeds"):
        parse_idx_images(bytes(10_001))


# --- the shipped digits, augmentation, ScatterNet ------------------------------------------------


@pytest.fixture(scope="module")
def shipped() -> Dataset:
    return load_shipped_digits()


@pytest.fixture(scope="module")
def tiny(shipped: Dataset) -> Dataset:
    return Dataset(
        "tiny", shipped.train_images[:200], shipped.train_labels[:200],
        shipped.test_images[:100], shipped.test_labels[:100],
    )  # fmt: skip


def test_shipped_split_is_fixed_shuffled_and_deterministic(shipped: Dataset) -> None:
    assert (len(shipped.train_labels), len(shipped.test_labels)) == (4000, 1000)
    again = load_shipped_digits()
    assert again.sha256() == shipped.sha256()
    assert torch.equal(again.train_labels, shipped.train_labels)
    # The source is sorted by class: a shuffled split has every class on both sides.
    assert set(shipped.train_labels[:100].tolist()) == set(range(10))
    assert set(shipped.test_labels.tolist()) == set(range(10))
    assert load_shipped_digits(seed=1).sha256() != shipped.sha256()


def test_augmented_views_are_example_major_and_reproducible(tiny: Dataset) -> None:
    images, labels = tiny.train_images[:4], tiny.train_labels[:4]
    x, y = views(images, labels, 3, torch.Generator().manual_seed(0))
    assert x.shape == (12, 1, 28, 28) and y.tolist() == labels.repeat_interleave(3).tolist()
    assert x.min() >= 0 and x.max() <= 1 and not torch.equal(x[0], x[1])
    again, _ = views(images, labels, 3, torch.Generator().manual_seed(0))
    assert torch.equal(x, again)
    assert views(images, labels, 0, torch.Generator())[0] is images


def test_scatternet_is_fixed_and_its_wavelets_ignore_constants() -> None:
    scatter = ScatterNet()
    assert not list(scatter.parameters()) and not scatter.state_dict()
    out = scatter(torch.full((2, 1, 28, 28), 0.5))
    assert out.shape == (2, 81, 7, 7)
    assert torch.allclose(out[:, 0], torch.full_like(out[:, 0], 0.5), atol=1e-4)
    assert out[:, 1:].abs().max() < 1e-4  # wavelets have zero mean


# --- training ------------------------------------------------------------------------------------


def test_tiny_private_run_stays_within_budget_and_reports_it(tiny: Dataset) -> None:
    result = train(replace(TINY, noise_multiplier=None), tiny, secret_seed=7)
    assert result.stopped == "completed" and len(result.epochs) == 1
    assert 0 < result.epsilon_spent <= TINY.epsilon
    assert result.epochs[0].epsilon == result.epsilon_spent
    assert (result.accountant, result.delta) == ("prv", 1e-5)
    assert result.accountant_version == f"opacus {opacus.__version__}"
    assert result.sample_rate == 0.25 and result.noise_multiplier > 0
    assert result.model_sha256 == hashlib.sha256(result.model_state).hexdigest()
    assert result.dataset_sha256 == tiny.sha256() and result.samples_per_second > 0
    build_model("mnist_cnn").load_state_dict(torch.load(io.BytesIO(result.model_state)))


def test_the_budget_stops_training_before_it_would_be_exceeded(tiny: Dataset) -> None:
    config = replace(TINY, epochs=50, epsilon=2.0)
    result = train(config, tiny, secret_seed=7)
    done = len(result.epochs)
    assert result.stopped == "budget" and 0 < done < 50
    assert result.epsilon_spent <= 2.0
    steps = 4 * done  # 200 examples, expected batch 50
    assert epsilon_of([(2.0, 0.25, steps)], 1e-5) == result.epsilon_spent
    assert epsilon_of([(2.0, 0.25, steps + 4)], 1e-5) > 2.0


def test_a_budget_too_small_for_one_epoch_trains_nothing(tiny: Dataset) -> None:
    result = train(replace(TINY, noise_multiplier=0.5, epsilon=0.1), tiny, secret_seed=7)
    assert (result.stopped, result.epochs, result.epsilon_spent) == ("budget", [], 0.0)


def test_non_private_mode_trains_without_the_privacy_engine(tiny: Dataset) -> None:
    result = train(replace(TINY, private=False, epochs=2, lr=0.05), tiny, secret_seed=7)
    assert (result.epsilon_spent, result.accountant, result.noise_multiplier) == (None, None, None)
    assert result.epochs[1].loss < result.epochs[0].loss


def test_augmentation_multiplicity_and_empty_poisson_batches(tiny: Dataset) -> None:
    # Expected batch 1 of 200: about a third of the Poisson batches are empty.
    config = replace(TINY, batch_size=1, augmult=2, lr=0.05)
    result = train(config, tiny, secret_seed=7)
    assert result.sample_rate == 1 / 200 and result.epsilon_spent <= 3.0


@pytest.mark.filterwarnings("ignore:Full backward hook is firing")
def test_augmult_gives_each_example_the_mean_of_its_views_gradients(tiny: Dataset) -> None:
    run = _Run(replace(TINY, augmult=3), tiny, secret_seed=1)
    inputs, labels = run._batch(torch.tensor([0, 1]))  # 2 examples x 3 views, example-major
    plain = build_model("mnist_cnn").head  # the same weights without Opacus' hooks
    plain.load_state_dict(run.model.head.state_dict())
    per_view = [
        torch.autograd.grad(
            nn.functional.cross_entropy(plain(inputs[v : v + 1]), labels[v : v + 1]),
            list(plain.parameters()),
        )
        for v in range(6)
    ]
    nn.functional.cross_entropy(run.head(inputs), labels).backward()
    run._average_views(2)
    for k, p in enumerate(run.model.head.parameters()):
        expected = torch.stack([torch.stack([per_view[3 * i + v][k] for v in range(3)]).mean(0)
                                for i in range(2)])  # fmt: skip
        assert p.grad_sample.shape == (2, *p.shape)
        assert torch.allclose(p.grad_sample, expected, atol=1e-6)


def test_accounting_follows_opacus_poisson_loader_rounding(tiny: Dataset) -> None:
    # 93 batches of 1: Opacus' loader runs int(1 / (1 / 93)) = 92 steps, charged at q = 1/92.
    images, labels = tiny.train_images[:93], tiny.train_labels[:93]
    small = Dataset("93", images, labels, tiny.test_images, tiny.test_labels)
    result = train(replace(TINY, batch_size=1, lr=0.05), small, secret_seed=7)
    assert result.sample_rate == 1 / 92
    assert result.epsilon_spent == epsilon_of([(2.0, 1 / 92, 92)], 1e-5)


def test_on_epoch_sees_every_epoch_and_can_stop_the_run(tiny: Dataset) -> None:
    seen: list[int] = []
    result = train(replace(TINY, epochs=3), tiny, on_epoch=lambda m: seen.append(m.epoch))
    assert result.stopped == "completed" and seen == [1, 2, 3]
    result = train(replace(TINY, epochs=3), tiny, on_epoch=lambda m: m.epoch < 2)
    assert result.stopped == "stopped" and len(result.epochs) == 2


@pytest.mark.parametrize(
    "change",
    [
        {"model": "resnet"}, {"epochs": 0}, {"batch_size": 0}, {"lr": 0}, {"epsilon": 0},
        {"delta": 1}, {"max_grad_norm": -1}, {"augmult": 65}, {"noise_multiplier": 0},
    ],
)  # fmt: skip
def test_configs_out_of_range_are_rejected(change: dict) -> None:
    with pytest.raises(TrainingConfigError):
        replace(TINY, **change)


# --- checkpoints ---------------------------------------------------------------------------------


def test_checkpoint_round_trip_and_tamper_rejection() -> None:
    state = {"epoch": 3, "weights": torch.arange(6.0), "history": [(1.0, 0.25, 12)]}
    blob = seal(state, KEY, JOB)
    opened = unseal(blob, KEY, JOB)
    assert opened["epoch"] == 3 and torch.equal(opened["weights"], state["weights"])
    assert seal(state, KEY, JOB) != blob  # a fresh nonce each time
    for position in (0, 8, 19, 20, len(blob) // 2, len(blob) - 1):
        tampered = bytearray(blob)
        tampered[position] ^= 1
        with pytest.raises(CheckpointError):
            unseal(bytes(tampered), KEY, JOB)
    with pytest.raises(CheckpointError, match="another key or job"):
        unseal(blob, bytes(32), JOB)
    with pytest.raises(CheckpointError, match="another key or job"):
        unseal(blob, KEY, "job-0002")
    with pytest.raises(CheckpointError, match="not a version 1"):
        unseal(blob[:20], KEY, JOB)
    with pytest.raises(CheckpointError, match="16, 24 or 32 bytes"):
        Checkpointing(key=b"short", job_id=JOB)


def test_resume_continues_at_the_next_epoch_and_matches_an_uninterrupted_run(
    tiny: Dataset,
) -> None:
    config = replace(TINY, epochs=2, augmult=2, ema_decay=0.9, cosine=True)
    saved: list[bytes] = []
    full = train(config, tiny, checkpoint=Checkpointing(KEY, JOB, saved.append), secret_seed=3)
    assert len(saved) == 2
    ran: list[int] = []
    resume = Checkpointing(KEY, JOB, resume_from=saved[0])
    resumed = train(config, tiny, checkpoint=resume, on_epoch=lambda m: ran.append(m.epoch))
    assert ran == [2] and [m.epoch for m in resumed.epochs] == [1, 2]
    assert resumed.epochs[0] == full.epochs[0]
    assert resumed.model_sha256 == full.model_sha256
    assert resumed.epsilon_spent == full.epsilon_spent
    with pytest.raises(CheckpointError, match="another training config"):
        train(replace(config, lr=0.1), tiny, checkpoint=resume)


# --- the platform admits what the trainer accepts ------------------------------------------------


def _edges(allowed) -> tuple[list, list]:
    """(values inside, values just outside) a cms.domain.training_settings.Range."""
    step = 1 if allowed.integer else 1e-9
    inside = [allowed.low + step if allowed.low_open else allowed.low,
              allowed.high - step if allowed.high_open else allowed.high]
    outside = [allowed.low if allowed.low_open else allowed.low - step,
               allowed.high if allowed.high_open else allowed.high + step]
    return inside, outside


def test_the_platforms_setting_ranges_are_the_trainers() -> None:
    from cms.domain.privacy import MAX_EPSILON
    from cms.domain.training_settings import EPOCHS, MODEL_ARCHITECTURES, TUNING
    from enclave_app.training.model import MODELS

    assert set(MODEL_ARCHITECTURES) == set(MODELS)
    checked = {name: TUNING[name] for name in TUNING if name != "seed"}  # any int seeds
    for name, allowed in {**checked, "epochs": EPOCHS}.items():
        inside, outside = _edges(allowed)
        for value in inside:
            replace(TINY, **{name: value})
        for value in outside:
            with pytest.raises(TrainingConfigError):
                replace(TINY, **{name: value})
    replace(TINY, epsilon=float(MAX_EPSILON))
    with pytest.raises(TrainingConfigError):
        replace(TINY, epsilon=float(MAX_EPSILON) + 1e-9)
