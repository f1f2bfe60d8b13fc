"""What a consumer asks of a training job: its settings, each with the range the enclave's
trainer accepts, and the request checked against the contract's terms.

The ranges are the trainer's (``enclave_app.training.trainer.TrainingConfig``, which the
platform cannot import: it is the enclave image's; a unit test holds the two equal), so a job
the platform admits is never refused by the enclave for its settings. The API's schema is
built from the same table.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any

from cms.domain.datasets import DATASET_ID
from cms.domain.errors import ValidationFailed
from cms.domain.privacy import (
    MAX_EPOCHS,
    MAX_TERM_ITEMS,
    TrainingTerms,
    delta,
    epsilon,
    epsilon_text,
)

Problem = dict[str, str]
# The architectures the enclave's trainer builds (enclave_app.training.model.MODELS).
MODEL_ARCHITECTURES = ("mnist_cnn", "scatter_linear", "scatter_cnn")
MAX_SEED = 2**32 - 1


@dataclass(frozen=True)
class Range:
    """A closed or open interval of numbers (integers only if ``integer``)."""

    low: float
    high: float
    integer: bool = False
    low_open: bool = False
    high_open: bool = False

    def contains(self, value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        if self.integer and not isinstance(value, int):
            return False
        if isinstance(value, float) and not math.isfinite(value):
            return False
        above = self.low < value if self.low_open else self.low <= value
        below = value < self.high if self.high_open else value <= self.high
        return above and below

    def describe(self) -> str:
        kind = "an integer" if self.integer else "a number"
        low = f"above {_shown(self.low)}" if self.low_open else f"at least {_shown(self.low)}"
        high = (f"below {_shown(self.high)}" if self.high_open
                else f"at most {_shown(self.high)}")
        return f"{kind} {low} and {high}"

    def bounds(self) -> dict[str, float]:
        """As JSON Schema (and pydantic's Field) names them."""
        return {"gt" if self.low_open else "ge": self.low,
                "lt" if self.high_open else "le": self.high}


def _shown(bound: float) -> str:
    return str(int(bound)) if float(bound).is_integer() else f"{bound:g}"


# The tuning a consumer may ask for, with the trainer's ranges. Epochs, epsilon, delta and the
# datasets are checked against the contract's terms besides.
TUNING: dict[str, Range] = {
    "batch_size": Range(1, 100_000, integer=True),  # expected batch under Poisson sampling
    "lr": Range(0, 100, low_open=True),  # learning rate
    "momentum": Range(0, 1, high_open=True),
    "max_grad_norm": Range(0, 1000, low_open=True),  # per-example clipping bound
    "noise_multiplier": Range(0, 1e6, low_open=True, high_open=True),
    "augmult": Range(0, 64, integer=True),  # augmented views per example
    "ema_decay": Range(0, 1, low_open=True, high_open=True),
    "seed": Range(0, MAX_SEED, integer=True),
}
EPOCHS = Range(1, MAX_EPOCHS, integer=True)


@dataclass(frozen=True)
class TrainingSettings:
    """A job's settings; None leaves a setting to the contract (delta, datasets) or to the
    trainer's default (the tuning)."""

    epochs: int
    epsilon: Decimal
    delta: float | None = None
    datasets: tuple[str, ...] | None = None
    batch_size: int | None = None
    lr: float | None = None
    momentum: float | None = None
    cosine: bool | None = None
    max_grad_norm: float | None = None
    noise_multiplier: float | None = None
    augmult: int | None = None
    ema_decay: float | None = None
    seed: int | None = None

    @classmethod
    def from_json(cls, data: Any) -> TrainingSettings:
        """The settings from a job request's ``config``; ValidationFailed lists every value
        that is missing, unknown, of the wrong type or out of range."""
        if not isinstance(data, Mapping):
            raise ValidationFailed("the training settings are not an object",
                                   [_problem("", "must be an object")])
        problems = [_problem(f"/{name}", "unknown setting") for name in data
                    if name not in _NAMES]
        values = {"epochs": _read(data, "epochs", _epochs, problems),
                  "epsilon": _read(data, "epsilon", _epsilon, problems),
                  "delta": _read(data, "delta", delta, problems, optional=True),
                  "datasets": _read(data, "datasets", _datasets, problems, optional=True),
                  "cosine": _read(data, "cosine", _flag, problems, optional=True)}
        for name, allowed in TUNING.items():
            values[name] = _read(data, name, _within(allowed), problems, optional=True)
        if problems:
            raise ValidationFailed("the training settings are not valid", problems)
        return cls(**values)

    def to_json(self) -> dict[str, Any]:
        """As the job shows them: epsilon as an exact decimal string, unset ones left out."""
        shown: dict[str, Any] = {}
        for spec in fields(self):
            value = getattr(self, spec.name)
            if value is None:
                continue
            shown[spec.name] = (epsilon_text(value) if spec.name == "epsilon"
                                else list(value) if spec.name == "datasets" else value)
        return shown


_NAMES = {spec.name for spec in fields(TrainingSettings)}


def _problem(pointer: str, message: str) -> Problem:
    return {"pointer": "/config" + pointer, "message": message}


def _read(data: Mapping[str, Any], name: str, parse: Any, problems: list[Problem], *,
          optional: bool = False) -> Any:
    if data.get(name) is None:
        if not optional:
            problems.append(_problem(f"/{name}", "is required"))
        return None
    try:
        return parse(data[name])
    except ValueError as error:
        problems.append(_problem(f"/{name}", str(error)))
        return None


def _epochs(value: Any) -> int:
    if not EPOCHS.contains(value):
        raise ValueError("must be " + EPOCHS.describe())
    return int(value)


def _epsilon(value: Any) -> Decimal:
    return epsilon(value, positive=True)


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def _datasets(value: Any) -> tuple[str, ...]:
    if (not isinstance(value, list | tuple) or not 0 < len(value) <= MAX_TERM_ITEMS
            or not all(isinstance(item, str) and DATASET_ID.fullmatch(item)
                       for item in value)):
        raise ValueError(f"must be a list of 1 to {MAX_TERM_ITEMS} dataset ids")
    return tuple(value)


def _within(allowed: Range) -> Any:
    def parse(value: Any) -> int | float:
        if not allowed.contains(value):
            raise ValueError("must be " + allowed.describe())
        return value

    return parse


@dataclass(frozen=True)
class JobRequest:
    """A job's settings, admitted under the contract's terms: the model, epochs, epsilon,
    delta (the contract's if not asked for) and datasets (all of the contract's if not)."""

    model: str
    settings: TrainingSettings
    delta: float
    datasets: tuple[str, ...]

    @property
    def epsilon(self) -> Decimal:
        return self.settings.epsilon

    @classmethod
    def of(cls, model: str, settings: TrainingSettings, terms: TrainingTerms) -> JobRequest:
        """The request checked against the terms; ValidationFailed lists every problem."""
        request = cls(model, settings,
                      terms.delta if settings.delta is None else settings.delta,
                      terms.datasets if settings.datasets is None else settings.datasets)
        problems = request._against(terms)
        if problems:
            raise ValidationFailed("the training job is outside the contract's terms",
                                   problems)
        return request

    def _against(self, terms: TrainingTerms) -> list[Problem]:
        problems = []
        if self.model not in terms.model_architectures:
            problems.append({"pointer": "/model", "message": "allowed: " + ", ".join(
                terms.model_architectures)})
        if self.settings.epochs > terms.max_epochs:
            problems.append(_problem("/epochs", f"1 to {terms.max_epochs} (the contract's "
                                                "maximum)"))
        if self.epsilon > terms.epsilon:
            problems.append(_problem("/epsilon", f"at most the contract's "
                                                 f"{epsilon_text(terms.epsilon)}"))
        if self.delta > terms.delta:
            problems.append(_problem("/delta", f"above 0 and at most the contract's "
                                               f"{terms.delta:g}"))
        unknown = sorted(set(self.datasets) - set(terms.datasets))
        if unknown:
            problems.append(_problem("/datasets", "not in the contract: " + ", ".join(unknown)))
        return problems
