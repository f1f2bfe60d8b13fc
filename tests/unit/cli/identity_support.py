"""What the key store and profile tests share: a configuration directory of their own, key
derivation at the formats' minimum cost (the defaults are tested once, by the vector), and
``cms`` run in-process."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from cms_client.cli import keystore, main
from cms_client.cli import session as session_module
from cms_client.cli.commands import auth
from cms_client.client import CmsClient


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    directory = tmp_path / "config" / "cms"
    for name in ("CMS_URL", "CMS_PROFILE", "CMS_KEY", "CMS_TOKEN", "CMS_OUTPUT",
                 "CMS_KEY_PASSPHRASE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CMS_CONFIG_DIR", str(directory))
    monkeypatch.setattr(keystore, "DEFAULT_ITERATIONS", keystore.MIN_ITERATIONS)
    monkeypatch.setattr(keystore, "ETH_SCRYPT_N", keystore.SCRYPT_N_BOUNDS[0])
    yield directory


def cms(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any, str]:
    """(exit code, stdout as JSON when there is any, stderr)."""
    code = main(["-o", "json", *args])
    out, err = capsys.readouterr()
    return code, json.loads(out) if out.strip() else None, err


def serve(monkeypatch: pytest.MonkeyPatch,
          handler: Callable[[httpx.Request], httpx.Response]) -> None:
    """Every client the CLI makes talks to ``handler``; commands carry a token."""

    def client(base_url: str, **options: Any) -> CmsClient:
        # A client of its own per command: each command closes its clients.
        return CmsClient(base_url, http=httpx.Client(transport=httpx.MockTransport(handler)),
                         **options)

    for module in (session_module, auth):
        monkeypatch.setattr(module, "CmsClient", client)
    monkeypatch.setenv("CMS_TOKEN", "t")


# Answers as complete as the API's (the SDK's typed operations validate them).
AT = "2026-12-07T06:00:00.000Z"
HASH = "ab" * 32


def identity(did: str, **changes: Any) -> dict[str, Any]:
    return {"id": did, "did": did, "name": "x", "type": "user", "status": "active",
            "roles": [], "metadata": {}, "created_at": AT, "updated_at": AT,
            "credentials": [], "version": 1, "head_hash": HASH, **changes}


def audit_event(stream: str, seq: int, **changes: Any) -> dict[str, Any]:
    return {"v": 1, "stream": stream, "seq": seq, "event_id": f"e{seq}", "type": "x.created",
            "actor": "system:test", "at": AT, "data": {}, "prev_hash": HASH, "hash": HASH,
            **changes}


def contract(contract_id: str, **changes: Any) -> dict[str, Any]:
    provider = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
    consumer = "did:key:z6MkpTHR8VNsBxYAAWHut2Geadd9jSwuBV8xRoAnwWsdvktH"
    return {"id": contract_id, "title": "t", "description": "", "provider_did": provider,
            "consumer_did": consumer, "terms": {}, "metadata": {}, "valid_from": AT,
            "valid_until": "2027-12-07T06:00:00.000Z", "status": "active", "digest": HASH,
            "content_digest": HASH, "signatures": [], "required_signers": [provider, consumer],
            "pending_signers": [], "signing_deadline": None, "created_at": AT,
            "updated_at": AT, "version": 1, "head_hash": HASH, **changes}


def webhook(webhook_id: str) -> dict[str, Any]:
    return {"id": webhook_id, "url": "https://hooks.example/x", "event_types": [],
            "status": "active", "created_at": AT}


def delivery(webhook_id: str, number: int, status: str) -> dict[str, Any]:
    return {"id": f"{AT}_{number:032x}", "webhook_id": webhook_id, "event_id": f"e{number}",
            "event_type": "contract.signed", "status": status, "attempts": 8,
            "last_status_code": 500 if status == "dead" else 200, "last_error": None,
            "next_attempt_at": None, "created_at": AT, "updated_at": AT}
