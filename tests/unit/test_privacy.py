"""Training terms, job requests and epsilon arithmetic (exact decimals, never under-counted)."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest

from cms.domain.errors import ValidationFailed
from cms.domain.privacy import (
    BudgetExceeded,
    JobRequest,
    NotATrainingContract,
    TrainingTerms,
    epsilon,
    settlement,
)
from cms.domain.templates.builtin import builtin_templates


def terms(**changes):
    template = builtin_templates()["ai_training"]
    mapped = copy.deepcopy(template.terms_for(template.definition["example"]))
    mapped.update(changes)
    return mapped


def test_the_ai_training_template_gives_training_terms():
    made = TrainingTerms.of(terms())
    assert made.epsilon == Decimal("3") and made.accountant == "prv"
    assert made.model_architectures == ("mnist_cnn",) and made.datasets == ("mnist-train",)
    assert made.enclave_measurements == ("ab" * 48,)


@pytest.mark.parametrize("bad", [
    {"privacy_budget": None}, {"allowed_operations": ["evaluation"]}, {"max_epochs": "x"}])
def test_terms_without_a_usable_budget_or_training_permission_are_refused(bad):
    with pytest.raises(NotATrainingContract):
        TrainingTerms.of(terms(**bad))
    with pytest.raises(NotATrainingContract):
        TrainingTerms.of("free text terms")


def test_a_job_inside_the_terms_is_accepted():
    request = JobRequest.of("mnist_cnn", {"epochs": 5, "epsilon": 1.5},
                            TrainingTerms.of(terms()))
    assert (request.epsilon, request.datasets) == (Decimal("1.5"), ("mnist-train",))


def test_every_way_outside_the_terms_is_listed():
    with pytest.raises(ValidationFailed) as error:
        JobRequest.of("resnet152", {"epochs": 99, "epsilon": 4, "delta": 0.1,
                                    "datasets": ["cifar"]}, TrainingTerms.of(terms()))
    assert {e["pointer"] for e in error.value.extra["errors"]} == {
        "/model", "/config/epochs", "/config/epsilon", "/config/delta", "/config/datasets"}
    with pytest.raises(ValidationFailed) as error:
        JobRequest.of("mnist_cnn", {"epochs": True, "epsilon": "NaN", "delta": "x",
                                    "datasets": 7}, TrainingTerms.of(terms()))
    assert {e["pointer"] for e in error.value.extra["errors"]} == {
        "/config/epochs", "/config/epsilon", "/config/delta", "/config/datasets"}


def test_epsilon_is_exact_and_rounded_up():
    assert epsilon(0.1) + epsilon(0.2) == Decimal("0.3")
    assert epsilon("0.0000000001") == Decimal("0.000000001")  # never under-counted
    for bad in (-1, float("inf"), "abc", True):
        with pytest.raises(ValueError):
            epsilon(bad)


def test_a_job_cannot_report_more_than_it_reserved():
    assert settlement(Decimal("1"), 0.25) == (Decimal("0.25"), Decimal("0.75"))
    with pytest.raises(BudgetExceeded):
        settlement(Decimal("1"), 1.0000001)
