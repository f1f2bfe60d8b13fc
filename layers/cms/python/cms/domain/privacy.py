"""Privacy budgets of AI-training contracts, and what a training job may ask for.

A contract's terms fix the budget (``privacy_budget: {epsilon, delta, accountant}``) and what
training may do (model architectures, maximum epochs, datasets, allowed operations). Epsilon is
accounted in exact decimals (DynamoDB numbers are decimal too): ``spent + reserved`` never
exceeds the contract's epsilon, a job reserves what it asks for before it starts, and on
completion, failure or stop the part it did not spend goes back.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal, InvalidOperation
from typing import Any

from cms.domain.errors import DomainError, ValidationFailed
from cms_wire.training import EPSILON_QUANTUM  # the quantum the enclave's statements use

Problem = dict[str, str]


class NotATrainingContract(DomainError):
    code, status, title = "not_a_training_contract", 409, "The contract does not allow training"


class BudgetExceeded(DomainError):
    code, status, title = "privacy_budget_exceeded", 409, "Not enough privacy budget left"


class ResultUnavailable(DomainError):
    code, status, title = "training_result_unavailable", 409, "The job has no result yet"


def epsilon_text(amount: Decimal) -> str:
    """Epsilon as the API shows it: nine places, positional. DynamoDB trims trailing zeros
    (and moto does not), so stored numbers are re-quantized, not printed as read."""
    return format(amount.quantize(EPSILON_QUANTUM), "f")


def epsilon(value: Any) -> Decimal:
    """A non-negative epsilon as an exact decimal, rounded up to the quantum."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValueError(f"not a number: {value!r}") from None
    if isinstance(value, bool) or not amount.is_finite() or amount < 0:
        raise ValueError(f"not a non-negative finite number: {value!r}")
    return amount.quantize(EPSILON_QUANTUM, rounding=ROUND_CEILING)


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

    @classmethod
    def of(cls, terms: Any) -> TrainingTerms:
        """NotATrainingContract unless the terms carry a usable privacy budget and training
        permissions (the ai_training template's shape)."""
        try:
            budget = terms["privacy_budget"]
            made = cls(
                epsilon=epsilon(budget["epsilon"]), delta=float(budget["delta"]),
                accountant=str(budget["accountant"]),
                model_architectures=tuple(map(str, terms["model_architectures"])),
                max_epochs=int(terms["max_epochs"]),
                datasets=tuple(str(d["id"]) for d in terms["datasets"]),
                allowed_operations=tuple(map(str, terms["allowed_operations"])),
                enclave_measurements=tuple(str(m["pcr0"]).lower()
                                           for m in terms.get("enclave_measurements", [])))
        except (KeyError, TypeError, ValueError, AttributeError):
            raise NotATrainingContract("the contract's terms have no privacy budget and "
                                       "training permissions (make it from the ai_training "
                                       "template)") from None
        if "training" not in made.allowed_operations or made.epsilon <= 0:
            raise NotATrainingContract("the contract's terms do not allow training")
        return made


@dataclass(frozen=True)
class JobRequest:
    model: str
    epochs: int
    epsilon: Decimal
    delta: float
    datasets: tuple[str, ...]

    @classmethod
    def of(cls, model: str, config: dict[str, Any], terms: TrainingTerms) -> JobRequest:
        """The request checked against the terms; ValidationFailed lists every problem."""
        problems: list[Problem] = []
        request = cls(model=model, epochs=_int(config, "epochs", problems),
                      epsilon=_epsilon(config, problems),
                      delta=_delta(config, terms.delta, problems),
                      datasets=_datasets(config, terms.datasets, problems))
        problems += request._against(terms)
        if problems:
            raise ValidationFailed("the training job is outside the contract's terms",
                                   problems)
        return request

    def _against(self, terms: TrainingTerms) -> list[Problem]:
        problems = []
        if self.model not in terms.model_architectures:
            problems.append({"pointer": "/model", "message": "allowed: " + ", ".join(
                terms.model_architectures)})
        if not 1 <= self.epochs <= terms.max_epochs:
            problems.append({"pointer": "/config/epochs",
                             "message": f"1 to {terms.max_epochs} (the contract's maximum)"})
        if self.epsilon > terms.epsilon:
            problems.append({"pointer": "/config/epsilon",
                             "message": f"at most the contract's {terms.epsilon}"})
        if not 0 < self.delta <= terms.delta:
            problems.append({"pointer": "/config/delta",
                             "message": f"above 0 and at most the contract's {terms.delta}"})
        unknown = sorted(set(self.datasets) - set(terms.datasets))
        if unknown:
            problems.append({"pointer": "/config/datasets",
                             "message": "not in the contract: " + ", ".join(unknown)})
        return problems


def _int(config: dict[str, Any], name: str, problems: list[Problem]) -> int:
    value = config.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        problems.append({"pointer": f"/config/{name}", "message": "must be an integer"})
        return 0
    return value


def _delta(config: dict[str, Any], default: float, problems: list[Problem]) -> float:
    value = config.get("delta", default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        problems.append({"pointer": "/config/delta", "message": "must be a number"})
        return default
    return float(value)


def _datasets(config: dict[str, Any], default: tuple[str, ...],
              problems: list[Problem]) -> tuple[str, ...]:
    value = config.get("datasets")
    if value is None:
        return default
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        problems.append({"pointer": "/config/datasets",
                         "message": "must be a list of dataset ids"})
        return default
    return tuple(value)


def _epsilon(config: dict[str, Any], problems: list[Problem]) -> Decimal:
    try:
        amount = epsilon(config.get("epsilon"))
    except ValueError:
        amount = Decimal(0)
    if amount <= 0:
        problems.append({"pointer": "/config/epsilon", "message": "must be a positive number"})
    return amount


@dataclass(frozen=True)
class Budget:
    """A contract's budget as accounted: ``available = total - spent - reserved``."""

    total: Decimal
    spent: Decimal
    reserved: Decimal

    @property
    def available(self) -> Decimal:
        return self.total - self.spent - self.reserved

    def to_json(self) -> dict[str, str]:
        return {"epsilon_total": epsilon_text(self.total),
                "epsilon_spent": epsilon_text(self.spent),
                "epsilon_reserved": epsilon_text(self.reserved),
                "epsilon_available": epsilon_text(self.available)}


def settlement(reserved: Decimal, spent: Any) -> tuple[Decimal, Decimal]:
    """(spent, released) for a job that reserved ``reserved`` and reports ``spent``: the
    report is trusted only up to the reservation (the accountant stops training there)."""
    amount = epsilon(spent)
    if amount > reserved:
        raise BudgetExceeded(f"the job reports {amount} spent, above the {reserved} it "
                             "reserved")
    return amount, reserved - amount
