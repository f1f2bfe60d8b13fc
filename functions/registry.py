"""The catalogue of Lambda functions and the HTTP routes each one serves.

The CDK API stack builds API Gateway resources from ``http_routes``, which reads the routes
from each handler's own operations (its part of the OpenAPI document). The handlers are
therefore the only place a route is declared; the cloud API and the local gateway both follow
them.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field, replace

from cms.adapters.dependency_probes import PROBED_QUEUES
from cms.adapters.object_store import BUCKET_SPECS
from cms.adapters.tables import TABLE_SPECS
from cms.domain.health import ANCHOR
from functions.permissions import Access, Permissions

# OpenAPI security requirement that marks a route as guarded by the JWT authorizer.
BEARER = "bearerAuth"


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    description: str
    http: bool = True
    memory_mb: int = 512
    timeout_s: int = 15
    schedule: str | None = None  # EventBridge schedule expression for scheduled functions
    reserved_concurrency: int | None = None
    # Key of a bucket (cms.adapters.object_store.BUCKET_SPECS) whose "Object Created" events
    # EventBridge delivers to this function.
    object_events: str | tuple[str, ...] | None = None
    # Key of a table (cms.adapters.tables.TABLE_SPECS) whose stream of new items feeds it.
    table_stream: str | None = None
    bus_events: bool = False  # every event on the platform's bus (source cms.contracts)
    queue: str | None = None  # an SQS queue this function consumes (created for it)
    permissions: Permissions = field(default_factory=Permissions)

    @property
    def module(self) -> str:
        return f"functions.{self.name}.app"

    @property
    def handler(self) -> str:
        return f"{self.module}.handler"


@dataclass(frozen=True)
class Route:
    method: str  # upper case
    path: str  # API Gateway form: /api/v1/contracts/{contract_id}
    authorized: bool


_RW, _R = Access.READ_WRITE, Access.READ

# Least privilege per function, read from what each handler's services touch: a handler that
# starts using another table, bucket or key needs it in its permissions here.
FUNCTIONS: tuple[FunctionSpec, ...] = (
    # Registration (identity, key and its audit event in one transaction), challenges
    # (consumed once), sign-in rate limits, token issue and JWKS.
    FunctionSpec("auth", "DID registration, sign-in challenges, token issue, JWKS",
                 permissions=Permissions(
                     {"identities": _RW, "audit": _RW, "challenges": _RW, "rate_limits": _RW},
                     reads_signing_secret=True)),
    # Admin changes write the profile and its audit event together; events are readable.
    FunctionSpec("identities", "Identity profiles and administration",
                 permissions=Permissions({"identities": _RW, "audit": _RW})),
    # Each change writes the contract snapshot and its audit event in one transaction;
    # creation is idempotent (Powertools idempotency table). Template contracts read their
    # version (seeding a built-in on first use) and store the rendered document; signing
    # locks it; uploads are presigned with this role, once the uploader's quota (read) allows.
    FunctionSpec("contracts", "Contract creation, listing and lifecycle transitions",
                 permissions=Permissions(
                     {"contracts": _RW, "audit": _RW, "idempotency": _RW, "templates": _RW,
                      "storage_usage": _R},
                     buckets={"templates": ("read", "write"),
                              "documents": ("read", "write")})),
    # Verification and receipts read the batches and ask the chain (read-only, no signer).
    FunctionSpec("audit", "Contract audit trail and verification reports", timeout_s=29,
                 permissions=Permissions({"contracts": _R, "audit": _R, "anchor_batches": _R},
                                         reads_ledger=True)),
    # /health describes every table, bucket and queue and the bus (metadata only), loads the
    # signing keys, asks the ledger's chain (read-only) and reads the heartbeats.
    FunctionSpec("meta", "Health and OpenAPI document",
                 permissions=Permissions(
                     {**{spec.key: Access.DESCRIBE for spec in TABLE_SPECS},
                      "heartbeats": Access.QUERY},
                     reads_signing_secret=True, reads_ledger=True,
                     describes_buckets=tuple(spec.key for spec in BUCKET_SPECS),
                     describes_queues=PROBED_QUEUES, describes_event_bus=True)),
    # Verifies the token and that the identity is still active.
    FunctionSpec("authorizer", "API Gateway REQUEST authorizer (JWT)", http=False,
                 memory_mb=256,
                 permissions=Permissions({"identities": _R}, reads_signing_secret=True)),
    # The status shows the signer's address and balance.
    FunctionSpec("ledger", "Ledger and anchoring status",
                 permissions=Permissions({"audit": _R, "anchor_batches": _R},
                                         reads_ledger=True, signs_ledger=True)),
    # The catalogue and admin authoring (versions are written, never replaced); creation is
    # idempotent (the Powertools idempotency table, as for every create below).
    FunctionSpec("templates", "Contract templates: catalogue, versions, authoring, previews",
                 timeout_s=29,
                 permissions=Permissions({"templates": _RW, "idempotency": _RW},
                                         buckets={"templates": ("read", "write")})),
    # Hashes uploads, checks the session that asked for the form still stands (identities,
    # read), charges them to the uploader's quota and registers them on the contract (an
    # audit event), deletes refusals; registers uploaded training datasets, encrypting them
    # for the enclave.
    FunctionSpec(
        "triggers",
        "Registers attachment and dataset uploads when S3 reports them (through EventBridge)",
        http=False,
        timeout_s=300,  # hashes 25 MB attachments; checks and seals datasets of up to 40 MB
        memory_mb=1024,
        object_events=("documents", "training"),
        permissions=Permissions({"contracts": _RW, "audit": _RW, "storage_usage": _RW,
                                 "identities": _R},
                                buckets={"documents": ("read", "delete"),
                                         "training": ("read", "write", "delete")},
                                generates_training_keys=True),
    ),
    # Reads the queue of un-anchored events and the contracts' heads (status slots), writes
    # batches and the events' proofs.
    FunctionSpec(
        "anchor",
        "Anchors batches of audit events as Merkle roots on the ledger",
        http=False,
        timeout_s=120,
        schedule="rate(1 minute)",
        reserved_concurrency=1,  # one batch in flight: a second runner would only contend
        permissions=Permissions({"audit": _RW, "anchor_batches": _RW, "contracts": _R},
                                reads_ledger=True, signs_ledger=True, heartbeat=ANCHOR),
    ),
    # The workflow's tasks: expire, activate (contract changes), keep the task token, lock
    # signed documents, schedule expiry and reminders (targeting itself), publish reminders.
    FunctionSpec(
        "lifecycle",
        "The lifecycle workflow's tasks, expiry and reminder schedules, the expiry backstop",
        http=False,
        timeout_s=60,
        schedule="rate(1 hour)",  # backstop: drafts past valid_until (no workflow watches)
        permissions=Permissions({"contracts": _RW, "audit": _RW, "workflows": _RW},
                                buckets={"documents": ("lock",)}, resumes_workflows=True,
                                publishes_events=True, manages_schedules=True),
    ),
    # Registration (idempotent: only the webhook's id goes to the idempotency table, never
    # its secret), listing, deletion, disabling, secret rotation; a replay rewrites a
    # delivery and enqueues it.
    FunctionSpec("webhooks", "Webhook registration, status, secrets, deliveries, replay",
                 permissions=Permissions({"webhooks": _RW, "deliveries": _RW,
                                          "idempotency": _RW},
                                         sends_to=("deliveries",))),
    # Reads contracts (visibility, terms) and the parties' standing; reserves and settles
    # budgets with their jobs; enqueues jobs for the enclave; presigns dataset uploads and
    # model downloads; job creation and dataset forms are idempotent.
    FunctionSpec("training", "Training jobs under AI-training contracts, privacy budgets",
                 permissions=Permissions(
                     {"contracts": _R, "identities": _R, "privacy_budgets": _RW,
                      "training_jobs": _RW, "idempotency": _RW},
                     buckets={"training": ("read", "write")}, sends_to=("training",),
                     generates_training_keys=True)),
    # Contracts, their state and their history, in one table; a circuit contract's input key
    # pair is made under the training key and its evaluation queued for the enclave on the
    # circuits queue (not the training queue); per-identity circuit quotas in the quotas table;
    # a contract governed by an agreement runs only while that allows work (its standing);
    # deployment is idempotent.
    FunctionSpec("engine", "The unified contract engine: ERC20, WebAssembly and privacy "
                 "contracts", memory_mb=1024, timeout_s=29,
                 permissions=Permissions({"engine": _RW, "quotas": _RW, "contracts": _R,
                                          "identities": _R, "idempotency": _RW},
                                         sends_to=("circuits",),
                                         generates_input_key_pairs=True)),
    # Fan-out reads the parties' webhooks and writes deliveries; each attempt rewrites its
    # delivery and enqueues the next (delayed) attempt.
    FunctionSpec(
        "deliveries",
        "Fans contract events out to webhooks and makes the delivery attempts",
        http=False,
        timeout_s=90,  # a batch of at most 5 attempts of at most 10 s each, plus DynamoDB
        bus_events=True,
        queue="deliveries",
        permissions=Permissions({"webhooks": _R, "deliveries": _RW}, sends_to=("deliveries",)),
    ),
    # Reads the audit stream: starts and resumes executions, publishes every contract event,
    # cancels the schedules of ended contracts, and stops the training jobs of contracts that
    # ended or whose party was suspended (settling queued ones with their budget).
    FunctionSpec(
        "events",
        "Audit stream → lifecycle workflow (start, resume) and the EventBridge bus",
        http=False,
        timeout_s=60,
        table_stream="audit",
        permissions=Permissions({"contracts": _R, "workflows": _R, "identities": _R,
                                 "privacy_budgets": _RW, "training_jobs": _RW},
                                starts_workflows=True,
                                resumes_workflows=True, publishes_events=True,
                                cancels_schedules=True),
    ),
)


# Every HTTP function with authenticated routes takes a token from the caller's bucket on each
# request (cms.api.limits): one UpdateItem on the rate-limit table. None serves only public
# documents (``meta`` has the admins' health details).
_PUBLIC_ONLY: frozenset[str] = frozenset()


def _limiting_requests(spec: FunctionSpec) -> FunctionSpec:
    if (not spec.http or spec.name in _PUBLIC_ONLY
            or spec.permissions.tables.get("rate_limits") is _RW):
        return spec  # (a function that only describes the table, the health check, takes too)
    tables = {**spec.permissions.tables, "rate_limits": _RW}
    return replace(spec, permissions=replace(spec.permissions, tables=tables))


FUNCTIONS = tuple(_limiting_requests(spec) for spec in FUNCTIONS)


def function(name: str) -> FunctionSpec:
    return next(spec for spec in FUNCTIONS if spec.name == name)


def http_routes(spec: FunctionSpec) -> list[Route]:
    """Routes served by an HTTP function, read from its operations."""
    schema = importlib.import_module(spec.module).api.document()
    routes = []
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            secured = any(BEARER in requirement for requirement in operation.get("security", []))
            routes.append(Route(method.upper(), path, secured))
    return sorted(routes, key=lambda route: (route.path, route.method))
