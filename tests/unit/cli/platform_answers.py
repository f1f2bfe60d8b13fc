"""Realistic API answers for the platform groups' unit tests. The typed operations read every
answer strictly into its OpenAPI model, so each builder checks what it returns against that
model: a test cannot pass on an answer the real API could never give."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from cms_client.generated import models

CONTRACT = "7d5b0f7e-2a51-4a47-9c43-3f6f0e4f7a10"
JOB = "2f1c7a34-55c1-4b57-8f2e-1c9d0a6b1e11"
HOOK = "3a6e2b9c-0d5f-4e1a-9b7c-2f8d4e6a1c3b"
ADDRESS = "0x" + "ab" * 20
CONSUMER = "did:pkh:eip155:1:0x5B38Da6a701c568545dCfcB03FcB875f56beddC4"
PROVIDER = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
AT = "2026-12-07T06:00:00.000Z"
SHA = "5f" * 32


def checked(model: type[BaseModel], answer: dict[str, Any]) -> dict[str, Any]:
    model.model_validate(answer)
    return answer


def epoch(n: int) -> dict[str, Any]:
    return {"epoch": n, "test_accuracy": 0.5 + n / 100, "epsilon": n / 10, "seconds": 1.0,
            "samples_per_second": 400.0}


def training_job(status: str = "pending", epochs: int = 0, **changes: Any) -> dict[str, Any]:
    return checked(models.TrainingJob, {
        "id": JOB, "contract_id": CONTRACT, "consumer_did": CONSUMER, "provider_did": PROVIDER,
        "model_name": "mnist_cnn", "status": status,
        "config": {"epochs": 3, "epsilon": "1.5", "batch_size": 400},
        "metrics": {"epochs": [epoch(n) for n in range(1, epochs + 1)]},
        "privacy_budget": "1.500000000", "privacy_budget_spent": "0.300000000",
        "result": None, "progress": None, "stop_requested": False, "stop_cause": None,
        "error": None, "created_at": AT, "updated_at": AT, "completed_at": None, **changes})


def page(model: type[BaseModel], items: list[dict[str, Any]], next_cursor: str | None,
         **extra: Any) -> dict[str, Any]:
    return checked(model, {"items": items, "next_cursor": next_cursor, **extra})


def training_cursor(n: int) -> str:
    return f"2026-12-07T06:00:0{n}.000Z_{JOB}"


def contract(terms: dict[str, Any]) -> dict[str, Any]:
    return checked(models.Contract, {
        "id": CONTRACT, "title": "MNIST training", "description": "", "provider_did": PROVIDER,
        "consumer_did": CONSUMER, "terms": terms, "metadata": {},
        "valid_from": AT, "valid_until": "2027-12-07T06:00:00.000Z", "status": "active",
        "digest": SHA, "content_digest": SHA, "created_at": AT, "updated_at": AT,
        "signatures": [], "required_signers": [PROVIDER, CONSUMER], "pending_signers": [],
        "signing_deadline": None, "version": 3, "head_hash": SHA})


def model_link(sha256: str) -> dict[str, Any]:
    return checked(models.ModelLink, {"url": "https://bucket.example/model.pt?sig=1",
                                      "sha256": sha256, "size": 5, "expires_in": 300})


def engine_contract(**changes: Any) -> dict[str, Any]:
    return checked(models.EngineContract, {
        "address": ADDRESS, "kind": "erc20", "name": "Credits", "owner": "0x" + "01" * 20,
        "owner_did": CONSUMER, "created_at": AT, "code_hash": None,
        "manifest": {"functions": {}}, "init_args": {"symbol": "CRD"}, "description": "",
        "governed_by": None, "executions": 1, "last_execution_at": None, **changes})


def execution(function: str = "balanceOf", success: bool = True,
              **changes: Any) -> dict[str, Any]:
    return checked(models.ExecutionResult, {
        "execution_id": "e1", "address": ADDRESS, "function": function, "success": success,
        "return_value": "250", "gas_used": 2600, "gas_limit": 3000000, "events": [],
        "error": None if success else {"code": "contract_reverted", "title": "Reverted",
                                       "detail": "reverted"},
        "duration_us": 120, "read_only": True, "cached": False, "sequence": 7, **changes})


def execution_record(execution_id: str) -> dict[str, Any]:
    return checked(models.ExecutionRecord, {
        "execution_id": execution_id, "address": ADDRESS, "function": "transfer",
        "caller": "0x" + "01" * 20, "success": True, "read_only": False, "gas_used": 24000,
        "gas_limit": 3000000, "duration_us": 300, "timestamp": AT, "sequence": 2,
        "return_value": True, "events": [], "error": None, "dry_run": False})


def history_cursor(n: int) -> str:
    return f"2026-12-07T06:00:00.000Z_12345600{n}-0123456789abcdef"


def webhook(status: str = "active", **changes: Any) -> dict[str, Any]:
    return checked(models.Webhook, {"id": HOOK, "url": "https://x.example/h",
                                    "event_types": ["contract.signed"], "status": status,
                                    "created_at": AT, **changes})


def webhook_with_secret() -> dict[str, Any]:
    return checked(models.WebhookWithSecret, {**webhook(), "secret": "w" * 43})


def delivery_id(n: int) -> str:
    return f"2026-12-07T06:00:0{n}.000Z_{n:032x}"


def delivery(n: int, status: str = "succeeded") -> dict[str, Any]:
    return checked(models.Delivery, {
        "id": delivery_id(n), "webhook_id": HOOK, "event_id": f"evt-{n}",
        "event_type": "contract.signed", "status": status, "attempts": 1,
        "last_status_code": 200, "last_error": None, "next_attempt_at": None,
        "created_at": AT, "updated_at": AT})


def template_version(template_id: str, version: int, **changes: Any) -> dict[str, Any]:
    return checked(models.TemplateVersion, {
        "id": template_id, "version": version, "name": "NDA", "description": "",
        "category": "legal", "variables_schema": {"type": "object"}, "rules": [],
        "body": "# NDA", "terms": {}, "validity": {"from": "now", "until": "P1Y"},
        "example": {}, "content_hash": SHA, "created_at": AT, "created_by": PROVIDER,
        **changes})


def template_preview(markdown: str, html: str) -> dict[str, Any]:
    return checked(models.TemplatePreview, {
        "template": {"id": "ai_training", "version": 2, "content_hash": SHA}, "terms": {},
        "valid_from": AT, "valid_until": "2027-12-07T06:00:00.000Z", "markdown": markdown,
        "html": html})


def ledger() -> dict[str, Any]:
    address = "0x" + "0a" * 20
    return checked(models.Ledger, {"chain_id": 31337, "address": address,
                                   "pin": f"31337:{address}"})


def ledger_batch(first_seq: int) -> dict[str, Any]:
    return checked(models.ConfirmedLedgerBatch, {
        "first_seq": first_seq, "last_seq": first_seq + 9, "count": 10, "root": SHA,
        "tx_hash": "0x" + "cd" * 32, "block_number": 120, "prepared_at": AT,
        "confirmed_at": AT, "oldest_event_at": AT, "lag_s": 4.5})
