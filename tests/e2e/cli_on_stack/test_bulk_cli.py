"""Bulk work as a user types it: 200 contracts from a CSV file, the run killed part-way and
started again, which creates nothing twice."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.e2e.cli_on_stack.test_contracts_cli import VARIABLES, as_party

pytestmark = pytest.mark.e2e

ROWS = 200


def write_csv(path: Path, consumer_dids: list[str], marker: str) -> Path:
    variables = {f"var.{name}": json.dumps(value) if not isinstance(value, str) else value
                 for name, value in VARIABLES.items()}
    with path.open("w", newline="") as out:
        writer = csv.DictWriter(out, ["template_id", "consumer_did", "title", *variables])
        writer.writeheader()
        for number, did in enumerate(consumer_dids, start=1):
            writer.writerow({"template_id": "compliance", "consumer_did": did,
                             "title": f"{marker} {number}", **variables})
    return path


def report(path: Path) -> dict[int, dict]:
    return {line["row"]: line for line in map(json.loads, path.read_text().splitlines())}


def count(party, marker: str) -> int:
    """Counted with the list API (the title filter), not with the CLI under test."""
    return sum(1 for _ in party.client.iter_contracts(q=marker, limit=100))


def cms_process(stack, cli_home: Path, token: str, *args: str) -> subprocess.Popen:
    """``cms`` started, not waited for, so that the test can kill it part-way."""
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith("CMS_")}
    environment.update(CMS_URL=stack.url, CMS_CONFIG_DIR=str(cli_home), CMS_TOKEN=token)
    return subprocess.Popen([sys.executable, "-m", "cms_client.cli", *args], env=environment,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def test_a_killed_bulk_create_run_again_creates_each_row_once(run_cms, new_party, stack,
                                                             cli_home, tmp_path) -> None:
    provider, consumer = new_party("eth"), new_party("eth")
    marker = f"bulk-{uuid.uuid4().hex[:12]}"
    rows = write_csv(tmp_path / "contracts.csv", [consumer.did] * ROWS, marker)

    # A dry run prints the plan and sends nothing.
    planned = run_cms("contract", "create", "--from", str(rows), "--dry-run",
                      token=provider.client.token)
    assert planned.returncode == 0, planned.stderr
    plan = [json.loads(line) for line in planned.stdout.splitlines()]
    assert len(plan) == ROWS and {line["status"] for line in plan} == {"dry-run"}
    assert count(provider, marker) == 0

    first_report = tmp_path / "first.jsonl"
    first = cms_process(stack, cli_home, provider.client.token, "contract", "create",
                        "--from", str(rows), "--concurrency", "4", "--report",
                        str(first_report))
    deadline = time.monotonic() + 240
    while not first_report.exists() or len(first_report.read_text().splitlines()) < 20:
        assert first.poll() is None, f"the run ended before it was killed: {first.stderr}"
        assert time.monotonic() < deadline, "no rows were reported"
        time.sleep(0.2)
    # Killed outright: rows in flight may reach the API without reaching the report.
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    before = report(first_report)
    assert 20 <= len(before) < ROWS
    assert {line["status"] for line in before.values()} == {"created"}

    second_report = tmp_path / "second.jsonl"
    again = run_cms("contract", "create", "--from", str(rows), "--concurrency", "4",
                    "--report", str(second_report), token=provider.client.token, timeout=600)
    assert again.returncode == 0, again.stderr
    after = report(second_report)
    assert sorted(after) == list(range(1, ROWS + 1))
    assert {line["status"] for line in after.values()} <= {"created", "exists"}
    for number, line in before.items():
        assert after[number]["status"] == "exists" and after[number]["id"] == line["id"]
    assert len({line["id"] for line in after.values()}) == ROWS
    assert count(provider, marker) == ROWS


def test_a_bad_row_fails_alone_and_matching_contracts_move_on_together(
        run_cms, new_party, cli_home, tmp_path) -> None:
    provider, consumer = new_party("eth"), new_party("eth")
    marker = f"bulk-{uuid.uuid4().hex[:12]}"
    rows = write_csv(tmp_path / "contracts.csv",
                     [consumer.did, "did:example:not-a-did-we-take", consumer.did], marker)
    as_provider = as_party(run_cms, provider, "provider")

    done = run_cms("contract", "create", "--from", str(rows), **as_provider)
    assert done.returncode == 11, done.stderr
    outcomes = {line["row"]: line for line in map(json.loads, done.stdout.splitlines())}
    assert [outcomes[n]["status"] for n in (1, 2, 3)] == ["created", "failed", "created"]
    assert outcomes[2]["problem"]["status"] in {400, 422} and outcomes[2]["id"] is None

    where = ("--where", f"q={marker}")
    moved = run_cms("contract", "transition", "submit", *where, "--yes", **as_provider)
    assert moved.returncode == 0, moved.stderr
    assert sorted(json.loads(line)["status"] for line in moved.stdout.splitlines()) == \
        ["transitioned", "transitioned"]
    signed = run_cms("contract", "sign", *where, "--where", "status=review", "--concurrency",
                     "2", "--yes", **as_provider)
    assert signed.returncode == 0, signed.stderr
    assert [json.loads(line)["status"] for line in signed.stdout.splitlines()] == \
        ["signed", "signed"]
    # Signed already: a second run has nothing left to sign.
    again = run_cms("contract", "sign", *where, **as_provider)
    assert [json.loads(line)["status"] for line in again.stdout.splitlines()] == \
        ["skipped", "skipped"]
