"""``cms training``: the job request's shape, --image checked against the contract's terms,
``job watch`` printing each epoch once as it arrives and exiting 12 on a failed job, the
result bundle kept as issued, the model checked against its SHA-256."""

from __future__ import annotations

import hashlib
import json

import pytest

from cms_client.generated import models
from tests.unit.cli.platform_answers import (
    AT,
    CONSUMER,
    CONTRACT,
    JOB,
    PROVIDER,
    SHA,
    checked,
    contract,
    model_link,
    page,
    training_cursor,
    training_job,
)
from tests.unit.cli.platform_api import ScriptedApi, api, cms

__all__ = ["api"]
JOB_PATH = f"/api/v1/training-jobs/{JOB}"
JOBS = "/api/v1/training-jobs"
PCR0 = "ab" * 48


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch) -> None:
    monkeypatch.setattr("cms_client.cli.commands.training.time.sleep", lambda _s: None)


def job(status: str, epochs: int = 0, **changes) -> tuple[int, dict]:
    return 200, training_job(status, epochs, **changes)


def test_a_job_request_carries_only_the_settings_given(api: ScriptedApi, capsys) -> None:
    api.answers[("POST", JOBS)] = (201, training_job())
    assert cms("training", "job", "start", CONTRACT, "--epochs", "2", "--epsilon", "1.5",
               "--dataset", "mnist-train", "--batch-size", "400") == 0
    assert api.bodies("POST", JOBS) == [{
        "contract_id": CONTRACT, "model": "mnist_cnn",
        "config": {"epochs": 2, "epsilon": "1.5", "datasets": ["mnist-train"],
                   "batch_size": 400}}]
    assert api.sent("POST", JOBS)[0].headers["idempotency-key"]
    assert json.loads(capsys.readouterr().out)["status"] == "pending"


def test_an_image_the_contract_does_not_allow_is_refused_before_anything_is_reserved(
        api: ScriptedApi, capsys) -> None:
    api.answers[("GET", f"/api/v1/contracts/{CONTRACT}")] = (200, contract(
        {"enclave_measurements": [{"pcr0": PCR0}]}))
    assert cms("training", "job", "start", CONTRACT, "--epochs", "1", "--epsilon", "1",
               "--image", "cd" * 48) == 8
    assert api.sent("POST", JOBS) == []
    assert "does not allow the enclave image" in capsys.readouterr().err
    api.answers[("POST", JOBS)] = (201, training_job())
    assert cms("training", "job", "start", CONTRACT, "--epochs", "1", "--epsilon", "1",
               "--image", PCR0.upper()) == 0


def test_watch_prints_each_epoch_once_as_it_arrives_until_the_job_ends(api: ScriptedApi,
                                                                      capsys) -> None:
    api.answers[("GET", JOB_PATH)] = [job("pending"), job("running", 1), job("running", 1),
                                      job("running", 2), job("completed", 3)]
    assert cms("-o", "jsonl", "training", "job", "watch", JOB) == 0
    out, err = capsys.readouterr()
    assert [json.loads(line)["epoch"] for line in out.splitlines()] == [1, 2, 3]
    assert "running" in err and "completed (epsilon spent 0.300000000)" in err


def test_watching_a_failed_job_exits_12_with_its_reason(api: ScriptedApi, capsys) -> None:
    api.answers[("GET", JOB_PATH)] = [job("running", 1),
                                      job("failed", 1, error="the enclave stopped")]
    assert cms("training", "job", "watch", JOB) == 12
    out, err = capsys.readouterr()
    assert [e["epoch"] for e in json.loads(out)] == [1]
    assert "failed (epsilon spent 0.300000000): the enclave stopped" in " ".join(err.split())


def test_a_stopped_job_ends_the_watch_without_an_error(api: ScriptedApi) -> None:
    api.answers[("GET", JOB_PATH)] = [job("stopped", 0, stop_cause="consumer")]
    assert cms("training", "job", "watch", JOB) == 0


def test_an_answer_off_the_schema_is_refused_not_printed(api: ScriptedApi, capsys) -> None:
    api.answers[("GET", JOB_PATH)] = (200, {"id": JOB, "status": "exploded"})
    assert cms("training", "job", "get", JOB) != 0
    assert capsys.readouterr().out == ""


def test_a_result_before_the_job_has_one_is_a_conflict(api: ScriptedApi) -> None:
    api.answers[("GET", f"{JOB_PATH}/verification")] = (409, {
        "code": "training_result_unavailable", "detail": "no result yet"})
    assert cms("training", "result", "verify", JOB) == 7


def test_the_result_bundle_is_checked_as_issued(api: ScriptedApi, tmp_path) -> None:
    """Its contract's timestamps stay as the enclave attested them: re-printed (06:00:00Z
    for 06:00:00.000Z), the content would no longer hash to the attested digest."""
    statement = {"format": "cms-training-statement/v1", "job_id": JOB, "contract_id": CONTRACT,
                 "contract_digest": SHA, "model": "mnist_cnn", "model_sha256": SHA,
                 "dataset_sha256": SHA, "epsilon_spent": "0.3", "delta": 1e-05,
                 "accountant": "prv", "accountant_version": "1", "epochs": 3,
                 "test_accuracy": 0.9, "stopped": "completed"}
    content = {"title": "MNIST", "description": "", "provider_did": PROVIDER,
               "consumer_did": CONSUMER, "terms": {}, "metadata": {}, "valid_from": AT,
               "valid_until": AT}
    bundle = {"format": "cms-training-result/v1", "attested": True, "attestation": "AA==",
              "statement": statement, "contract": {"id": CONTRACT, "content": content}}
    api.answers[("GET", f"{JOB_PATH}/verification")] = (200, checked(
        models.TrainingVerification, {"job_id": JOB, "valid": False, "checks": [],
                                      "simulated": True, "result": bundle}))
    api.answers[("GET", f"{JOB_PATH}/model")] = (403, {"code": "forbidden"})
    kept = tmp_path / "result.json"
    assert cms("training", "result", "verify", JOB, "--out", str(kept)) == 2
    assert json.loads(kept.read_bytes()) == bundle


def test_the_model_is_written_only_when_it_has_the_recorded_sha256(api: ScriptedApi,
                                                                  tmp_path, capsys) -> None:
    api.answers[("GET", "/model.pt")] = (200, b"model")
    api.answers[("GET", f"{JOB_PATH}/model")] = (200, model_link("00" * 32))
    out = tmp_path / "model.pt"
    assert cms("training", "model", JOB, "--out", str(out)) == 1
    assert not out.exists() and "does not match the SHA-256" in capsys.readouterr().err
    api.answers[("GET", f"{JOB_PATH}/model")] = (200, model_link(
        hashlib.sha256(b"model").hexdigest()))
    assert cms("training", "model", JOB, "--out", str(out)) == 0
    assert out.read_bytes() == b"model"
    assert "authorization" not in api.sent("GET", "/model.pt")[-1].headers


def test_a_link_that_no_longer_works_is_an_error_not_a_file(api: ScriptedApi,
                                                           tmp_path) -> None:
    api.answers[("GET", f"{JOB_PATH}/model")] = (200, model_link(SHA))
    api.answers[("GET", "/model.pt")] = (403, b"<Error><Code>AccessDenied</Code></Error>")
    out = tmp_path / "model.pt"
    assert cms("training", "model", JOB, "--out", str(out)) == 5
    assert not out.exists()


def test_job_list_passes_its_filters_and_follows_the_cursor(api: ScriptedApi,
                                                           capsys) -> None:
    other = "9b2d4c6e-8f0a-4b1c-9d3e-5f7a9b1c3d5e"
    api.answers[("GET", JOBS)] = [
        (200, page(models.TrainingJobPage, [training_job("completed")], training_cursor(1))),
        (200, page(models.TrainingJobPage, [training_job("completed", id=other)], None))]
    assert cms("training", "job", "list", "--status", "completed", "--contract-id",
               CONTRACT) == 0
    assert [j["id"] for j in json.loads(capsys.readouterr().out)] == [JOB, other]
    params = [dict(r.url.params) for r in api.sent("GET", JOBS)]
    assert params[1] == {"status": "completed", "contract_id": CONTRACT, "limit": "100",
                         "cursor": training_cursor(1)}


def test_job_list_stops_reading_at_the_limit(api: ScriptedApi, capsys) -> None:
    api.answers[("GET", JOBS)] = [(200, page(models.TrainingJobPage,
                                             [training_job(), training_job()],
                                             training_cursor(1)))]
    assert cms("training", "job", "list", "--limit", "1") == 0
    assert len(json.loads(capsys.readouterr().out)) == 1
    assert [r.url.params["limit"] for r in api.sent("GET", JOBS)] == ["1"]


def test_a_table_watch_writes_one_line_per_epoch(api: ScriptedApi, capsys) -> None:
    from cms_client.cli import main

    api.answers[("GET", JOB_PATH)] = [job("running", 1), job("completed", 2)]
    assert main(["-o", "table", "training", "job", "watch", JOB]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == ["1", "2"]
