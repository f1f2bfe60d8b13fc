"""DynamoDB tables as pynamodb models.

These models are the one definition of every table: the CDK data stack derives key schemas,
GSIs and TTL attributes from them (see ``table_specs``), and the local stack creates its tables
from the synthesized template. The names here are defaults; ``bind_tables`` gives the models
the names a function's settings carry (the CDK sets one variable per table it may use).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from pynamodb.attributes import (
    BinaryAttribute,
    BooleanAttribute,
    JSONAttribute,
    ListAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.indexes import (
    AllProjection,
    GlobalSecondaryIndex,
    IncludeProjection,
    KeysOnlyProjection,
)
from pynamodb.models import Model

from cms.config import Settings

# Default table name → the variable that names the table in a function's environment.
_VARIABLE_OF: dict[str, str] = {}


def _table(variable: str, default: str) -> str:
    _VARIABLE_OF[default] = variable
    return default


class _Meta:
    billing_mode = "PAY_PER_REQUEST"
    region = "us-east-1"
    # Fail fast: a Lambda that cannot reach DynamoDB should answer 503, not hang for a minute.
    connect_timeout_seconds = 3
    read_timeout_seconds = 5
    max_retry_attempts = 2


class IdentitiesByStatusIndex(GlobalSecondaryIndex["IdentityRecord"]):
    """Admins' listing of identities (GET /api/v1/identities): profiles by status, then DID.

    An index rather than a paged Scan: a Scan reads the credential and sessions items too
    (most of the table) and in hash order, so a DID prefix could not narrow it and a cursor
    would have to carry DynamoDB's own key. Sparse: only profile items carry ``status`` (no
    backfill: every profile has one). Three partitions by design ("active" holds most); they
    take only profile writes, which are rare (registration, admin changes)."""

    class Meta:
        index_name = "identities-by-status"
        projection = AllProjection()

    status = UnicodeAttribute(hash_key=True)
    did = UnicodeAttribute(range_key=True)


class IdentityRecord(Model):
    """A party (the design's identities row). Keys are kept as CredentialRecord items beside
    it."""

    class Meta(_Meta):
        table_name = _table("CMS_IDENTITIES_TABLE", "cms-identities")

    did = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    identity_id = UnicodeAttribute()
    name = UnicodeAttribute()
    type = UnicodeAttribute()
    status = UnicodeAttribute()
    roles = ListAttribute(of=UnicodeAttribute)
    metadata = JSONAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    # Head of the identity's audit chain (stream identity:<did>); version = events so far.
    version = NumberAttribute()
    head_hash = UnicodeAttribute()
    by_status = IdentitiesByStatusIndex()


class CredentialRecord(Model):
    """A public key (or Ethereum address) registered for an identity (the design's
    credentials row)."""

    class Meta(_Meta):
        table_name = _table("CMS_IDENTITIES_TABLE", "cms-identities")

    did = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    credential_id = UnicodeAttribute()
    type = UnicodeAttribute()
    value = UnicodeAttribute()
    verification_method = UnicodeAttribute()
    created_at = UnicodeAttribute()


class SessionsRecord(Model):
    """What ends an identity's tokens early (cms.domain.sessions): beside the profile, under a
    sort key that begins with the profile's, so that one query reads both."""

    class Meta(_Meta):
        table_name = _table("CMS_IDENTITIES_TABLE", "cms-identities")

    did = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)  # "IDENTITY#SESSIONS"
    generation = NumberAttribute()
    revoked = JSONAttribute()  # {jti: the token's exp}
    version = NumberAttribute()
    # Once past, every token the record refuses has expired anyway: DynamoDB may delete it.
    ttl = TTLAttribute()


class ByProviderIndex(GlobalSecondaryIndex["ContractRecord"]):
    class Meta:
        index_name = "by-provider"
        projection = AllProjection()

    provider_did = UnicodeAttribute(hash_key=True)
    created_key = UnicodeAttribute(range_key=True)


class ByConsumerIndex(GlobalSecondaryIndex["ContractRecord"]):
    class Meta:
        index_name = "by-consumer"
        projection = AllProjection()

    consumer_did = UnicodeAttribute(hash_key=True)
    created_key = UnicodeAttribute(range_key=True)


class ByStatusIndex(GlobalSecondaryIndex["ContractRecord"]):
    class Meta:
        index_name = "by-status"
        projection = AllProjection()

    status = UnicodeAttribute(hash_key=True)
    created_key = UnicodeAttribute(range_key=True)


class ByExpiryIndex(GlobalSecondaryIndex["ContractRecord"]):
    """Live contracts by end of validity: the expiry sweep reads only what is due."""

    class Meta:
        index_name = "by-expiry"
        projection = KeysOnlyProjection()

    status = UnicodeAttribute(hash_key=True)
    valid_until = UnicodeAttribute(range_key=True)


class ContractRecord(Model):
    """The current snapshot of a contract. Its audit events are the source of truth;
    this item is their fold, written in the same transaction as each event."""

    class Meta(_Meta):
        table_name = _table("CMS_CONTRACTS_TABLE", "cms-contracts")

    contract_id = UnicodeAttribute(hash_key=True)
    title = UnicodeAttribute()
    description = UnicodeAttribute()
    provider_did = UnicodeAttribute()
    consumer_did = UnicodeAttribute()
    status = UnicodeAttribute()
    # JSON text, not DynamoDB maps: numbers must round-trip exactly or digests would change.
    terms = JSONAttribute()
    metadata = JSONAttribute()
    valid_from = UnicodeAttribute()
    valid_until = UnicodeAttribute()
    digest = UnicodeAttribute(null=True)
    signing_deadline = UnicodeAttribute(null=True)
    signatures = JSONAttribute()
    created_at = UnicodeAttribute()
    # "<created_at>#<id>": a unique, time-ordered sort key for the listing indexes, so pages
    # never depend on how DynamoDB orders items created in the same millisecond.
    created_key = UnicodeAttribute()
    # Derived for listing filters (absent on records written before them): the title
    # case-folded for search, and the id of the template the contract was made from.
    title_folded = UnicodeAttribute(null=True)
    template_id = UnicodeAttribute(null=True)
    updated_at = UnicodeAttribute()
    version = NumberAttribute()
    head_hash = UnicodeAttribute()

    by_provider = ByProviderIndex()
    by_consumer = ByConsumerIndex()
    by_status = ByStatusIndex()
    by_expiry = ByExpiryIndex()


class UnanchoredIndex(GlobalSecondaryIndex["AuditEventRecord"]):
    """Sparse: only events not yet in a final anchoring batch, oldest first."""

    class Meta:
        index_name = "unanchored"
        projection = IncludeProjection(["hash"])

    anchor_pending = UnicodeAttribute(hash_key=True)
    pending_key = UnicodeAttribute(range_key=True)


class AuditEventRecord(Model):
    """One link of a hash chain. ``stream`` names the chain (e.g. ``contract:<id>``)."""

    class Meta(_Meta):
        table_name = _table("CMS_AUDIT_TABLE", "cms-audit")

    stream = UnicodeAttribute(hash_key=True)
    seq = NumberAttribute(range_key=True)
    event_id = UnicodeAttribute()
    event_type = UnicodeAttribute()
    actor = UnicodeAttribute()
    at = UnicodeAttribute()
    data = JSONAttribute()
    prev_hash = UnicodeAttribute()
    hash = UnicodeAttribute()
    # Anchoring: "pending" + a time-ordered key until the event's batch is final on chain,
    # then the batch, the event's global anchoring sequence number and its inclusion proof.
    anchor_pending = UnicodeAttribute(null=True)
    pending_key = UnicodeAttribute(null=True)
    anchor_batch = NumberAttribute(null=True)
    anchor_seq = NumberAttribute(null=True)
    anchor_proof = JSONAttribute(null=True)

    unanchored = UnanchoredIndex()


class OpenBatchIndex(GlobalSecondaryIndex["AnchorBatchRecord"]):
    """Sparse: batches not final yet (normally at most one)."""

    class Meta:
        index_name = "open"
        projection = AllProjection()

    open = UnicodeAttribute(hash_key=True)
    first_seq = NumberAttribute(range_key=True)


class FinalBatchIndex(GlobalSecondaryIndex["AnchorBatchRecord"]):
    """Sparse: final batches by range, so the latest one is a one-item query."""

    class Meta:
        index_name = "final"
        projection = AllProjection()

    final = UnicodeAttribute(hash_key=True)
    first_seq = NumberAttribute(range_key=True)


class AnchorBatchRecord(Model):
    """A batch of audit events anchored as one Merkle root: written before the transaction is
    sent (the intent), so a crash at any step is resumed, never repeated or lost."""

    class Meta(_Meta):
        table_name = _table("CMS_ANCHOR_BATCHES_TABLE", "cms-anchor-batches")

    first_seq = NumberAttribute(hash_key=True)
    last_seq = NumberAttribute()
    root = UnicodeAttribute()
    events = JSONAttribute()  # [[stream, seq, hash], …] in leaf order
    state = UnicodeAttribute()  # prepared → sent → final, or abandoned
    tx_hash = UnicodeAttribute(null=True)
    block_number = NumberAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    open = UnicodeAttribute(null=True)
    final = UnicodeAttribute(null=True)

    open_batches = OpenBatchIndex()
    final_batches = FinalBatchIndex()


class ChallengeRecord(Model):
    """A sign-in challenge; consumed exactly once by a conditional update."""

    class Meta(_Meta):
        table_name = _table("CMS_CHALLENGES_TABLE", "cms-challenges")

    nonce = UnicodeAttribute(hash_key=True)
    did = UnicodeAttribute()
    challenge = UnicodeAttribute()
    issued_at = UnicodeAttribute()
    expires_at = UnicodeAttribute()
    consumed_at = UnicodeAttribute(null=True)
    ttl = TTLAttribute()


class RateLimitRecord(Model):
    """A token bucket (sign-in attempts per DID and per source address; each identity's
    requests per class): its theoretical arrival time (cms.domain.ratelimit), in
    microseconds. Written by cms.adapters.rate_limit_store with UpdateItem."""

    class Meta(_Meta):
        table_name = _table("CMS_RATE_LIMITS_TABLE", "cms-rate-limits")

    bucket = UnicodeAttribute(hash_key=True)
    tat = NumberAttribute()
    ttl = TTLAttribute()  # when it is full again (then the same as no item)


class QuotaRecord(Model):
    """A per-identity quota's state (cms.domain.engine.quotas): circuit evaluations in flight
    and admitted in the current window, circuit deployments in the window."""

    class Meta(_Meta):
        table_name = _table("CMS_QUOTAS_TABLE", "cms-quotas")

    key = UnicodeAttribute(hash_key=True)  # "<what>:<caller address>"
    state = UnicodeAttribute()  # QuotaState as JSON
    version = NumberAttribute()  # moves on every write (the optimistic lock)
    ttl = TTLAttribute()


class IdempotencyRecord(Model):
    """Schema of the Powertools idempotency table (Powertools writes it, not this model)."""

    class Meta(_Meta):
        table_name = _table("CMS_IDEMPOTENCY_TABLE", "cms-idempotency")

    id = UnicodeAttribute(hash_key=True)
    expiration = TTLAttribute()


class StorageUsageRecord(Model):
    """What one identity keeps in storage (cms.ports.usage): a totals item (``item`` is
    ``#total``: objects and bytes) and one item per object counted (its size), so that a
    retried charge counts nothing twice and a refund knows what to take back."""

    class Meta(_Meta):
        table_name = _table("CMS_STORAGE_USAGE_TABLE", "cms-storage-usage")

    owner = UnicodeAttribute(hash_key=True)
    item = UnicodeAttribute(range_key=True)
    objects = NumberAttribute(null=True)  # totals item
    total_bytes = NumberAttribute(null=True)  # totals item
    size = NumberAttribute(null=True)  # an object's item


class TemplateHeadsIndex(GlobalSecondaryIndex["TemplateRecord"]):
    """Sparse: one head item per template (its latest version), for the catalogue."""

    class Meta:
        index_name = "heads"
        projection = AllProjection()

    head = UnicodeAttribute(hash_key=True)
    template_id = UnicodeAttribute(range_key=True)


class TemplateRecord(Model):
    """The template index: one item per version (version >= 1) plus a head item (version 0)
    naming the latest. The definition itself is an S3 object; its content hash is kept here
    so a tampered or swapped object is detected on read."""

    class Meta(_Meta):
        table_name = _table("CMS_TEMPLATES_TABLE", "cms-templates")

    template_id = UnicodeAttribute(hash_key=True)
    version = NumberAttribute(range_key=True)
    latest = NumberAttribute(null=True)  # head only
    head = UnicodeAttribute(null=True)  # head only: "head", the sparse index key
    name = UnicodeAttribute()
    category = UnicodeAttribute()
    description = UnicodeAttribute()
    content_hash = UnicodeAttribute()
    object_key = UnicodeAttribute()
    object_version = UnicodeAttribute(null=True)  # S3 version id (null if unversioned)
    created_at = UnicodeAttribute()
    created_by = UnicodeAttribute()

    heads = TemplateHeadsIndex()


class WorkflowRecord(Model):
    """A contract's lifecycle execution (Step Functions) and the task token it waits on."""

    class Meta(_Meta):
        table_name = _table("CMS_WORKFLOWS_TABLE", "cms-workflows")

    contract_id = UnicodeAttribute(hash_key=True)
    submission = NumberAttribute()  # seq of the contract.submitted event it runs for
    task_token = UnicodeAttribute(null=True)  # what it awaits the signatures with
    updated_at = UnicodeAttribute()


class WebhookRecord(Model):
    """An HTTPS endpoint a party registered for the events of its contracts."""

    class Meta(_Meta):
        table_name = _table("CMS_WEBHOOKS_TABLE", "cms-webhooks")

    owner_did = UnicodeAttribute(hash_key=True)
    webhook_id = UnicodeAttribute(range_key=True)
    url = UnicodeAttribute()
    secret = UnicodeAttribute()  # HMAC key (the table is KMS-encrypted)
    event_types = ListAttribute(of=UnicodeAttribute)  # empty: every event
    status = UnicodeAttribute()  # active | disabled
    created_at = UnicodeAttribute()


class DeliveryRecord(Model):
    """One event for one webhook: its attempts, outcome and payload (for replay)."""

    class Meta(_Meta):
        table_name = _table("CMS_DELIVERIES_TABLE", "cms-deliveries")

    webhook_id = UnicodeAttribute(hash_key=True)
    delivery_id = UnicodeAttribute(range_key=True)  # time-ordered: "<created_at>_<32 hex>"
    owner_did = UnicodeAttribute()
    event_id = UnicodeAttribute()
    event_type = UnicodeAttribute()
    payload = JSONAttribute()
    # pending | succeeded | dead, or "marker": the item "~event#<event id>" that makes one
    # delivery per webhook and event (written in the same transaction as the delivery)
    status = UnicodeAttribute()
    attempts = NumberAttribute()
    last_status_code = NumberAttribute(null=True)
    last_error = UnicodeAttribute(null=True)
    next_attempt_at = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    ttl = TTLAttribute(null=True)  # delivered and dead records age out


class DecimalAttribute(NumberAttribute):
    """A DynamoDB number kept exact (epsilon accounting): Decimal in, Decimal out."""

    def serialize(self, value: Decimal) -> str:
        # Positional, never "0E-9": an exponent is not a number every DynamoDB parser reads.
        return format(value, "f")

    def deserialize(self, value: str) -> Decimal:
        return Decimal(value)


class PrivacyBudgetRecord(Model):
    """A training contract's privacy budget; ``available`` lets one conditional update
    reserve atomically (DynamoDB conditions cannot add attributes together)."""

    class Meta(_Meta):
        table_name = _table("CMS_PRIVACY_BUDGETS_TABLE", "cms-privacy-budgets")

    contract_id = UnicodeAttribute(hash_key=True)
    total = DecimalAttribute()
    spent = DecimalAttribute()
    reserved = DecimalAttribute()
    available = DecimalAttribute()
    updated_at = UnicodeAttribute()


class JobsByContractIndex(GlobalSecondaryIndex["TrainingJobRecord"]):
    class Meta:
        index_name = "by-contract"
        projection = AllProjection()

    contract_id = UnicodeAttribute(hash_key=True)
    created_key = UnicodeAttribute(range_key=True)


class JobsByConsumerIndex(GlobalSecondaryIndex["TrainingJobRecord"]):
    """A consumer's jobs across contracts, newest first (listTrainingJobs)."""

    class Meta:
        index_name = "by-consumer"
        projection = AllProjection()

    consumer_did = UnicodeAttribute(hash_key=True)
    created_key = UnicodeAttribute(range_key=True)


class JobsByProviderIndex(GlobalSecondaryIndex["TrainingJobRecord"]):
    """A provider's jobs across contracts, newest first (sparse: jobs with a provider_did)."""

    class Meta:
        index_name = "by-provider"
        projection = AllProjection()

    provider_did = UnicodeAttribute(hash_key=True)
    created_key = UnicodeAttribute(range_key=True)


class TrainingJobRecord(Model):
    """Seed 003's training_jobs row, bound to the contract whose budget it reserved."""

    class Meta(_Meta):
        table_name = _table("CMS_TRAINING_JOBS_TABLE", "cms-training-jobs")

    job_id = UnicodeAttribute(hash_key=True)
    contract_id = UnicodeAttribute()
    consumer_did = UnicodeAttribute()
    provider_did = UnicodeAttribute(null=True)  # the contract's; absent on older jobs
    model_name = UnicodeAttribute()
    status = UnicodeAttribute()  # pending | running | completed | failed | stopped
    config = JSONAttribute()
    metrics = JSONAttribute(null=True)
    privacy_budget = DecimalAttribute()  # epsilon reserved
    privacy_budget_spent = DecimalAttribute()
    result = JSONAttribute(null=True)  # model hash, attestation, accountant
    error = UnicodeAttribute(null=True)
    # The run: the last epoch's report ({epoch, epsilon_spent, checkpoint}), a stop asked for
    # while running, and the checkpoint key as KMS wrapped it (only the enclave unwraps it).
    progress = JSONAttribute(null=True)
    stop_requested = BooleanAttribute(null=True)
    stop_cause = UnicodeAttribute(null=True)  # cms.domain.standing.StopCause, once stopping
    checkpoint_key = BinaryAttribute(null=True, legacy_encoding=False)
    created_at = UnicodeAttribute()
    created_key = UnicodeAttribute()  # "<created_at>#<job id>"
    updated_at = UnicodeAttribute()
    completed_at = UnicodeAttribute(null=True)

    by_contract = JobsByContractIndex()
    by_consumer = JobsByConsumerIndex()
    by_provider = JobsByProviderIndex()


class EngineByOwnerIndex(GlobalSecondaryIndex["EngineContractRecord"]):
    """Each identity's deployments, newest first (sparse: only contract items deployed
    through the API carry ``owner_did``). Keys only: a page reads its contracts' items."""

    class Meta:
        index_name = "by-owner"
        projection = KeysOnlyProjection()

    owner_did = UnicodeAttribute(hash_key=True)
    owned_key = UnicodeAttribute(range_key=True)


class EngineContractRecord(Model):
    """The unified engine's table: one partition per contract address.

    Items: ``contract`` (metadata, state version, running totals), ``state#<key>`` (one state
    value each), ``exec#<time>#<id>`` (the records of one commit). The ``#engine`` partition
    holds engine-wide totals and per-minute buckets for recent figures.
    """

    class Meta(_Meta):
        table_name = _table("CMS_ENGINE_TABLE", "cms-engine")

    address = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    metadata = JSONAttribute(null=True)
    version = NumberAttribute(null=True)  # committed state-changing executions
    executions = NumberAttribute(null=True)
    failures = NumberAttribute(null=True)
    gas_used = NumberAttribute(null=True)
    gas_limit = NumberAttribute(null=True)
    duration_us = NumberAttribute(null=True)
    last_execution_at = UnicodeAttribute(null=True)
    contracts = NumberAttribute(null=True)  # totals item: contracts deployed
    ttl = TTLAttribute(null=True)  # the table's TTL attribute (minute buckets expire)
    owner_did = UnicodeAttribute(null=True)  # contract items: the by-owner index
    owned_key = UnicodeAttribute(null=True)
    by_owner = EngineByOwnerIndex()


class EngineStateRecord(Model):
    class Meta(_Meta):
        table_name = _table("CMS_ENGINE_TABLE", "cms-engine")

    address = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)  # "state#<key>"
    value = BinaryAttribute(legacy_encoding=False)


class EngineHistoryRecord(Model):
    class Meta(_Meta):
        table_name = _table("CMS_ENGINE_TABLE", "cms-engine")

    address = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)  # "exec#<first record's history key>"
    records = JSONAttribute()  # the commit's execution records, in order


class EngineMinuteRecord(Model):
    class Meta(_Meta):
        table_name = _table("CMS_ENGINE_TABLE", "cms-engine")

    address = UnicodeAttribute(hash_key=True)  # "#engine"
    sk = UnicodeAttribute(range_key=True)  # "minute#YYYY-MM-DDTHH:MM"
    executions = NumberAttribute(null=True)
    failures = NumberAttribute(null=True)
    active = UnicodeSetAttribute(null=True)  # contract addresses executed in the minute
    ttl = TTLAttribute(null=True)


class HeartbeatRecord(Model):
    """A background component's latest report, one item per instance (the health check's
    evidence that the anchor function and the enclave parents run). Each writer may put items
    into its own component's partition only (IAM's dynamodb:LeadingKeys)."""

    class Meta(_Meta):
        table_name = _table("CMS_HEARTBEATS_TABLE", "cms-heartbeats")

    component = UnicodeAttribute(hash_key=True)
    instance = UnicodeAttribute(range_key=True)
    at = UnicodeAttribute()
    state = JSONAttribute()
    ttl = TTLAttribute()  # an instance that stopped reporting disappears after a day


@dataclass(frozen=True)
class TableSpec:
    """What the CDK needs to declare a table: derived from a model, never written by hand."""

    key: str  # stable logical name, e.g. "contracts"
    env_var: str  # environment variable through which functions learn the table name
    model: type[Model]
    stream: bool = False  # a stream of new images (read by the function that asks for it)

    @property
    def schema(self) -> dict:
        return self.model._get_schema()

    @property
    def ttl_attribute(self) -> str | None:
        """The TTL attribute any model of the table declares (a table has at most one)."""
        names = {attribute.attr_name or name
                 for model, variable in _MODELS if variable == self.env_var
                 for name, attribute in model.get_attributes().items()
                 if isinstance(attribute, TTLAttribute)}
        if len(names) > 1:
            raise ValueError(f"{self.key}: models declare several TTL attributes {names}")
        return next(iter(names), None)


TABLE_SPECS: tuple[TableSpec, ...] = (
    TableSpec("identities", "CMS_IDENTITIES_TABLE", IdentityRecord),
    TableSpec("contracts", "CMS_CONTRACTS_TABLE", ContractRecord),
    TableSpec("audit", "CMS_AUDIT_TABLE", AuditEventRecord, stream=True),
    TableSpec("anchor_batches", "CMS_ANCHOR_BATCHES_TABLE", AnchorBatchRecord),
    TableSpec("challenges", "CMS_CHALLENGES_TABLE", ChallengeRecord),
    TableSpec("rate_limits", "CMS_RATE_LIMITS_TABLE", RateLimitRecord),
    TableSpec("quotas", "CMS_QUOTAS_TABLE", QuotaRecord),
    TableSpec("idempotency", "CMS_IDEMPOTENCY_TABLE", IdempotencyRecord),
    TableSpec("templates", "CMS_TEMPLATES_TABLE", TemplateRecord),
    TableSpec("storage_usage", "CMS_STORAGE_USAGE_TABLE", StorageUsageRecord),
    TableSpec("workflows", "CMS_WORKFLOWS_TABLE", WorkflowRecord),
    TableSpec("webhooks", "CMS_WEBHOOKS_TABLE", WebhookRecord),
    TableSpec("deliveries", "CMS_DELIVERIES_TABLE", DeliveryRecord),
    TableSpec("privacy_budgets", "CMS_PRIVACY_BUDGETS_TABLE", PrivacyBudgetRecord),
    TableSpec("training_jobs", "CMS_TRAINING_JOBS_TABLE", TrainingJobRecord),
    TableSpec("engine", "CMS_ENGINE_TABLE", EngineContractRecord),
    TableSpec("heartbeats", "CMS_HEARTBEATS_TABLE", HeartbeatRecord),
)


def _models() -> list[tuple[type[Model], str]]:
    """Every model of this module with its table's variable (read while names are defaults)."""
    found = [value for value in globals().values()
             if isinstance(value, type) and issubclass(value, Model) and value is not Model]
    return [(model, _VARIABLE_OF[model.Meta.table_name]) for model in found]


_MODELS = _models()
_SPEC_BY_KEY = {spec.key: spec for spec in TABLE_SPECS}


def bind_tables(settings: Settings, *required: str) -> None:
    """Point the models at the table names ``settings`` gives; Misconfigured if one of the
    ``required`` tables (TABLE_SPECS keys) was not given to the function. Names are the same
    in every function of a deployment, so binding the shared model classes is idempotent."""
    for key in required:
        settings.resource(_SPEC_BY_KEY[key].env_var)
    for model, variable in _MODELS:
        model.Meta.region = settings.region
        name = settings.resources.get(variable)
        if name:
            model.Meta.table_name = name
