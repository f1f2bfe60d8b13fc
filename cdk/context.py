"""Deployment settings read from CDK context (``cdk.json`` or ``-c key=value``).

Every key is optional; the defaults below are what ``cdk.json`` ships with. docs/deploy.md lists
the keys and what they change.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aws_cdk import aws_logs as logs
from constructs import Node

from cms.domain.did import parse_did
from cms.domain.errors import DomainError

REPO_ROOT = Path(__file__).resolve().parent.parent
CDK_JSON = REPO_ROOT / "cdk.json"

ARCHITECTURES = ("arm64", "x86_64")


def cdk_json_context() -> dict[str, Any]:
    """The ``context`` block of cdk.json.

    The CDK CLI passes it to the app itself; a plain ``python -m cdk.app`` (or ``synthesize()``)
    does not, so the app loads it as defaults that CLI-supplied context still overrides.
    """
    if not CDK_JSON.exists():
        return {}
    return dict(json.loads(CDK_JSON.read_text(encoding="utf-8")).get("context", {}))


def _text(node: Node, key: str, default: str | None) -> str | None:
    value = node.try_get_context(key)
    return default if value in (None, "") else str(value)


def _dids(node: Node, key: str) -> tuple[str, ...]:
    """Comma-separated DIDs (a JSON list in cdk.json works too), each checked at synth time."""
    value = node.try_get_context(key)
    items = value if isinstance(value, list) else str(value or "").split(",")
    dids = tuple(dict.fromkeys(str(item).strip() for item in items if str(item).strip()))
    for did in dids:
        try:
            parse_did(did)
        except DomainError as error:
            # A typo here would only show up as "nobody is admin" after the deploy.
            raise ValueError(f"context '{key}': '{did}' is not a usable DID: {error}") from None
    return dids


def _number(node: Node, key: str, default: float) -> float:
    value = node.try_get_context(key)
    return default if value in (None, "") else float(value)


@dataclass(frozen=True)
class DeployContext:
    account: str | None
    region: str | None
    architecture: str
    # Sign-in domain binding. None means "derive from the API's execute-api host name".
    siwe_domain: str | None
    siwe_uri: str | None
    throttle_rate_limit: float
    throttle_burst_limit: int
    log_retention: str  # a member name of aws_logs.RetentionDays, e.g. ONE_MONTH
    cors_allow_origin: str
    # DIDs that get the admin role when they register (CMS_BOOTSTRAP_ADMINS); empty: none.
    bootstrap_admins: tuple[str, ...]
    alarm_email: str | None
    api_5xx_rate_threshold_percent: float

    @classmethod
    def from_node(cls, node: Node) -> DeployContext:
        architecture = _text(node, "architecture", "arm64") or "arm64"
        if architecture not in ARCHITECTURES:
            raise ValueError(f"context 'architecture' must be one of {ARCHITECTURES}")
        log_retention = _text(node, "log_retention", "ONE_MONTH") or "ONE_MONTH"
        if log_retention not in logs.RetentionDays.__members__:
            raise ValueError(
                "context 'log_retention' must name a RetentionDays member, e.g. ONE_MONTH"
            )
        return cls(
            # CDK_DEFAULT_* are set by the CLI from the current credentials; without either the
            # stacks stay environment-agnostic, which is what lets synth run with no AWS account.
            account=_text(node, "account", os.environ.get("CDK_DEFAULT_ACCOUNT")),
            region=_text(node, "region", os.environ.get("CDK_DEFAULT_REGION")),
            architecture=architecture,
            siwe_domain=_text(node, "siwe_domain", None),
            siwe_uri=_text(node, "siwe_uri", None),
            throttle_rate_limit=_number(node, "throttle_rate_limit", 50),
            throttle_burst_limit=int(_number(node, "throttle_burst_limit", 100)),
            log_retention=log_retention,
            cors_allow_origin=_text(node, "cors_allow_origin", "*") or "*",
            bootstrap_admins=_dids(node, "bootstrap_admins"),
            alarm_email=_text(node, "alarm_email", None),
            api_5xx_rate_threshold_percent=_number(node, "api_5xx_rate_threshold_percent", 1),
        )
