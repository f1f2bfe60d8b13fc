"""Privacy budgets of AI-training contracts: the terms that fix them and epsilon arithmetic.

A contract's terms fix the budget (``privacy_budget: {epsilon, delta, accountant}``) and what
training may do (model architectures, maximum epochs, datasets, allowed operations, enclave
images). Epsilon is accounted in exact decimals (DynamoDB numbers are decimal too):
``spent + reserved`` never exceeds the contract's epsilon, a job reserves what it asks for
before it starts, and on completion, failure or stop the part it did not spend goes back.

Terms are free-form JSON that anyone drafting a contract may write, so every value read from
them is checked for type and range before any arithmetic: a contract whose terms say
``epsilon: "1e20"`` is not a training contract (and says why), it is not an overflow.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from typing import Any

from cms.domain.datasets import DATASET_ID
from cms.domain.errors import DomainError
from cms_wire.training import EPSILON_QUANTUM  # the quantum the enclave's statements use

# Beyond epsilon 100 a guarantee says nothing (e**100 bounds no likelihood ratio anyone cares
# about), and the enclave's trainer refuses a budget above it for a run.
MAX_EPSILON = Decimal(100)
# The trainer's own bound on a run's epochs (enclave_app.training.trainer.TrainingConfig).
MAX_EPOCHS = 1000
ACCOUNTANTS = ("prv", "rdp", "gdp")
# Bounds on the lists terms carry: the ai_training template allows 20 datasets and 10 images;
# anything far beyond that is not a contract anyone trains under.
MAX_TERM_ITEMS = 32
MAX_NAME_CHARS = 100
PCR0 = re.compile(r"[0-9a-f]{96}")  # SHA-384, hex
# A number written as text: digits, an optional fraction and exponent, at most 40 characters
# (more than any epsilon or delta needs; a 10,000-digit string is refused before conversion).
MAX_NUMBER_CHARS = 40
_NUMBER_TEXT = re.compile(r"-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]{1,4})?")
# What becomes of trained models when the contract ends (the ai_training template's
# ``trained_models`` term): completed models stay with the consumer (the default, also for
# terms that do not say), or the platform stops serving every model of the contract once it
# is no longer active. Either way a job unfinished when the contract ends produces nothing.
MODELS_STAY = "stay_with_consumer"
MODELS_WITHDRAWN = "withdrawn_at_end"
TRAINED_MODELS = (MODELS_STAY, MODELS_WITHDRAWN)
NOT_TRAINING = ("the contract's terms have no privacy budget and training permissions (make "
                "it from the ai_training template)")


class NotATrainingContract(DomainError):
    code, status, title = "not_a_training_contract", 409, "The contract does not allow training"


class BudgetExceeded(DomainError):
    code, status, title = "privacy_budget_exceeded", 409, "Not enough privacy budget left"


class ResultUnavailable(DomainError):
    code, status, title = "training_result_unavailable", 409, "The job has no result yet"


class ModelWithdrawn(DomainError):
    code, status, title = "model_withdrawn", 410, "The contract withdrew its trained models"


def epsilon_text(amount: Decimal) -> str:
    """Epsilon as the API shows it: nine places, positional. DynamoDB trims trailing zeros
    (and moto does not), so stored numbers are re-quantized, not printed as read."""
    return format(amount.quantize(EPSILON_QUANTUM), "f")


def decimal_of(value: Any) -> Decimal:
    """A finite decimal from a JSON number or a decimal string; ValueError says why not.
    Nothing is converted before its size is known: text is at most MAX_NUMBER_CHARS."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise ValueError("must be a number")
    if isinstance(value, str):
        if len(value) > MAX_NUMBER_CHARS or not _NUMBER_TEXT.fullmatch(value):
            raise ValueError(f"must be a decimal number of at most {MAX_NUMBER_CHARS} "
                             "characters")
        return Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("must be a finite number")
        return Decimal(repr(value))  # the shortest text that reads back as this float
    if isinstance(value, Decimal) and not value.is_finite():
        raise ValueError("must be a finite number")
    return Decimal(value)


def epsilon(value: Any, *, positive: bool = False) -> Decimal:
    """An epsilon as an exact decimal, rounded up to the quantum (never under-counted): from 0
    (above 0 if ``positive``) to MAX_EPSILON. ValueError says what is wrong. The range is
    checked before rounding, so no value can overflow the decimal context."""
    amount = decimal_of(value)
    if not (amount > 0 if positive else amount >= 0) or amount > MAX_EPSILON:
        raise ValueError(f"must be {'above' if positive else 'at least'} 0 and at most "
                         f"{MAX_EPSILON}")
    return amount.quantize(EPSILON_QUANTUM, rounding=ROUND_CEILING)


def delta(value: Any) -> float:
    """A delta: a number (or decimal string) above 0 and below 1, as (epsilon, delta)-DP
    defines it. ValueError says what is wrong."""
    amount = decimal_of(value)
    if not 0 < amount < 1 or not 0 < float(amount) < 1:  # 1e-400 is 0.0 as a float
        raise ValueError("must be above 0 and below 1")
    return float(amount)


def whole_number(value: Any, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("must be an integer")
    if not low <= value <= high:
        raise ValueError(f"must be from {low} to {high}")
    return value


@dataclass(frozen=True)
class TrainingTerms:
    """What an AI-training contract's terms allow."""

    epsilon: Decimal
    delta: float
    accountant: str
    model_architectures: tuple[str, ...]
    max_epochs: int
    datasets: tuple[str, ...]
    allowed_operations: tuple[str, ...]
    enclave_measurements: tuple[str, ...]  # allowed PCR0 values (hex)
    trained_models: str = MODELS_STAY  # one of TRAINED_MODELS

    @classmethod
    def of(cls, terms: Any) -> TrainingTerms:
        """NotATrainingContract unless the terms carry a usable privacy budget and training
        permissions (the ai_training template's shape), saying which term is unusable."""
        if not isinstance(terms, dict) or not isinstance(terms.get("privacy_budget"), dict):
            raise NotATrainingContract(NOT_TRAINING)
        budget = terms["privacy_budget"]
        try:
            made = cls(
                epsilon=_term("privacy_budget.epsilon", budget, "epsilon",
                              lambda v: epsilon(v, positive=True)),
                delta=_term("privacy_budget.delta", budget, "delta", delta),
                accountant=_term("privacy_budget.accountant", budget, "accountant",
                                 _accountant),
                model_architectures=_term("model_architectures", terms,
                                          "model_architectures", _names),
                max_epochs=_term("max_epochs", terms, "max_epochs",
                                 lambda v: whole_number(v, 1, MAX_EPOCHS)),
                datasets=_term("datasets", terms, "datasets", _dataset_ids),
                allowed_operations=_term("allowed_operations", terms, "allowed_operations",
                                         _names),
                enclave_measurements=_term("enclave_measurements", terms,
                                           "enclave_measurements", _measurements, []),
                trained_models=_term("trained_models", terms, "trained_models",
                                     _trained_models, MODELS_STAY))
        except _Unusable as error:
            raise NotATrainingContract(f"the contract's terms cannot be trained under: "
                                       f"{error}", term=error.term) from None
        if "training" not in made.allowed_operations:
            raise NotATrainingContract("the contract's terms do not allow training")
        return made


class _Unusable(Exception):
    def __init__(self, term: str, reason: str) -> None:
        super().__init__(f"{term} {reason}")
        self.term = term


_MISSING = object()


def _term(name: str, source: dict[str, Any], key: str, parse: Any,
          default: Any = _MISSING) -> Any:
    value = source.get(key, default)
    if value is _MISSING:
        raise _Unusable(name, "is missing")
    try:
        return parse(value)
    except ValueError as error:
        raise _Unusable(name, str(error)) from None


def _trained_models(value: Any) -> str:
    if value not in TRAINED_MODELS:
        raise ValueError("must be one of " + ", ".join(TRAINED_MODELS))
    return str(value)


def _accountant(value: Any) -> str:
    if value not in ACCOUNTANTS:
        raise ValueError("must be one of " + ", ".join(ACCOUNTANTS))
    return str(value)


def _items(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise ValueError("must be a list")
    if len(value) > MAX_TERM_ITEMS:
        raise ValueError(f"must have at most {MAX_TERM_ITEMS} items")
    return value


def _names(value: Any) -> tuple[str, ...]:
    items = _items(value)
    if not all(isinstance(item, str) and 0 < len(item) <= MAX_NAME_CHARS for item in items):
        raise ValueError(f"must be names of 1 to {MAX_NAME_CHARS} characters")
    return tuple(items)


def _dataset_ids(value: Any) -> tuple[str, ...]:
    ids = [item.get("id") if isinstance(item, dict) else None for item in _items(value)]
    if not all(isinstance(i, str) and DATASET_ID.fullmatch(i) for i in ids):
        raise ValueError("must be objects whose id is 1 to 64 letters, digits, '.', '_' "
                         "or '-'")
    return tuple(ids)


def _measurements(value: Any) -> tuple[str, ...]:
    pcr0s = [item.get("pcr0") if isinstance(item, dict) else None for item in _items(value)]
    if not all(isinstance(p, str) and PCR0.fullmatch(p.lower()) for p in pcr0s):
        raise ValueError("must be objects whose pcr0 is 96 hex digits")
    return tuple(p.lower() for p in pcr0s)


@dataclass(frozen=True)
class Budget:
    """A contract's budget as accounted: ``available = total - spent - reserved``."""

    total: Decimal
    spent: Decimal
    reserved: Decimal

    @property
    def available(self) -> Decimal:
        return self.total - self.spent - self.reserved


def settlement(reserved: Decimal, spent: Any) -> tuple[Decimal, Decimal]:
    """(spent, released) for a job that reserved ``reserved`` and reports ``spent``: the
    report is trusted only up to the reservation (the accountant stops training there).
    ValueError if the report is not an epsilon at all."""
    amount = epsilon(spent)
    if amount > reserved:
        raise BudgetExceeded(f"the job reports {amount} spent, above the {reserved} it "
                             "reserved")
    return amount, reserved - amount
