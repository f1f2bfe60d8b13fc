"""Training terms, job settings and epsilon arithmetic: exact decimals, never under-counted,
and every number read from terms or requests within its range (a clear refusal, never an
overflow)."""

from __future__ import annotations

import contextlib
import copy
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cms.domain.errors import ValidationFailed
from cms.domain.privacy import (
    BudgetExceeded,
    NotATrainingContract,
    TrainingTerms,
    delta,
    epsilon,
    settlement,
)
from cms.domain.templates.builtin import builtin_templates
from cms.domain.training_settings import JobRequest, TrainingSettings

# What hostile terms or requests put where a number belongs.
HOSTILE_NUMBERS = [
    "1e20", "1E+999999", "-1", -3, 0, "0", "NaN", "nan", "sNaN", "Infinity", "-inf",
    float("inf"), float("nan"), 1e308, "9" * 10_000, "0." + "0" * 10_000 + "1", 10**400,
    "1e-99999", "", " 1", "1,5", "0x10", True, None, [], {}, {"epsilon": 1}, "½",
]


def terms(**changes):
    template = builtin_templates()["ai_training"]
    mapped = copy.deepcopy(template.terms_for(template.definition["example"]))
    mapped.update(changes)
    return mapped


def budget_terms(**changes):
    made = terms()
    made["privacy_budget"] = {**made["privacy_budget"], **changes}
    return made


def settings(**values) -> TrainingSettings:
    return TrainingSettings.from_json({"epochs": 5, "epsilon": 1.5, **values})


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


@pytest.mark.parametrize("value", HOSTILE_NUMBERS)
@pytest.mark.parametrize("field", ["epsilon", "delta"])
def test_hostile_budget_numbers_make_no_training_contract_and_say_which(field, value):
    with pytest.raises(NotATrainingContract) as refused:
        TrainingTerms.of(budget_terms(**{field: value}))
    assert refused.value.extra["term"] == f"privacy_budget.{field}"
    assert f"privacy_budget.{field}" in refused.value.detail
    assert len(refused.value.detail) < 300  # a 10,000-digit value is not echoed back


@pytest.mark.parametrize("field, value", [
    ("max_epochs", 0), ("max_epochs", 1001), ("max_epochs", 1e308), ("max_epochs", True),
    ("max_epochs", "20"), ("max_epochs", 10**400), ("max_epochs", float("inf")),
    ("model_architectures", "mnist_cnn"), ("model_architectures", [7]),
    ("model_architectures", ["x" * 101]), ("model_architectures", ["a"] * 33),
    ("datasets", [{"id": "x" * 65}]), ("datasets", [{"id": "../etc"}]), ("datasets", ["d"]),
    ("datasets", [{"id": 5}]), ("allowed_operations", "training"),
    ("enclave_measurements", [{"pcr0": "ab"}]), ("enclave_measurements", [{"pcr0": 7}]),
])
def test_hostile_permissions_make_no_training_contract(field, value):
    with pytest.raises(NotATrainingContract) as refused:
        TrainingTerms.of(terms(**{field: value}))
    assert refused.value.extra["term"] == field


def test_a_budget_accountant_outside_the_known_ones_is_refused():
    with pytest.raises(NotATrainingContract, match="accountant"):
        TrainingTerms.of(budget_terms(accountant={"x": 1}))


def test_budget_numbers_may_be_decimal_strings_and_measurements_any_case():
    made = TrainingTerms.of(budget_terms(epsilon="2.5", delta="1e-6"))
    assert (made.epsilon, made.delta) == (Decimal("2.5"), 1e-6)
    upper = TrainingTerms.of(terms(enclave_measurements=[{"pcr0": "AB" * 48}]))
    assert upper.enclave_measurements == ("ab" * 48,)


def test_a_job_inside_the_terms_is_accepted():
    request = JobRequest.of("mnist_cnn", settings(), TrainingTerms.of(terms()))
    assert (request.epsilon, request.datasets, request.delta) == (
        Decimal("1.5"), ("mnist-train",), 1e-6)


def test_every_way_outside_the_terms_is_listed():
    with pytest.raises(ValidationFailed) as error:
        JobRequest.of("resnet152", settings(epochs=99, epsilon=4, delta=0.1,
                                            datasets=["cifar"]), TrainingTerms.of(terms()))
    assert {e["pointer"] for e in error.value.extra["errors"]} == {
        "/model", "/config/epochs", "/config/epsilon", "/config/delta", "/config/datasets"}


def test_every_malformed_setting_is_listed():
    with pytest.raises(ValidationFailed) as error:
        TrainingSettings.from_json({"epochs": True, "epsilon": "NaN", "delta": "x",
                                    "datasets": 7, "lr": 0, "augmult": 65, "seed": -1,
                                    "momentum": 1, "cosine": "yes", "bogus": 1})
    assert {e["pointer"] for e in error.value.extra["errors"]} == {
        "/config/epochs", "/config/epsilon", "/config/delta", "/config/datasets",
        "/config/lr", "/config/augmult", "/config/seed", "/config/momentum",
        "/config/cosine", "/config/bogus"}
    with pytest.raises(ValidationFailed) as error:
        TrainingSettings.from_json({})
    assert {e["pointer"] for e in error.value.extra["errors"]} == {
        "/config/epochs", "/config/epsilon"}


@pytest.mark.parametrize("value", HOSTILE_NUMBERS)
def test_hostile_settings_are_validation_errors(value):
    if value is None:  # left out: the required ones are reported as missing
        value = "missing"
    for name in ("epochs", "epsilon", "delta", "batch_size", "lr", "max_grad_norm",
                 "noise_multiplier"):  # seed 0 is a seed: see the test above
        with pytest.raises(ValidationFailed) as error:
            TrainingSettings.from_json({"epochs": 1, "epsilon": 1, name: value})
        assert [e["pointer"] for e in error.value.extra["errors"]] == [f"/config/{name}"]


def test_settings_show_epsilon_exactly_and_leave_out_what_is_unset():
    shown = settings(epsilon="0.1", lr=0.5, datasets=["mnist-train"]).to_json()
    assert shown == {"epochs": 5, "epsilon": "0.100000000", "lr": 0.5,
                     "datasets": ["mnist-train"]}
    assert TrainingSettings.from_json(shown).to_json() == shown


def test_epsilon_is_exact_and_rounded_up():
    assert epsilon(0.1) + epsilon(0.2) == Decimal("0.3")
    assert epsilon("0.0000000001") == Decimal("0.000000001")  # never under-counted
    assert epsilon("1e-9999") == Decimal("0.000000001")
    assert epsilon(100) == Decimal(100) and epsilon("99.9999999999") == Decimal(100)
    for bad in (-1, float("inf"), "abc", True, "100.000000001", 101):
        with pytest.raises(ValueError):
            epsilon(bad)
    with pytest.raises(ValueError):
        epsilon(0, positive=True)


@given(st.one_of(st.floats(), st.integers(), st.text(max_size=60), st.decimals(),
                 st.booleans(), st.none()))
def test_epsilon_and_delta_refuse_with_value_error_only(value):
    for parse in (epsilon, delta):
        with contextlib.suppress(ValueError):  # anything else fails the test
            parse(value)


def test_a_job_cannot_report_more_than_it_reserved():
    assert settlement(Decimal("1"), 0.25) == (Decimal("0.25"), Decimal("0.75"))
    with pytest.raises(BudgetExceeded):
        settlement(Decimal("1"), 1.0000001)
    with pytest.raises(ValueError):
        settlement(Decimal("1"), "1e20")
