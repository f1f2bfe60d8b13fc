"""DP-SGD training with Opacus under a hard privacy budget, resumable from encrypted checkpoints.

Private runs use Opacus' ``PrivacyEngine``: Poisson sampling (sample rate 1 / ceil(N / batch)),
per-example clipping to ``max_grad_norm``, Gaussian noise, and the PRV accountant. Either the
noise multiplier is calibrated so that ``epochs`` epochs spend at most ``epsilon``, or a given
multiplier runs until the next epoch would exceed it: before each epoch the accountant computes
epsilon as it will stand after that epoch, and the epoch runs only if that is within budget. A
non-private run (the baseline) takes the same path without the privacy engine.

Augmentation multiplicity (De et al. 2022): each sampled example contributes K augmented views
whose per-view gradients are averaged into one per-example gradient before clipping, so the
sensitivity, and hence the accounting, is that of one example.

Randomness: ``config.seed`` fixes initialisation and augmentation. Poisson sampling and the noise
must be unknown to whoever receives the model (a known noise stream can be subtracted), so they
come from ``secret_seed``: fresh OS randomness by default, a fixed value only for tests and
benchmarks.

Train loss and accuracy are measured on the private training data and are not themselves
differentially private; test accuracy is on the held-out split.
"""

from __future__ import annotations

import functools
import hashlib
import math
import secrets
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
import opacus
import torch
from opacus import PrivacyEngine
from opacus.accountants import create_accountant
from opacus.accountants.analysis import rdp as rdp_analysis
from opacus.accountants.utils import get_noise_multiplier
from opacus.data_loader import DPDataLoader
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from .checkpoint import CheckpointError, Checkpointing, seal, tensor_bytes, unseal
from .data import Dataset, normalise, views
from .model import MODELS, Classifier, build_model

ACCOUNTANT = "prv"
CHECKPOINT_VERSION = 1
FRONTEND_CHUNK = 1024
# (model, dataset digest, split) -> front-end features: sweeps and benchmarks train one dataset
# many times, and ScatterNet takes seconds per split. Two entries: one dataset's two splits.
FEATURE_CACHE_ENTRIES = 2
_FEATURES: dict[tuple[str, str, str], torch.Tensor] = {}
StopReason = Literal["completed", "budget", "stopped"]


class TrainingConfigError(ValueError):
    """A training configuration is outside what the trainer accepts."""


class PrivacyAccountingError(RuntimeError):
    """The accountant recorded other steps than the budget check planned (a bug; never hidden)."""


@dataclass(frozen=True)
class TrainingConfig:
    model: str = "mnist_cnn"
    epochs: int = 10
    batch_size: int = 500  # expected batch under Poisson sampling
    lr: float = 1.0
    momentum: float = 0.9
    cosine: bool = False  # decay the learning rate to 0 along a half cosine over the epochs
    max_grad_norm: float = 1.0
    private: bool = True
    epsilon: float = 3.0  # the budget: never exceeded
    delta: float = 1e-5
    noise_multiplier: float | None = None  # None: calibrated to spend epsilon over epochs
    augmult: int = 0  # augmented views per example; 0: no augmentation
    ema_decay: float | None = None  # average of the iterates (free post-processing)
    seed: int = 0

    def __post_init__(self) -> None:
        checks = {
            "model": self.model in MODELS,
            "epochs": 1 <= self.epochs <= 1000,
            "batch_size": 1 <= self.batch_size <= 100_000,
            "lr": 0 < self.lr <= 100,
            "momentum": 0 <= self.momentum < 1,
            "max_grad_norm": 0 < self.max_grad_norm <= 1e3,
            "epsilon": 0 < self.epsilon <= 100,
            "delta": 0 < self.delta < 1,
            "noise_multiplier": self.noise_multiplier is None or 0 < self.noise_multiplier < 1e6,
            "augmult": 0 <= self.augmult <= 64,
            "ema_decay": self.ema_decay is None or 0 < self.ema_decay < 1,
        }
        bad = [name for name, ok in checks.items() if not ok]
        if bad:
            raise TrainingConfigError(f"training config out of range: {', '.join(bad)}")


@dataclass(frozen=True)
class EpochMetrics:
    epoch: int
    loss: float
    train_accuracy: float
    test_accuracy: float
    epsilon: float | None  # spent so far (None when not private)
    seconds: float
    samples_per_second: float


@dataclass(frozen=True)
class TrainingResult:
    config: TrainingConfig
    model_state: bytes  # torch.save(state_dict)
    model_sha256: str
    epochs: list[EpochMetrics]
    test_accuracy: float
    epsilon_spent: float | None
    delta: float | None
    noise_multiplier: float | None
    sample_rate: float
    accountant: str | None
    accountant_version: str | None  # "opacus <version>"
    samples_per_second: float
    stopped: StopReason
    dataset_sha256: str


@dataclass
class _Progress:
    """Everything about a run that a checkpoint carries besides the tensors' owners."""

    epoch: int = 0
    metrics: list[EpochMetrics] = field(default_factory=list)
    samples: int = 0
    train_seconds: float = 0.0


def _merged_history(history: list, sigma: float, rate: float, steps: int) -> list:
    """The accountant's history after ``steps`` more steps, merged as ``step`` merges them."""
    merged = list(history)
    if merged and merged[-1][:2] == (sigma, rate):
        merged[-1] = (sigma, rate, merged[-1][2] + steps)
    else:
        merged.append((sigma, rate, steps))
    return merged


@contextmanager
def _quiet_accounting() -> Iterator[None]:
    # The PRV accountant sizes its domain with an RDP bound and warns when that bound's best
    # order is the largest one tried, and at sample rate 1 it takes log(0) on the way; the PRV
    # epsilon itself is unaffected by either.
    with warnings.catch_warnings(), np.errstate(divide="ignore"):
        warnings.filterwarnings("ignore", message="Optimal order is the largest alpha")
        yield


def _memoise_rdp() -> None:
    """Cache Opacus' RDP of one sampled-Gaussian step, a pure function of (q, sigma, order).

    The PRV accountant bounds its discretisation domain with RDP, whose fractional orders are
    summed in pure Python: about a second per epsilon. Every per-epoch check of a run repeats
    the same (q, sigma), so the cache makes all but the first nearly free.
    """
    if not hasattr(rdp_analysis._compute_rdp, "cache_info"):
        rdp_analysis._compute_rdp = functools.lru_cache(maxsize=4096)(rdp_analysis._compute_rdp)


_memoise_rdp()


def epsilon_of(history: list, delta: float) -> float:
    """Epsilon of a PRV accountant history (upper bound, as Opacus reports it)."""
    return _epsilon_of(tuple(tuple(entry) for entry in history), delta)


@functools.lru_cache(maxsize=256)
def _epsilon_of(history: tuple, delta: float) -> float:
    # Cached: each epoch's check before it and its report after it ask about the same history.
    if not history:
        return 0.0
    accountant = create_accountant(ACCOUNTANT)
    accountant.history = list(history)
    with _quiet_accounting():
        return float(accountant.get_epsilon(delta=delta))


class _Ema:
    """Exponential moving average of the parameters, with the usual warm-up of the decay."""

    def __init__(self, params: Iterable[nn.Parameter], decay: float) -> None:
        self.params = list(params)
        self.decay = decay
        self.shadow = [p.detach().clone() for p in self.params]
        self.updates = 0

    @torch.no_grad()
    def update(self) -> None:
        self.updates += 1
        decay = min(self.decay, (1 + self.updates) / (10 + self.updates))
        for shadow, p in zip(self.shadow, self.params, strict=True):
            shadow.lerp_(p.detach(), 1 - decay)

    @torch.no_grad()
    def swap(self) -> None:
        """Exchange the live and averaged weights (call twice to undo)."""
        for shadow, p in zip(self.shadow, self.params, strict=True):
            live = p.detach().clone()
            p.copy_(shadow)
            shadow.copy_(live)


class _Run:
    def __init__(self, config: TrainingConfig, dataset: Dataset, secret_seed: int) -> None:
        self.config, self.dataset = config, dataset
        with torch.random.fork_rng():  # seeded initialisation, caller's global RNG untouched
            torch.manual_seed(config.seed)
            self.model: Classifier = build_model(config.model)
        self.augment_rng = torch.Generator().manual_seed(config.seed + 1)
        self.sample_rng = torch.Generator().manual_seed(secret_seed)
        self.noise_rng = torch.Generator().manual_seed(secret_seed + 1)
        self.train_features = None if config.augmult else self._cached_features("train")
        self.test_features = self._cached_features("test")
        self.progress = _Progress()
        self.head: nn.Module = self.model.head
        self.optimizer: torch.optim.Optimizer = torch.optim.SGD(
            self.model.head.parameters(), lr=config.lr, momentum=config.momentum
        )
        self.loader = self._loader()
        self.steps_per_epoch = len(self.loader)
        self.sample_rate = 0.0
        self.engine: PrivacyEngine | None = None
        self.sigma: float | None = None
        if config.private:
            self._privatise()
        self.ema = (
            _Ema(self.model.head.parameters(), config.ema_decay) if config.ema_decay else None
        )

    # --- setup -----------------------------------------------------------------------------------

    def _cached_features(self, split: str) -> torch.Tensor:
        """Front-end output for a whole split; fixed filters, so shared by runs on the data."""
        key = (self.config.model, self.dataset.sha256(), split)
        if key not in _FEATURES:
            while len(_FEATURES) >= FEATURE_CACHE_ENTRIES:
                _FEATURES.pop(next(iter(_FEATURES)))  # oldest first
            _FEATURES[key] = self._features(getattr(self.dataset, f"{split}_images"))
        return _FEATURES[key]

    @torch.no_grad()
    def _features(self, images: torch.Tensor) -> torch.Tensor:
        chunks = [self.model.frontend(normalise(c)) for c in images.split(FRONTEND_CHUNK)]
        return torch.cat(chunks)

    def _loader(self) -> DataLoader:
        indices = TensorDataset(torch.arange(len(self.dataset.train_labels)))
        return DataLoader(
            indices,
            batch_size=self.config.batch_size,
            shuffle=not self.config.private,  # private runs: Opacus replaces it with Poisson
            generator=self.sample_rng,
        )

    def _privatise(self) -> None:
        config = self.config
        # Opacus' Poisson loader runs int(1 / q) steps and its accountant charges 1 / that
        # rate (for some sizes one step fewer, at a slightly higher rate): plan with the same.
        self.steps_per_epoch = len(DPDataLoader.from_data_loader(self.loader))
        self.sample_rate = 1 / self.steps_per_epoch
        self.sigma = config.noise_multiplier
        if self.sigma is None:
            with _quiet_accounting():
                self.sigma = get_noise_multiplier(
                    target_epsilon=config.epsilon,
                    target_delta=config.delta,
                    sample_rate=self.sample_rate,
                    steps=config.epochs * self.steps_per_epoch,
                    accountant=ACCOUNTANT,
                )
        with warnings.catch_warnings():
            # Opacus warns that secure_mode is off: the noise generator is seeded from a
            # secret instead (see the module docstring).
            warnings.filterwarnings("ignore", message=".*[Ss]ecure RNG.*")
            self.engine = PrivacyEngine(accountant=ACCOUNTANT)
        self.head, self.optimizer, self.loader = self.engine.make_private(
            module=self.model.head,
            optimizer=self.optimizer,
            data_loader=self.loader,
            noise_multiplier=self.sigma,
            max_grad_norm=config.max_grad_norm,
            poisson_sampling=True,
            noise_generator=self.noise_rng,
        )
        if len(self.loader) != self.steps_per_epoch:
            raise PrivacyAccountingError("Poisson loader length differs from the plan")

    # --- privacy accounting ----------------------------------------------------------------------

    @property
    def history(self) -> list:
        return self.engine.accountant.history if self.engine else []

    def epsilon_spent(self) -> float | None:
        return epsilon_of(self.history, self.config.delta) if self.engine else None

    def planned_history(self) -> list | None:
        """The accountant's history as it will be after one more epoch (None: not private)."""
        if not self.engine:
            return None
        return _merged_history(self.history, self.sigma, self.sample_rate, self.steps_per_epoch)

    def fits(self, planned: list | None) -> bool:
        return planned is None or epsilon_of(planned, self.config.delta) <= self.config.epsilon

    def check_accounted(self, planned: list | None) -> None:
        """The epoch charged exactly what was checked against the budget before it ran."""
        if planned is not None and [tuple(e) for e in self.history] != planned:
            raise PrivacyAccountingError(f"accountant has {self.history}, planned {planned}")

    # --- one epoch -------------------------------------------------------------------------------

    def _batch(self, index: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        labels = self.dataset.train_labels[index]
        if self.train_features is not None:
            return self.train_features[index], labels
        images, labels = views(
            self.dataset.train_images[index], labels, self.config.augmult, self.augment_rng
        )
        return self._features(images), labels

    def _average_views(self, examples: int) -> None:
        """Per-view gradients -> one gradient per example, before Opacus clips it."""
        for p in self.head.parameters():
            if p.requires_grad:
                p.grad_sample = p.grad_sample.reshape(examples, -1, *p.shape).mean(1)

    def _set_lr(self, step: int) -> None:
        """The schedule is a function of the step alone, so a resumed run follows it."""
        if not self.config.cosine:
            return
        progress = step / (self.config.epochs * self.steps_per_epoch)
        for group in self.optimizer.param_groups:
            group["lr"] = self.config.lr * 0.5 * (1 + math.cos(math.pi * progress))

    def _empty_step(self, step: int) -> None:
        """A Poisson batch can be empty; the step (noise only) must still happen."""
        for p in self.head.parameters():
            if p.requires_grad:
                p.grad_sample = p.new_zeros((0, *p.shape))
        self._set_lr(step)
        self.optimizer.step()
        self.optimizer.zero_grad()

    def _step(self, index: torch.Tensor, step: int) -> tuple[float, int, int]:
        """One optimiser step; returns (summed loss, correct, views) over the batch's views."""
        if index.numel() == 0:
            self._empty_step(step)
            return 0.0, 0, 0
        inputs, labels = self._batch(index)
        logits = self.head(inputs)
        loss = nn.functional.cross_entropy(logits, labels)
        loss.backward()
        if self.engine and self.config.augmult > 1:
            self._average_views(index.numel())
        self._set_lr(step)
        self.optimizer.step()
        self.optimizer.zero_grad()
        if self.ema:
            self.ema.update()
        correct = int((logits.argmax(1) == labels).sum())
        return loss.item() * len(labels), correct, len(labels)

    def train_epoch(self) -> EpochMetrics:
        self.model.train()
        start = time.perf_counter()
        loss = correct = seen = examples = 0
        with warnings.catch_warnings():
            # The head's inputs are data (no gradient): torch notes that Opacus' full backward
            # hooks then see only output gradients, which are all per-sample gradients need.
            warnings.filterwarnings("ignore", message="Full backward hook is firing")
            first = self.progress.epoch * self.steps_per_epoch
            for step, (index,) in enumerate(self.loader, start=first):
                batch_loss, batch_correct, batch_views = self._step(index, step)
                loss, correct, seen = loss + batch_loss, correct + batch_correct, seen + batch_views
                examples += index.numel()
        seconds = time.perf_counter() - start
        self.progress.epoch += 1
        self.progress.samples += examples
        self.progress.train_seconds += seconds
        metrics = EpochMetrics(
            epoch=self.progress.epoch,
            loss=loss / max(seen, 1),
            train_accuracy=correct / max(seen, 1),
            test_accuracy=self.test_accuracy(),
            epsilon=self.epsilon_spent(),
            seconds=seconds,
            samples_per_second=examples / seconds,
        )
        self.progress.metrics.append(metrics)
        return metrics

    @torch.no_grad()
    def _accuracy(self) -> float:
        self.model.eval()
        logits = self.model.head(self.test_features)
        return int((logits.argmax(1) == self.dataset.test_labels).sum()) / len(logits)

    def test_accuracy(self) -> float:
        """Test accuracy of the weights that would be released now (the average, with EMA)."""
        if not self.ema:
            return self._accuracy()
        self.ema.swap()
        try:
            return self._accuracy()
        finally:
            self.ema.swap()

    # --- checkpoints -----------------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        return {
            "version": CHECKPOINT_VERSION,
            "config": asdict(self.config),
            "dataset_sha256": self.dataset.sha256(),
            "progress": {
                "epoch": self.progress.epoch,
                "metrics": [asdict(m) for m in self.progress.metrics],
                "samples": self.progress.samples,
                "train_seconds": self.progress.train_seconds,
            },
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "accountant": list(self.history),
            "noise_multiplier": self.sigma,
            "ema": self.ema.shadow if self.ema else None,
            "ema_updates": self.ema.updates if self.ema else 0,
            "rng": [g.get_state() for g in (self.augment_rng, self.sample_rng, self.noise_rng)],
        }

    def restore(self, state: dict[str, Any]) -> None:
        if state.get("version") != CHECKPOINT_VERSION:
            raise CheckpointError("unsupported checkpoint version")
        if state["config"] != asdict(self.config):
            raise CheckpointError("checkpoint was made with another training config")
        if state["dataset_sha256"] != self.dataset.sha256():
            raise CheckpointError("checkpoint was made on another dataset")
        if state["noise_multiplier"] != self.sigma:
            raise CheckpointError("checkpoint noise multiplier differs from this run's")
        progress = state["progress"]
        self.progress = _Progress(
            epoch=progress["epoch"],
            metrics=[EpochMetrics(**m) for m in progress["metrics"]],
            samples=progress["samples"],
            train_seconds=progress["train_seconds"],
        )
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        if self.engine:
            self.engine.accountant.history = [tuple(entry) for entry in state["accountant"]]
        if self.ema:
            self.ema.shadow = state["ema"]
            self.ema.updates = state["ema_updates"]
        for generator, rng_state in zip(
            (self.augment_rng, self.sample_rng, self.noise_rng), state["rng"], strict=True
        ):
            generator.set_state(rng_state)

    # --- result ----------------------------------------------------------------------------------

    def result(self, stopped: StopReason) -> TrainingResult:
        if self.ema:
            self.ema.swap()  # the released model is the averaged one
        model_state = tensor_bytes(self.model.state_dict())
        accuracy = self._accuracy()
        epsilon = self.epsilon_spent()
        if epsilon is not None and epsilon > self.config.epsilon:  # unreachable: checked per epoch
            raise PrivacyAccountingError(f"epsilon {epsilon} exceeds the budget")
        progress = self.progress
        return TrainingResult(
            config=self.config,
            model_state=model_state,
            model_sha256=hashlib.sha256(model_state).hexdigest(),
            epochs=list(progress.metrics),
            test_accuracy=accuracy,
            epsilon_spent=epsilon,
            delta=self.config.delta if self.engine else None,
            noise_multiplier=self.sigma,
            sample_rate=self.sample_rate,
            accountant=ACCOUNTANT if self.engine else None,
            accountant_version=f"opacus {opacus.__version__}" if self.engine else None,
            samples_per_second=progress.samples / max(progress.train_seconds, 1e-9),
            stopped=stopped,
            dataset_sha256=self.dataset.sha256(),
        )


def train(
    config: TrainingConfig,
    dataset: Dataset,
    *,
    on_epoch: Callable[[EpochMetrics], bool | None] | None = None,
    checkpoint: Checkpointing | None = None,
    secret_seed: int | None = None,
) -> TrainingResult:
    """Train ``config.model`` on ``dataset``; ``on_epoch`` returning False stops the run."""
    if secret_seed is None:
        secret_seed = secrets.randbits(62)
    run = _Run(config, dataset, secret_seed)
    if checkpoint and checkpoint.resume_from is not None:
        run.restore(unseal(checkpoint.resume_from, checkpoint.key, checkpoint.job_id))
    stopped: StopReason = "completed"
    while run.progress.epoch < config.epochs:
        planned = run.planned_history()
        if not run.fits(planned):
            stopped = "budget"
            break
        metrics = run.train_epoch()
        run.check_accounted(planned)
        if checkpoint and checkpoint.save and _due(run.progress.epoch, config, checkpoint):
            checkpoint.save(seal(run.state(), checkpoint.key, checkpoint.job_id))
        asked_to_stop = on_epoch is not None and on_epoch(metrics) is False
        if asked_to_stop and run.progress.epoch < config.epochs:
            stopped = "stopped"
            break
    return run.result(stopped)


def _due(epoch: int, config: TrainingConfig, checkpoint: Checkpointing) -> bool:
    return epoch % checkpoint.every == 0 or epoch == config.epochs
