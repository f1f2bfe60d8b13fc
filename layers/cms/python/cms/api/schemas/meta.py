"""The platform itself: its dependencies' health and its OpenAPI document."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from cms.api.schemas.common import Instant, JsonObject
from cms.api.schemas.ledger import Address, ChainId, Count, Wei

DependencyState = Literal["ok", "degraded", "down"]
CHECK_NAMES = ("By dependency: dynamodb:<table>, s3:<bucket>, sqs:<queue>, events:bus, "
               "secretsmanager:jwt-signing-key, ledger:rpc, ledger:anchoring, enclave:parent")


class DependencyStatus(BaseModel):
    """A dependency's state, and nothing else (what anyone may know)."""

    status: DependencyState = Field(description=(
        "ok; degraded: it works, impaired (a low signer balance, events waiting too long); "
        "down: it cannot be used"))


class Health(BaseModel):
    status: Literal["ok", "degraded"] = Field(description=(
        "degraded when a dependency is degraded, or a background one (ledger:rpc, "
        "ledger:anchoring, enclave:parent) is down: the API serves and their work waits. When "
        "one that requests need is down, the answer is a 503 service_degraded problem"))
    checks: dict[str, DependencyStatus] = Field(description=CHECK_NAMES)


class HealthProblem(BaseModel):
    """What a service_degraded problem adds: each dependency's state."""

    checks: dict[str, DependencyStatus] = Field(
        default_factory=dict, description=f"With service_degraded. {CHECK_NAMES}")


class DependencyDetail(BaseModel):
    status: DependencyState
    critical: bool = Field(description="Requests need it: down makes /health a 503")
    reason: str | None = Field(description="Why it is not ok: the error or the measurement "
                                           "against its limit")
    latency_ms: float = Field(ge=0, description="How long the probe took")
    resource: str | None = Field(description=(
        "What was probed: the table or bucket name, the queue URL, the bus name, the RPC "
        "endpoint's origin (never its path or query, where providers put keys)"))


class LedgerHealth(BaseModel):
    chain_id: ChainId | None
    ledger_address: Address | None
    block_number: Count | None = Field(description="The latest block the endpoint reported")
    signer_address: Address | None = Field(description="As the anchor function reported it")
    signer_balance_wei: Wei | None
    min_signer_balance_wei: Wei = Field(description="Below it the ledger is degraded (and the "
                                                    "low-balance alarm fires)")


class AnchoringHealth(BaseModel):
    last_run_at: Instant | None = Field(description="The anchor function's last report")
    last_run_age_s: float | None = Field(ge=0)
    skipped: str | None = Field(description="Why the last run did not anchor (a problem code: "
                                            "ledger_unavailable, ledger_misconfigured, "
                                            "run_failed)")
    oldest_unanchored_at: Instant | None
    lag_s: float | None = Field(ge=0, description="The oldest waiting event's age; 0 when "
                                                  "none waits")
    max_lag_s: float = Field(ge=0, description="Beyond it anchoring is degraded")


class EnclaveParent(BaseModel):
    instance: str = Field(description="The parent's host name")
    reported_at: Instant
    age_s: float = Field(ge=0)
    enclave: Literal["ok", "unreachable"] = Field(description="Whether its enclave answered")
    pcr0: str | None = Field(description="The running enclave image's measurement")
    simulated: bool | None = Field(description="A simulated attestation module (local only)")


class HealthDetails(BaseModel):
    """Every dependency's state, why, and what was probed: for admins."""

    status: DependencyState = Field(description="down when a dependency requests need is "
                                                "down (then /health answers 503)")
    checked_at: Instant
    checks: dict[str, DependencyDetail] = Field(description=CHECK_NAMES)
    ledger: LedgerHealth | None
    anchoring: AnchoringHealth | None
    enclave_parents: list[EnclaveParent] = Field(description="Each parent's latest report, "
                                                           "freshest first")


class ChainHealth(BaseModel):
    """The chain this deployment anchors on, as anyone may see it."""

    configured: bool = Field(description="A ledger is configured")
    chain_id: ChainId | None
    latest_block: Count | None = Field(description="The latest block seen, when the chain "
                                                   "answered")
    anchoring_lag_s: float | None = Field(ge=0, description=(
        "How long the oldest audit event has waited for its anchor; 0 when none waits"))
    anchoring_healthy: bool = Field(description="The anchor function runs, the chain answers "
                                                "and events do not wait too long")
    checked_at: Instant


class OpenApiInfo(BaseModel):
    model_config = ConfigDict(extra="allow")
    title: str
    version: str
    description: str | None = None


class OpenApiDocument(BaseModel):
    """An OpenAPI 3.1 document (https://spec.openapis.org/oas/v3.1.0)."""

    model_config = ConfigDict(extra="allow")
    openapi: str = Field(pattern=r"^3\.1\.[0-9]+$")
    info: OpenApiInfo
    paths: dict[str, JsonObject]
    components: JsonObject
    tags: list[JsonObject]
