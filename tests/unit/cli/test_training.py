"""``cms training``: the job request's shape, --image checked against the contract's terms,
``job watch`` printing each epoch once as it arrives and exiting 1 on a failed job."""

from __future__ import annotations

import json

import pytest

from tests.unit.cli.platform_api import ScriptedApi, api, cms

__all__ = ["api"]
CONTRACT = "7d5b0f7e-2a51-4a47-9c43-3f6f0e4f7a10"
JOB = "2f1c7a34-55c1-4b57-8f2e-1c9d0a6b1e11"
JOB_PATH = f"/api/v1/training-jobs/{JOB}"
PCR0 = "ab" * 48


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch) -> None:
    monkeypatch.setattr("cms_client.cli.commands.training.time.sleep", lambda _s: None)


def epoch(n: int) -> dict:
    return {"epoch": n, "test_accuracy": 0.5 + n / 100, "epsilon": n / 10, "seconds": 1.0,
            "samples_per_second": 400.0}


def job(status: str, epochs: int = 0, **extra) -> tuple[int, dict]:
    return 200, {"id": JOB, "status": status, "privacy_budget_spent": "0.300000000",
                 "metrics": {"epochs": [epoch(n) for n in range(1, epochs + 1)]}, **extra}


def test_a_job_request_carries_only_the_settings_given(api: ScriptedApi) -> None:
    api.answers[("POST", "/api/v1/training-jobs")] = (201, {"id": JOB, "status": "pending"})
    assert cms("training", "job", "start", CONTRACT, "--epochs", "2", "--epsilon", "1.5",
               "--dataset", "mnist-train", "--batch-size", "400") == 0
    assert api.bodies("POST", "/api/v1/training-jobs") == [{
        "contract_id": CONTRACT, "model": "mnist_cnn",
        "config": {"epochs": 2, "epsilon": "1.5", "datasets": ["mnist-train"],
                   "batch_size": 400}}]


def test_an_image_the_contract_does_not_allow_is_refused_before_anything_is_reserved(
        api: ScriptedApi, capsys) -> None:
    api.answers[("GET", f"/api/v1/contracts/{CONTRACT}")] = (200, {
        "id": CONTRACT, "terms": {"enclave_measurements": [{"pcr0": PCR0}]}})
    assert cms("training", "job", "start", CONTRACT, "--epochs", "1", "--epsilon", "1",
               "--image", "cd" * 48) == 8
    assert api.sent("POST", "/api/v1/training-jobs") == []
    assert "does not allow the enclave image" in capsys.readouterr().err
    api.answers[("POST", "/api/v1/training-jobs")] = (201, {"id": JOB, "status": "pending"})
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


def test_watching_a_failed_job_exits_1_with_its_error(api: ScriptedApi, capsys) -> None:
    api.answers[("GET", JOB_PATH)] = [job("running", 1),
                                      job("failed", 1, error="the enclave stopped")]
    assert cms("training", "job", "watch", JOB) == 1
    out, err = capsys.readouterr()
    assert [e["epoch"] for e in json.loads(out)] == [1]
    assert "the job failed: the enclave stopped" in err


def test_a_stopped_job_ends_the_watch_without_an_error(api: ScriptedApi) -> None:
    api.answers[("GET", JOB_PATH)] = [job("stopped", 0)]
    assert cms("training", "job", "watch", JOB) == 0


def test_a_result_before_the_job_has_one_is_a_conflict(api: ScriptedApi) -> None:
    api.answers[("GET", f"{JOB_PATH}/verification")] = (409, {
        "code": "training_result_unavailable", "detail": "no result yet"})
    assert cms("training", "result", "verify", JOB) == 7


def test_job_list_passes_its_filters_and_follows_the_cursor(api: ScriptedApi,
                                                           capsys) -> None:
    api.answers[("GET", "/api/v1/training-jobs")] = [
        (200, {"items": [{"id": "a"}], "next_cursor": "c"}),
        (200, {"items": [{"id": "b"}], "next_cursor": None})]
    assert cms("training", "job", "list", "--status", "completed", "--contract-id",
               CONTRACT) == 0
    assert [j["id"] for j in json.loads(capsys.readouterr().out)] == ["a", "b"]
    params = [dict(r.url.params) for r in api.sent("GET", "/api/v1/training-jobs")]
    assert params[1] == {"status": "completed", "contract_id": CONTRACT, "limit": "100",
                         "cursor": "c"}


def test_a_table_watch_writes_one_line_per_epoch(api: ScriptedApi, capsys) -> None:
    from cms_client.cli import main

    api.answers[("GET", JOB_PATH)] = [job("running", 1), job("completed", 2)]
    assert main(["-o", "table", "training", "job", "watch", JOB]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == ["1", "2"]
