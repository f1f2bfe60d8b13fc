"""Deployment settings read from CDK context (``cdk.json`` or ``-c key=value``).

Every key is optional; the defaults below are what ``cdk.json`` ships with. docs/deploy.md lists
the keys and what they change.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from aws_cdk import aws_logs as logs
from constructs import Node

from cms.domain.did import parse_did
from cms.domain.errors import DomainError

REPO_ROOT = Path(__file__).resolve().parent.parent
CDK_JSON = REPO_ROOT / "cdk.json"

ARCHITECTURES = ("arm64", "x86_64")

# Nitro Enclaves run on Nitro instances with at least 4 vCPUs on Intel/AMD (the enclave takes
# whole cores, the parent keeps the rest). These families support enclaves; ".large" and
# smaller have 2 vCPUs and do not.
ENCLAVE_INSTANCE_FAMILIES = frozenset({
    "c5", "c5a", "c5ad", "c5d", "c5n", "c6a", "c6i", "c6id", "c6in", "c7a", "c7i",
    "m5", "m5a", "m5ad", "m5d", "m5dn", "m5n", "m5zn", "m6a", "m6i", "m6id", "m6idn", "m6in",
    "m7a", "m7i", "r5", "r5a", "r5ad", "r5b", "r5d", "r5dn", "r5n", "r6a", "r6i", "r6id",
    "r6idn", "r6in", "r7a", "r7i", "r7iz",
})
_TOO_SMALL_FOR_ENCLAVES = frozenset({"nano", "micro", "small", "medium", "large"})
_MEASUREMENT = re.compile(r"[0-9a-f]{96}")  # a SHA-384 PCR value in hex
_HOST_NAME = re.compile(r"(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
# CloudFront takes viewer certificates from ACM in us-east-1 only, whatever the stack's region.
_CLOUDFRONT_CERTIFICATE = re.compile(r"arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate/[0-9a-f-]+")


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
    dids = _items(node, key)
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


def _wei(node: Node, key: str, default: int) -> int:
    """An amount of wei: whole digits (a JSON string, as numbers past 2**53 lose digits)."""
    value = node.try_get_context(key)
    if value in (None, ""):
        return default
    text = str(value).strip()
    if isinstance(value, bool) or not text.isdigit():
        raise ValueError(f"context '{key}' must be a whole number of wei, e.g. "
                         f"\"{default}\"")
    return int(text)


def _positive(node: Node, key: str, default: int) -> int:
    value = _number(node, key, default)
    if value < 1 or value != int(value):
        raise ValueError(f"context '{key}' must be a whole number of at least 1")
    return int(value)


def _items(node: Node, key: str) -> tuple[str, ...]:
    """A JSON list, or a comma-separated string (``-c key=a,b``); blanks dropped, deduplicated."""
    value = node.try_get_context(key)
    items = value if isinstance(value, list) else str(value or "").split(",")
    return tuple(dict.fromkeys(str(item).strip() for item in items if str(item).strip()))


def _measurements(node: Node, key: str) -> tuple[str, ...]:
    """Enclave image measurements (PCR0 = SHA-384 of the EIF), lower-case hex, checked here:
    a typo would only show as "the enclave can decrypt nothing" after the deploy."""
    values = tuple(item.lower() for item in _items(node, key))
    for value in values:
        if not _MEASUREMENT.fullmatch(value):
            raise ValueError(f"context '{key}': {value!r} is not a SHA-384 measurement "
                             "(96 hex digits, as `nitro-cli describe-eif` prints PCR0)")
        if set(value) == {"0"}:
            raise ValueError(f"context '{key}': an all-zero PCR0 is what a debug-mode enclave "
                             "reports; allowing it would let any debug enclave decrypt")
    return values


def enclave_capable(instance_type: str) -> bool:
    """Whether an EC2 instance type can run a Nitro Enclave beside its parent."""
    family, _, size = instance_type.partition(".")
    return family in ENCLAVE_INSTANCE_FAMILIES and bool(size) and (
        size not in _TOO_SMALL_FOR_ENCLAVES)


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
    # CmsEnclave (docs/operations.md, "Enclave stack"). Measurements (PCR0) of the enclave
    # images whose attested requests may decrypt training data; empty: nothing may.
    enclave_pcr0: tuple[str, ...] = ()
    enclave_instance_type: str = "m6i.xlarge"
    enclave_cpu_count: int = 2  # vCPUs given to the enclave (whole cores: even on Intel/AMD)
    enclave_memory_mib: int = 8192
    enclave_instances: int = 1  # desired parents (the group's maximum too; minimum 0)
    # Path (repository-relative or absolute) of the enclave image file CI built and measured;
    # None: no image to run, so no instance is started.
    enclave_eif: str | None = None
    # Alarms on the dependencies (docs/operations.md): the signer's balance below this many
    # wei (also where the health check calls the ledger degraded), and failed sign-ins per
    # minute at or above this rate.
    ledger_min_signer_balance_wei: int = 10**17
    signin_failures_alarm_per_minute: int = 100
    # CmsWeb (docs/deploy.md, "The web UI"): the distribution's own domain and its ACM
    # certificate (both or neither; None: CloudFront's *.cloudfront.net name), and a public
    # JSON-RPC URL the UI offers its receipt verifier as a default (None: the user types one).
    web_domain: str | None = None
    web_certificate_arn: str | None = None
    web_chain_rpc_url: str | None = None

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
        web = _web_settings(node)
        return cls(
            # CDK_DEFAULT_* are set by the CLI from the current credentials; without either the
            # stacks stay environment-agnostic, which is what lets synth run with no AWS account.
            account=_text(node, "account", os.environ.get("CDK_DEFAULT_ACCOUNT")),
            region=_text(node, "region", os.environ.get("CDK_DEFAULT_REGION")),
            architecture=architecture,
            # Wallets compare a sign-in message's domain with the page asking for the
            # signature: with the UI on its own domain, that domain is the natural binding.
            siwe_domain=_text(node, "siwe_domain", web["web_domain"]),
            siwe_uri=_text(node, "siwe_uri", None),
            throttle_rate_limit=_number(node, "throttle_rate_limit", 50),
            throttle_burst_limit=int(_number(node, "throttle_burst_limit", 100)),
            log_retention=log_retention,
            cors_allow_origin=_text(node, "cors_allow_origin", "*") or "*",
            bootstrap_admins=_dids(node, "bootstrap_admins"),
            alarm_email=_text(node, "alarm_email", None),
            api_5xx_rate_threshold_percent=_number(node, "api_5xx_rate_threshold_percent", 1),
            ledger_min_signer_balance_wei=_wei(node, "ledger_min_signer_balance_wei", 10**17),
            signin_failures_alarm_per_minute=_positive(node, "signin_failures_alarm_per_minute",
                                                       100),
            **_enclave_settings(node),
            **web,
        )


def _web_settings(node: Node) -> dict[str, Any]:
    domain = _text(node, "web_domain", None)
    certificate = _text(node, "web_certificate_arn", None)
    if (domain is None) != (certificate is None):
        raise ValueError("context 'web_domain' and 'web_certificate_arn' go together: the "
                         "distribution needs a certificate for its domain and vice versa")
    if domain is not None:
        domain = domain.strip().lower()
        if not _HOST_NAME.fullmatch(domain):
            raise ValueError(f"context 'web_domain': {domain!r} is not a host name (no scheme, "
                             "no path), e.g. cms.example.com")
        if not _CLOUDFRONT_CERTIFICATE.fullmatch(str(certificate)):
            raise ValueError("context 'web_certificate_arn' must be an ACM certificate ARN in "
                             "us-east-1 (the only region CloudFront takes certificates from)")
    rpc_url = _text(node, "web_chain_rpc_url", None)
    if rpc_url is not None:
        parsed = urlparse(rpc_url)
        # The UI's CSP admits https: (and loopback) only; anyone can read config.json, so a
        # URL carrying an API key or credentials does not belong here.
        if parsed.scheme != "https" or not parsed.hostname or parsed.username or any(
                character.isspace() for character in rpc_url):
            raise ValueError("context 'web_chain_rpc_url' must be a public https:// URL "
                             "without credentials (it is served to every visitor)")
    return {"web_domain": domain, "web_certificate_arn": certificate,
            "web_chain_rpc_url": rpc_url}


def _enclave_settings(node: Node) -> dict[str, Any]:
    instance_type = _text(node, "enclave_instance_type", "m6i.xlarge") or "m6i.xlarge"
    if not enclave_capable(instance_type):
        raise ValueError(f"context 'enclave_instance_type': {instance_type} cannot run a Nitro "
                         "Enclave (needs a Nitro Intel/AMD type with at least 4 vCPUs, e.g. "
                         "m6i.xlarge)")
    cpu_count = int(_number(node, "enclave_cpu_count", 2))
    if cpu_count < 2 or cpu_count % 2:
        raise ValueError("context 'enclave_cpu_count' must be an even number >= 2 (an enclave "
                         "takes whole cores, two vCPUs each on Intel/AMD)")
    memory_mib = int(_number(node, "enclave_memory_mib", 8192))
    if memory_mib < 1024:
        raise ValueError("context 'enclave_memory_mib' must be at least 1024 (the image is "
                         "unpacked into enclave memory)")
    instances = int(_number(node, "enclave_instances", 1))
    if instances < 0:
        raise ValueError("context 'enclave_instances' must not be negative")
    return {
        "enclave_pcr0": _measurements(node, "enclave_pcr0"),
        "enclave_instance_type": instance_type,
        "enclave_cpu_count": cpu_count,
        "enclave_memory_mib": memory_mib,
        "enclave_instances": instances,
        "enclave_eif": _text(node, "enclave_eif", None),
    }
