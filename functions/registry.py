"""The catalogue of Lambda functions and the HTTP routes each one serves.

The CDK API stack builds API Gateway resources from ``http_routes``, which reads the routes
from each handler's own Powertools resolver (its OpenAPI schema). The handlers are therefore
the only place a route is declared; the cloud API and the local gateway both follow them.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

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


FUNCTIONS: tuple[FunctionSpec, ...] = (
    FunctionSpec("auth", "DID registration, sign-in challenges, token issue, JWKS"),
    FunctionSpec("identities", "Identity profiles and administration"),
    FunctionSpec("contracts", "Contract creation, listing and lifecycle transitions"),
    FunctionSpec("audit", "Contract audit trail and verification reports", timeout_s=29),
    FunctionSpec("meta", "Health and OpenAPI document"),
    FunctionSpec("authorizer", "API Gateway REQUEST authorizer (JWT)", http=False, memory_mb=256),
    FunctionSpec("ledger", "Ledger and anchoring status"),
    FunctionSpec("templates", "Contract templates: catalogue, versions, authoring, previews",
                 timeout_s=29),
    FunctionSpec(
        "triggers",
        "Registers attachment and dataset uploads when S3 reports them (through EventBridge)",
        http=False,
        timeout_s=300,  # hashes 25 MB attachments; checks and seals datasets of up to 40 MB
        memory_mb=1024,
        object_events=("documents", "training"),
    ),
    FunctionSpec(
        "anchor",
        "Anchors batches of audit events as Merkle roots on the ledger",
        http=False,
        timeout_s=120,
        schedule="rate(1 minute)",
        reserved_concurrency=1,  # one batch in flight: a second runner would only contend
    ),
    FunctionSpec(
        "lifecycle",
        "The lifecycle workflow's tasks, expiry and reminder schedules, the expiry backstop",
        http=False,
        timeout_s=60,
        schedule="rate(1 hour)",  # backstop: drafts past valid_until (no workflow watches)
    ),
    FunctionSpec("webhooks", "Webhook registration, delivery listing and replay"),
    FunctionSpec("training", "Training jobs under AI-training contracts, privacy budgets"),
    FunctionSpec("engine", "The unified contract engine: ERC20, WebAssembly and privacy "
                 "contracts", memory_mb=1024, timeout_s=29),
    FunctionSpec(
        "deliveries",
        "Fans contract events out to webhooks and makes the delivery attempts",
        http=False,
        timeout_s=90,  # a batch of at most 5 attempts of at most 10 s each, plus DynamoDB
        bus_events=True,
        queue="deliveries",
    ),
    FunctionSpec(
        "events",
        "Audit stream → lifecycle workflow (start, resume) and the EventBridge bus",
        http=False,
        timeout_s=60,
        table_stream="audit",
    ),
)


def function(name: str) -> FunctionSpec:
    return next(spec for spec in FUNCTIONS if spec.name == name)


def http_routes(spec: FunctionSpec) -> list[Route]:
    """Routes served by an HTTP function, read from its resolver's OpenAPI schema."""
    app = importlib.import_module(spec.module).app
    schema = app.get_openapi_schema().model_dump(by_alias=True, exclude_none=True)
    routes = []
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            secured = any(BEARER in requirement for requirement in operation.get("security", []))
            routes.append(Route(method.upper(), path, secured))
    return sorted(routes, key=lambda route: (route.path, route.method))
