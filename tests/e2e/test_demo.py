"""The scenario `make run` plays, against the same local stack the other tests use."""

from __future__ import annotations

import json

import pytest

from local_stack.demo import run_demo

pytestmark = pytest.mark.e2e


def test_the_demo_ends_with_a_verified_template_contract_and_receipt(stack, tmp_path):
    lines: list[str] = []
    result = run_demo(stack.url, stack.ledger.rpc_url, tmp_path, log=lines.append)
    assert result["report"]["valid"], result["report"]
    text = "\n".join(lines)
    assert "from template ai_training v1" in text
    assert "attached  dpia.txt" in text
    pdf = tmp_path / f"contract-{result['contract_id']}.pdf"
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert result["receipt"] is not None, text
    receipt = json.loads(result["receipt"].read_bytes())
    assert receipt["contract"]["metadata"]["template"]["id"] == "ai_training"
    assert "checked against the chain alone: VALID" in text
    assert "3 transfers in one batch" in text and "metered by fuel" in text
    assert "compared inside it: {'a_greater': False}" in text, text
