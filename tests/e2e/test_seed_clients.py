"""The seed documents' client examples, unchanged, against the local stack."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from eth_account import Account

from tests.e2e.seed_clients.seed_client import ContractClient

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parents[2]


def test_seed_python_client(stack):
    account, consumer = Account.create(), Account.create()
    did = f"did:pkh:eip155:1:{account.address}"
    client = ContractClient(stack.url)

    async def scenario():
        registered = await client.register_did(did, account.address)
        await client.authenticate(did, "0x" + bytes(account.key).hex())
        now = datetime.now(UTC)
        created = await client.create_contract({
            "title": "Seed Python client contract", "description": "unchanged seed client",
            "consumer_did": f"did:ethr:{consumer.address}",
            "terms": {"start_date": "2026-01-01", "conditions": [{"type": "payment",
                      "amount": 1000, "currency": "USD", "schedule": "monthly"}],
                      "sla": {"availability": 99.9, "response_time": 200}},
            "valid_from": now.isoformat(), "valid_until": (now + timedelta(days=1)).isoformat()})
        fetched = await client.get_contract(created["id"])
        return registered, created, fetched

    registered, created, fetched = asyncio.run(scenario())
    assert registered["did"] == did and client.jwt_token
    assert created["provider_did"] == did and created["status"] == "draft"
    assert fetched == created


def test_seed_typescript_client(stack):
    npx = shutil.which("npx")
    assert npx, "Node.js is required (make test installs the npm packages)"
    script = REPO / "tests" / "e2e" / "seed_clients" / "run_seed_client.ts"
    result = subprocess.run([npx, "--no-install", "tsx", str(script), stack.url], cwd=REPO,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout.strip().splitlines()[-1])
    assert output["registered"]["did"] == output["did"]
    assert output["created"]["status"] == "draft" and output["fetched"] == output["created"]
    assert [e["type"] for e in output["events"]["events"]] == ["contract.created"]
    assert output["report"]["valid"] is True
