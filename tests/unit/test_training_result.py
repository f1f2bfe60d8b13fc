"""Verifying a training result: attestation chain, enclave image allowed by the contract,
user_data bound to the statement, the contract's digest, and epsilon within the budget."""

from __future__ import annotations

import copy
import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cms.domain.attestation import development_root
from cms.domain.contracts import Content, content_digest
from cms.domain.training_result import Statement, bundle, verify_result
from enclave_app.attestation_module import SimulatedModule
from tests.unit.test_privacy import terms

CONTRACT_ID = "c-0001"
MODEL = b"model weights"


@pytest.fixture(scope="module")
def module() -> SimulatedModule:
    return SimulatedModule()


@pytest.fixture(scope="module")
def root(module):
    return development_root(module.root_pem)


def content(module: SimulatedModule, **term_changes) -> Content:
    measured = {"enclave_measurements": [{"pcr0": module.pcrs[0].hex()}], **term_changes}
    return Content(title="Training", description="", provider_did="did:key:provider",
                   consumer_did="did:key:consumer", terms=terms(**measured), metadata={},
                   valid_from="2027-01-01T00:00:00Z", valid_until="2027-12-31T00:00:00Z")


def statement(made: Content, **changes) -> Statement:
    import hashlib

    fields = {"job_id": "j-1", "contract_id": CONTRACT_ID,
              "contract_digest": content_digest(CONTRACT_ID, made), "model": "mnist_cnn",
              "model_sha256": hashlib.sha256(MODEL).hexdigest(), "dataset_sha256": "d" * 64,
              "epsilon_spent": "0.912345679", "delta": 1e-6, "accountant": "prv",
              "accountant_version": "opacus 1.6.0", "epochs": 2, "test_accuracy": 0.9,
              "stopped": "completed"}
    return Statement(**{**fields, **changes})


def result(module: SimulatedModule, made: Content | None = None, *,
           attested_statement: Statement | None = None, **changes) -> dict:
    made = made or content(module)
    claimed = statement(made, **changes)
    document = module.attest(user_data=(attested_statement or claimed).user_data())
    return bundle(claimed, document, made.to_json())


_MODULE = SimulatedModule()
ROOT = development_root(_MODULE.root_pem)
BUNDLE = None  # set below, once content() and statement() exist


def failed(report) -> set[str]:
    return {check.name for check in report.checks if not check.ok}


def test_a_simulated_result_verifies_against_its_development_root(module, root):
    report = verify_result(result(module), roots=[root], model=MODEL)
    assert report.valid, report.to_json()
    [attestation] = [check for check in report.checks if check.name == "attestation"]
    assert "DEVELOPMENT root" in attestation.detail


def test_without_the_development_root_only_aws_is_trusted(module):
    assert "attestation" in failed(verify_result(result(module)))


def test_a_statement_changed_after_attestation_is_caught(module, root):
    made = content(module)
    forged = result(module, made, attested_statement=statement(made), epsilon_spent="0.1")
    assert failed(verify_result(forged, roots=[root])) == {"binding"}


def test_an_image_the_contract_does_not_allow_is_caught(module, root):
    made = content(module, enclave_measurements=[{"pcr0": "ab" * 48}])
    assert failed(verify_result(result(module, made), roots=[root])) == {"image"}


def test_a_result_for_another_contract_text_is_caught(module, root):
    bundled = result(module)
    changed = copy.deepcopy(bundled)
    changed["contract"]["content"]["title"] = "Another contract"
    assert failed(verify_result(changed, roots=[root])) == {"contract"}


def test_epsilon_beyond_the_contracts_budget_is_caught(module, root):
    report = verify_result(result(module, epsilon_spent="3.000000001"), roots=[root])
    assert failed(report) == {"budget"}


def test_a_model_file_that_is_not_the_attested_one_is_caught(module, root):
    assert failed(verify_result(result(module), roots=[root], model=b"other")) == {"model"}


def test_a_flipped_byte_in_the_document_is_caught(module, root):
    bundled = result(module)
    import base64

    raw = bytearray(base64.b64decode(bundled["attestation"]))
    raw[-10] ^= 1
    bundled["attestation"] = base64.b64encode(bytes(raw)).decode()
    assert "attestation" in failed(verify_result(bundled, roots=[root]))


@pytest.mark.parametrize("change", [
    {"format": "other"}, {"attested": False}, {"attestation": "not base64!"},
    {"statement": {"format": "cms-training-statement/v1"}}, {"contract": None}])
def test_unreadable_or_unattested_bundles_fail_the_format_check(module, root, change):
    report = verify_result({**result(module), **change}, roots=[root])
    assert [check.name for check in report.checks] == ["format"] and not report.valid


def test_statement_round_trips_and_refuses_extra_fields(module):
    made = statement(content(module))
    assert Statement.from_json(made.to_json()) == made
    with pytest.raises(ValueError):
        Statement.from_json({**made.to_json(), "extra": 1})
    assert dataclasses.replace(made, epochs=3).user_data() != made.user_data()


BUNDLE = result(_MODULE)


@pytest.mark.parametrize("change", [
    {"epsilon_spent": "1e20"}, {"epsilon_spent": "9" * 10_000}, {"epsilon_spent": "NaN"},
    {"epsilon_spent": 0.5}, {"epsilon_spent": "-1"}, {"delta": "1e-6"}, {"delta": 2.0},
    {"delta": float("nan")}, {"delta": True}, {"epochs": 10**400}, {"epochs": "2"},
    {"test_accuracy": float("inf")}, {"stopped": "maybe"}, {"model_sha256": "x" * 64},
    {"job_id": {"id": 1}}, {"accountant": None},
])
def test_a_statement_with_hostile_fields_fails_the_format_check(module, root, change):
    bundled = result(module)
    bundled["statement"] = {**bundled["statement"], **change}
    report = verify_result(bundled, roots=[root])
    assert [check.name for check in report.checks] == ["format"] and not report.valid


@pytest.mark.parametrize("budget_change", [
    {"epsilon": "1e20"}, {"epsilon": "9" * 10_000}, {"delta": "NaN"}, {"epsilon": -1}])
def test_hostile_contract_terms_fail_the_budget_check_with_the_reason(module, root,
                                                                       budget_change):
    made = content(module)
    made.terms["privacy_budget"].update(budget_change)
    report = verify_result(result(module, made), roots=[root])
    [budget] = [check for check in report.checks if check.name == "budget"]
    assert not budget.ok and "privacy_budget." in budget.detail
    assert failed(report) == {"budget", "image"}  # no usable terms: no allowed images either


@settings(max_examples=300, deadline=None)
@given(st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=12), children, max_size=4), max_leaves=20))
def test_any_json_in_any_place_of_a_bundle_is_a_report_never_an_exception(value):
    import json

    bundled = json.loads(json.dumps(BUNDLE))
    for path in (("statement",), ("statement", "epsilon_spent"), ("statement", "delta"),
                 ("contract",), ("contract", "content"), ("contract", "content", "terms"),
                 ("contract", "content", "terms", "privacy_budget"), ("attestation",)):
        changed = json.loads(json.dumps(bundled))
        target = changed
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        assert isinstance(verify_result(changed, roots=[ROOT]).valid, bool)
    assert isinstance(verify_result(value).valid, bool)


def test_cms_verify_training_reports_hostile_bundles_and_refuses_unreadable_files(
        module, root, tmp_path, capsys):
    import json

    from cms_client.cli import main as cms

    made = content(module)
    made.terms["privacy_budget"]["epsilon"] = "1e20"
    bundled = tmp_path / "hostile.json"
    bundled.write_text(json.dumps(result(module, made)))
    pem = tmp_path / "root.pem"
    pem.write_bytes(module.root_pem)
    assert cms(["verify-training", str(bundled), "--development-root", str(pem)]) == 2
    assert "privacy_budget.epsilon" in capsys.readouterr().out
    for raw in (b'{"format": NaN}', b"[" * 100_000, b'{"a": ' + b"9" * 5000 + b"}",
                b"\xff\xfe"):
        bundled.write_bytes(raw)
        assert cms(["verify-training", str(bundled)]) == 1
