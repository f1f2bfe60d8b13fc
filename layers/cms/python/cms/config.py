"""Runtime settings, read once from the environment the CDK (or the local stack) provides.

Every variable a function reads is listed here; ``ENVIRONMENT_VARIABLES`` is what the CDK
passes to each function, so cloud and local configuration cannot drift apart.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def _list(name: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in os.environ.get(name, "").split(",") if item.strip())


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
    # Sign-in rate limit: a token bucket per DID and per source address.
    signin_burst: int = 10
    signin_per_minute: int = 20
    signin_ip_burst: int = 60
    signin_ip_per_minute: int = 120
    # Requests.
    max_body_bytes: int = 256 * 1024
    # DID resolution.
    did_web_allow_private: bool = False
    did_web_ca_bundle: str | None = None
    did_web_timeout_s: float = 5.0
    # Identities listed here receive the admin role when they register.
    bootstrap_admins: tuple[str, ...] = field(default_factory=tuple)
    idempotency_ttl_s: int = 3600
    cors_allow_origin: str = "*"
    # Ledger: an SSM parameter holding {"rpc_url", "address", "chain_id", "confirmations",
    # "gas_limit"} (so a redeployed contract needs no redeployed code), and who signs.
    ledger_parameter: str | None = None
    ledger_signer_secret_id: str | None = None
    ledger_kms_key_id: str | None = None
    anchor_max_batch: int = 1000
    # S3: the versioned template store, and contract documents and attachments (Object Lock).
    templates_bucket: str = "cms-templates"
    documents_bucket: str = "cms-documents"
    # Signed documents and attachments are locked until valid_until plus this many days.
    document_retention_days: int = 3650
    document_lock_mode: str = "COMPLIANCE"  # GOVERNANCE lets a privileged operator lift it
    attachment_max_bytes: int = 25 * 1024 * 1024
    upload_url_ttl_s: int = 900
    # Lifecycle: the Step Functions state machine, the bus, one-time schedules, reminders.
    lifecycle_state_machine_arn: str | None = None
    event_bus_name: str = "cms-events"
    schedule_group: str = "default"
    scheduler_role_arn: str | None = None
    signing_reminder_s: int = 24 * 3600  # remind this long before the signing deadline
    expiry_reminder_s: int = 7 * 24 * 3600  # and this long before valid_until
    # Webhooks: the deliveries queue; loopback/private receivers and a private CA are for
    # tests and the local stack only; one attempt's deadline (resolution to response).
    deliveries_queue_url: str | None = None
    webhooks_allow_private: bool = False
    webhooks_ca_bundle: str | None = None
    webhooks_timeout_s: float = 10.0
    # Training: the jobs queue the runners read, the bucket of datasets, checkpoints and
    # models, the KMS key only the attested enclave image may unwrap data keys of, and (local
    # stack and tests only) a development attestation root whose simulated results verify.
    training_queue_url: str | None = None
    training_bucket: str = "cms-training"
    training_key_id: str | None = None
    attestation_dev_root: str | None = None  # path of a PEM file
    # The enclave images (PCR0, hex) this platform runs: the only ones a circuit contract may
    # accept results from (the deployment's enclave_pcr0 context; locally, the local app's).
    enclave_pcr0s: tuple[str, ...] = ()

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            siwe_domain=os.environ.get("CMS_SIWE_DOMAIN", cls.siwe_domain),
            siwe_uri=os.environ.get("CMS_SIWE_URI", cls.siwe_uri),
            chain_id=_int("CMS_CHAIN_ID", cls.chain_id),
            challenge_ttl_s=_int("CMS_CHALLENGE_TTL_S", cls.challenge_ttl_s),
            jwt_secret_id=os.environ.get("CMS_JWT_SECRET_ID", cls.jwt_secret_id),
            jwt_issuer=os.environ.get("CMS_JWT_ISSUER", cls.jwt_issuer),
            jwt_audience=os.environ.get("CMS_JWT_AUDIENCE", cls.jwt_audience),
            token_ttl_s=_int("CMS_TOKEN_TTL_S", cls.token_ttl_s),
            signin_burst=_int("CMS_SIGNIN_BURST", cls.signin_burst),
            signin_per_minute=_int("CMS_SIGNIN_PER_MINUTE", cls.signin_per_minute),
            signin_ip_burst=_int("CMS_SIGNIN_IP_BURST", cls.signin_ip_burst),
            signin_ip_per_minute=_int("CMS_SIGNIN_IP_PER_MINUTE", cls.signin_ip_per_minute),
            max_body_bytes=_int("CMS_MAX_BODY_BYTES", cls.max_body_bytes),
            did_web_allow_private=_bool("CMS_DID_WEB_ALLOW_PRIVATE"),
            did_web_ca_bundle=os.environ.get("CMS_DID_WEB_CA_BUNDLE") or None,
            did_web_timeout_s=float(os.environ.get("CMS_DID_WEB_TIMEOUT_S", cls.did_web_timeout_s)),
            bootstrap_admins=_list("CMS_BOOTSTRAP_ADMINS"),
            idempotency_ttl_s=_int("CMS_IDEMPOTENCY_TTL_S", cls.idempotency_ttl_s),
            cors_allow_origin=os.environ.get("CMS_CORS_ALLOW_ORIGIN", cls.cors_allow_origin),
            ledger_parameter=os.environ.get("CMS_LEDGER_PARAMETER") or None,
            ledger_signer_secret_id=os.environ.get("CMS_LEDGER_SIGNER_SECRET_ID") or None,
            ledger_kms_key_id=os.environ.get("CMS_LEDGER_KMS_KEY_ID") or None,
            anchor_max_batch=_int("CMS_ANCHOR_MAX_BATCH", cls.anchor_max_batch),
            templates_bucket=os.environ.get("CMS_TEMPLATES_BUCKET", cls.templates_bucket),
            documents_bucket=os.environ.get("CMS_DOCUMENTS_BUCKET", cls.documents_bucket),
            document_retention_days=_int("CMS_DOCUMENT_RETENTION_DAYS",
                                         cls.document_retention_days),
            document_lock_mode=os.environ.get("CMS_DOCUMENT_LOCK_MODE", cls.document_lock_mode),
            attachment_max_bytes=_int("CMS_ATTACHMENT_MAX_BYTES", cls.attachment_max_bytes),
            upload_url_ttl_s=_int("CMS_UPLOAD_URL_TTL_S", cls.upload_url_ttl_s),
            lifecycle_state_machine_arn=os.environ.get("CMS_LIFECYCLE_STATE_MACHINE_ARN")
            or None,
            event_bus_name=os.environ.get("CMS_EVENT_BUS_NAME", cls.event_bus_name),
            schedule_group=os.environ.get("CMS_SCHEDULE_GROUP", cls.schedule_group),
            scheduler_role_arn=os.environ.get("CMS_SCHEDULER_ROLE_ARN") or None,
            signing_reminder_s=_int("CMS_SIGNING_REMINDER_S", cls.signing_reminder_s),
            expiry_reminder_s=_int("CMS_EXPIRY_REMINDER_S", cls.expiry_reminder_s),
            deliveries_queue_url=os.environ.get("CMS_DELIVERIES_QUEUE_URL") or None,
            webhooks_allow_private=_bool("CMS_WEBHOOKS_ALLOW_PRIVATE"),
            webhooks_ca_bundle=os.environ.get("CMS_WEBHOOKS_CA_BUNDLE") or None,
            webhooks_timeout_s=float(os.environ.get("CMS_WEBHOOKS_TIMEOUT_S",
                                                    cls.webhooks_timeout_s)),
            training_queue_url=os.environ.get("CMS_TRAINING_QUEUE_URL") or None,
            training_bucket=os.environ.get("CMS_TRAINING_BUCKET", cls.training_bucket),
            training_key_id=os.environ.get("CMS_TRAINING_KEY_ID") or None,
            attestation_dev_root=os.environ.get("CMS_ATTESTATION_DEV_ROOT") or None,
            enclave_pcr0s=tuple(value.lower() for value in _list("CMS_ENCLAVE_PCR0S")),
        )


@lru_cache(maxsize=1)
def settings() -> Settings:
    return Settings.from_env()


# Variables the CDK sets on every function besides the table names (which come from
# cms.adapters.tables.TABLE_SPECS). Values here are the cloud defaults; the stack may override.
ENVIRONMENT_VARIABLES: dict[str, str] = {
    "CMS_CHAIN_ID": "1",
    "CMS_CHALLENGE_TTL_S": "180",
    "CMS_TOKEN_TTL_S": "900",
    "CMS_JWT_ISSUER": "cms",
    "CMS_JWT_AUDIENCE": "cms-api",
    "CMS_SIGNIN_BURST": "10",
    "CMS_SIGNIN_PER_MINUTE": "20",
    "CMS_SIGNIN_IP_BURST": "60",
    "CMS_SIGNIN_IP_PER_MINUTE": "120",
    "POWERTOOLS_METRICS_NAMESPACE": "ContractManagement",
    "POWERTOOLS_LOG_LEVEL": "INFO",
}
