"""Dependency health for ``GET /health``: each table and the signing-key secret."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from cms.config import Settings
from cms.services.tokens import TokenService


def _timed(probe: Callable[[], Any]) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        probe()
    except Exception as error:
        return {"status": "down", "error": type(error).__name__,
                "latency_ms": round((time.perf_counter() - started) * 1000, 1)}
    return {"status": "ok", "latency_ms": round((time.perf_counter() - started) * 1000, 1)}


def dependency_health(settings: Settings, tokens: TokenService) -> dict[str, Any]:
    """Every table the function was given, and the token keys; a table it was not given is
    reported down (the definition is wrong), never skipped."""
    # Imported here: the meta function also serves the OpenAPI document, which needs neither.
    import boto3

    from cms.adapters.tables import TABLE_SPECS

    dynamodb = boto3.client("dynamodb")
    checks = {}
    for spec in TABLE_SPECS:
        checks[f"dynamodb:{spec.key}"] = _timed(
            lambda variable=spec.env_var: dynamodb.describe_table(
                TableName=settings.resource(variable)))
    checks["secretsmanager:jwt-signing-key"] = _timed(tokens.jwks)
    healthy = all(check["status"] == "ok" for check in checks.values())
    return {"status": "ok" if healthy else "degraded", "checks": checks}
