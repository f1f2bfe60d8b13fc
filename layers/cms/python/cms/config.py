"""Runtime settings: one value per function, built once from that function's own environment.

Nothing here reads ``os.environ``: a function's entry point (or the local stack, which gives
each function its own environment as Lambda does) hands its variables to
``Settings.from_environ``. Names of tables, buckets and queues have no defaults: a function
whose definition lacks one fails with ``Misconfigured`` when it first needs it, locally as in
AWS. ``ENVIRONMENT_VARIABLES`` is what the CDK passes to every function.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

from cms.domain.errors import DomainError
from cms.domain.ratelimit import Limit, RequestClass

if TYPE_CHECKING:
    from cms.domain.templates.budget import RenderLimits
    from cms.services.circuit_evaluations import CircuitQuotaPolicy


class Misconfigured(DomainError):
    """The function's definition lacks a variable it needs: a deployment bug, not the
    caller's; the detail names the variable."""

    code, status, title = "misconfigured", 503, "The service is misconfigured"


# Variables whose value names a resource: read from the environment by prefix and suffix, so a
# new table or queue needs no change here.
_RESOURCE_SUFFIXES = ("_TABLE", "_BUCKET", "_QUEUE_URL")


def _text(value: str) -> str:
    return value


def _int(value: str) -> int:
    return int(value)


def _float(value: str) -> float:
    return float(value)


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _list(value: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in value.split(",") if item.strip())


def _lower_list(value: str) -> tuple[str, ...]:
    return tuple(item.lower() for item in _list(value))


def _optional(value: str) -> str | None:
    return value or None


@dataclass(frozen=True)
class Settings:
    # Sign-in (EIP-4361 fields and Ed25519 challenge text are bound to these).
    siwe_domain: str = "localhost:8080"
    siwe_uri: str = "http://localhost:8080"
    chain_id: int = 31337
    challenge_ttl_s: int = 300
    # Tokens.
    jwt_secret_id: str = "cms/jwt-signing-key"  # noqa: S105 - a secret's name, not a secret
    jwt_issuer: str = "cms"
    jwt_audience: str = "cms-api"
    token_ttl_s: int = 900
    # Clock skew allowed on a token's exp/nbf/iat: a few seconds, nothing more.
    token_leeway_s: int = 5
    # API Gateway caches the authorizer's answer per token this long (the CDK sets the same
    # value): a logout, a revocation or a suspension reaches every route within it.
    authorizer_cache_ttl_s: int = 5
    # Tokens logged out one by one that a DID's sessions record keeps (until they expire);
    # past it a logout ends all of the DID's sessions instead.
    max_revoked_tokens: int = 64
    # Registration answers no sooner than this after it starts reading the identity, whether
    # it wrote a new one or found it: its timing tells nobody whether a DID was registered.
    registration_floor_ms: int = 200
    # Sign-in rate limit: a token bucket per DID and per source address.
    signin_burst: int = 10
    signin_per_minute: int = 20
    signin_ip_burst: int = 60
    signin_ip_per_minute: int = 120
    # Each identity's requests to the authenticated routes, per class of operation
    # (cms.domain.ratelimit.RequestClass): a token bucket of `burst` tokens refilled at
    # `per_minute`. The stage's throttle is everyone's; these keep one identity to a share.
    rate_limit_read_burst: int = 60
    rate_limit_read_per_minute: int = 300
    rate_limit_write_burst: int = 20
    rate_limit_write_per_minute: int = 60
    rate_limit_render_burst: int = 10
    rate_limit_render_per_minute: int = 30
    rate_limit_compute_burst: int = 30
    rate_limit_compute_per_minute: int = 120
    rate_limit_training_burst: int = 5
    rate_limit_training_per_minute: int = 10
    rate_limit_upload_burst: int = 10
    rate_limit_upload_per_minute: int = 30
    rate_limit_session_burst: int = 5  # per token, not per identity (RequestClass.SESSION)
    rate_limit_session_per_minute: int = 10
    # Requests.
    max_body_bytes: int = 256 * 1024
    # DID resolution.
    did_web_allow_private: bool = False
    did_web_ca_bundle: str | None = None
    did_web_timeout_s: float = 5.0
    # Identities listed here receive the admin role when they register.
    bootstrap_admins: tuple[str, ...] = ()
    idempotency_ttl_s: int = 3600
    cors_allow_origin: str = "*"
    # Ledger: an SSM parameter holding {"rpc_url", "address", "chain_id", "confirmations",
    # "gas_limit"} (so a redeployed contract needs no redeployed code), and who signs.
    ledger_parameter: str | None = None
    ledger_signer_secret_id: str | None = None
    ledger_kms_key_id: str | None = None
    anchor_max_batch: int = 1000
    # How far ahead a contract's valid_until may be, in days (at most 36,525: 100 years).
    validity_horizon_days: int = 36_525
    # Signed documents and attachments are locked until valid_until plus this many days (at
    # most 36,525), in GOVERNANCE mode: why, in cms.domain.contracts.retention.
    document_retention_days: int = 3650
    document_lock_mode: str = "GOVERNANCE"
    attachment_max_bytes: int = 25 * 1024 * 1024
    upload_url_ttl_s: int = 900
    # Attachment quotas: per contract (at most 50), and per identity over every contract
    # (what it uploaded; nothing is ever deleted, so an allowance for the identity's life).
    contract_attachments_max: int = 50
    contract_attachment_bytes_max: int = 100 * 1024 * 1024
    identity_attachments_max: int = 500
    identity_attachment_bytes_max: int = 1024 * 1024 * 1024
    # Lifecycle: the Step Functions state machine, the bus, one-time schedules, reminders.
    lifecycle_state_machine_arn: str | None = None
    event_bus_name: str = "cms-events"
    schedule_group: str = "default"
    scheduler_role_arn: str | None = None
    signing_reminder_s: int = 24 * 3600  # remind this long before the signing deadline
    expiry_reminder_s: int = 7 * 24 * 3600  # and this long before valid_until
    # Webhooks: loopback/private receivers and a private CA are for tests and the local stack
    # only; one attempt's deadline (resolution to response).
    webhooks_allow_private: bool = False
    webhooks_ca_bundle: str | None = None
    webhooks_timeout_s: float = 10.0
    # What one template render may spend (variables checked, body run, document converted):
    # steps, the size of any value it builds and of all of them, its Markdown, its time
    # (cms.domain.templates.budget; past one: 422 render_limit_exceeded).
    template_max_operations: int = 200_000
    template_max_value_chars: int = 256 * 1024
    template_max_produced_chars: int = 4 * 1024 * 1024
    template_max_output_chars: int = 256 * 1024
    template_render_timeout_s: float = 5.0
    # Training: the KMS key only the attested enclave image may unwrap data keys of, and
    # (local stack and tests only) a development attestation root whose simulated results
    # verify.
    training_key_id: str | None = None
    attestation_dev_root: str | None = None  # path of a PEM file
    # Circuit contracts, per identity (its contract address): evaluations queued or running at
    # once (409 evaluation_limit_reached), evaluations requested and contracts deployed per
    # window (429 rate_limited), and the longest an evaluation holds its place (a job lost
    # with its parent frees it then).
    circuit_evaluations_at_once: int = 2
    circuit_evaluations_per_window: int = 10
    circuit_deployments_per_window: int = 10
    circuit_quota_window_s: int = 3600
    circuit_evaluation_hold_s: int = 3600
    # The enclave images (PCR0, hex) this platform runs: the only ones a circuit contract may
    # accept results from (the deployment's enclave_pcr0 context; locally, the local app's).
    enclave_pcr0s: tuple[str, ...] = ()
    # Contract engine: the wall-clock limit of one call and of one batch, for every kind of
    # contract (cms.domain.engine.unified.EngineConfig: call 1 to 10,000 ms, batch from the
    # call's to 25,000 ms).
    engine_call_time_ms: int = 2_000
    engine_batch_time_ms: int = 15_000
    # Health: each probe's deadline and how long a report is reused (what anonymous callers
    # can make a container probe), and the limits its judgments use.
    health_probe_timeout_s: float = 2.0
    health_cache_ttl_s: float = 5.0
    ledger_min_signer_balance_wei: int = 10**17  # 0.1 ETH: degraded below it (and alarmed)
    anchoring_max_lag_s: float = 900.0  # the oldest un-anchored event's age (the lag alarm's)
    anchor_report_max_age_s: float = 300.0  # the anchor function reports every minute
    enclave_heartbeat_interval_s: float = 30.0  # how often a parent reports
    enclave_heartbeat_max_age_s: float = 120.0
    region: str = "us-east-1"
    # Tables, buckets and queues by variable name (CMS_CONTRACTS_TABLE → its name).
    resources: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _check_storage_settings(self)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Settings:
        """The settings a function's environment gives; a malformed number is Misconfigured."""
        values: dict[str, Any] = {}
        for name, (variable, parse) in _VARIABLES.items():
            raw = environ.get(variable)
            if raw is None:
                continue
            try:
                values[name] = parse(raw)
            except ValueError:
                raise Misconfigured(f"{variable}={raw!r} is not a valid value") from None
        region = environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION")
        if region:
            values["region"] = region
        values["resources"] = {name: value for name, value in environ.items()
                               if name.startswith("CMS_") and name.endswith(_RESOURCE_SUFFIXES)
                               and value}
        return cls(**values)

    def resource(self, variable: str) -> str:
        """The name of a table, bucket or queue this function was given (``CMS_…``)."""
        value = self.resources.get(variable)
        if not value:
            raise Misconfigured(f"{variable} is not set for this function: its definition "
                                f"does not give it this resource")
        return value

    def request_limit(self, request_class: RequestClass) -> Limit:
        """The bucket each identity has for ``request_class`` (CMS_RATE_LIMIT_<CLASS>_BURST
        and _PER_MINUTE); Misconfigured if either is out of range."""
        prefix = f"rate_limit_{request_class.value}"
        try:
            return Limit(getattr(self, prefix + "_burst"), getattr(self, prefix + "_per_minute"))
        except (AttributeError, ValueError) as error:
            raise Misconfigured(f"CMS_{prefix.upper()}_BURST/_PER_MINUTE: {error}") from None

    def render_limits(self) -> RenderLimits:
        from cms.domain.templates.budget import RenderLimits

        return RenderLimits(operations=self.template_max_operations,
                            value_chars=self.template_max_value_chars,
                            produced_chars=self.template_max_produced_chars,
                            output_chars=self.template_max_output_chars,
                            seconds=self.template_render_timeout_s)

    def circuit_quotas(self) -> CircuitQuotaPolicy:
        from cms.domain.engine.quotas import Quota
        from cms.services.circuit_evaluations import CircuitQuotaPolicy

        window = self.circuit_quota_window_s
        return CircuitQuotaPolicy(
            evaluations=Quota(self.circuit_evaluations_at_once,
                              self.circuit_evaluations_per_window, window,
                              self.circuit_evaluation_hold_s),
            deployments=Quota(0, self.circuit_deployments_per_window, window))

    def required(self, name: str) -> Any:
        """A setting without which this use cannot work (e.g. ``training_key_id``)."""
        value = getattr(self, name)
        if value in (None, "", ()):
            variable = _VARIABLES[name][0]
            raise Misconfigured(f"{variable} is not set for this function")
        return value


# The platform's own bounds on what a deployment may set (cms.domain.contracts.ranges and
# .retention, cms.domain.contracts.attachments, cms.domain.drafting; a unit test keeps them
# equal): beyond them dates overflow, or a contract's content outgrows its 32 KiB.
_STORAGE_RANGES = {
    "validity_horizon_days": (1, 36_525),
    "document_retention_days": (0, 36_525),
    "attachment_max_bytes": (1, 25 * 1024 * 1024),
    "upload_url_ttl_s": (1, 7 * 24 * 3600),  # a presigned POST lives at most 7 days
    "contract_attachments_max": (0, 50),
    "contract_attachment_bytes_max": (0, 2**53 - 1),
    "identity_attachments_max": (0, 2**53 - 1),
    "identity_attachment_bytes_max": (0, 2**53 - 1),
}


def _check_storage_settings(settings: Settings) -> None:
    """Misconfigured (naming the variable) for a storage setting out of its range."""
    for name, (low, high) in _STORAGE_RANGES.items():
        value = getattr(settings, name)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise Misconfigured(f"CMS_{name.upper()}={value!r} is out of range: {low} to "
                                f"{high}")
    if settings.document_lock_mode not in ("GOVERNANCE", "COMPLIANCE"):
        raise Misconfigured(f"CMS_DOCUMENT_LOCK_MODE={settings.document_lock_mode!r}: "
                            "GOVERNANCE or COMPLIANCE")


_PARSERS = {int: _int, float: _float, bool: _bool, str: _text}
_SPECIAL: dict[str, tuple[str, Any]] = {
    "bootstrap_admins": ("CMS_BOOTSTRAP_ADMINS", _list),
    "enclave_pcr0s": ("CMS_ENCLAVE_PCR0S", _lower_list),
}


def _variables() -> dict[str, tuple[str, Any]]:
    """Field → (variable, parser): CMS_<FIELD IN CAPITALS>, parsed by the field's type."""
    defaults = Settings()
    table: dict[str, tuple[str, Any]] = {}
    for spec in fields(Settings):
        if spec.name in ("region", "resources"):
            continue
        if spec.name in _SPECIAL:
            table[spec.name] = _SPECIAL[spec.name]
            continue
        default = getattr(defaults, spec.name)
        parse = _optional if default is None else _PARSERS[type(default)]
        table[spec.name] = (f"CMS_{spec.name.upper()}", parse)
    return table


_VARIABLES = _variables()


# Variables the CDK sets on every function besides resource names. Values here are the cloud
# defaults; the stack may override.
ENVIRONMENT_VARIABLES: dict[str, str] = {
    "CMS_CHAIN_ID": "1",
    "CMS_CHALLENGE_TTL_S": "180",
    "CMS_TOKEN_TTL_S": "900",
    "CMS_TOKEN_LEEWAY_S": "5",
    "CMS_AUTHORIZER_CACHE_TTL_S": "5",
    "CMS_JWT_ISSUER": "cms",
    "CMS_JWT_AUDIENCE": "cms-api",
    "CMS_SIGNIN_BURST": "10",
    "CMS_SIGNIN_PER_MINUTE": "20",
    "CMS_SIGNIN_IP_BURST": "60",
    "CMS_SIGNIN_IP_PER_MINUTE": "120",
    "POWERTOOLS_METRICS_NAMESPACE": "ContractManagement",
    "POWERTOOLS_LOG_LEVEL": "INFO",
}
