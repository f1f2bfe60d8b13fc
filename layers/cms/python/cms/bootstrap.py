"""The composition root: one function's services, wired from its settings.

``Services(settings)`` builds each service (and the adapters under it) on first use and keeps
it for the container's life, so a handler's cold start pays only for what it touches and
nothing runs at import. Tables are bound to the names the function's own settings give; a
service whose table, bucket or key the function was not given fails with ``Misconfigured``.
"""

from __future__ import annotations

import logging
import time
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cms.config import Misconfigured, Settings

if TYPE_CHECKING:
    from cms.adapters.document_store import DocumentStore
    from cms.adapters.ledger_client import LedgerClient
    from cms.adapters.ledger_config import LedgerConfig
    from cms.adapters.memory.anchors import MemoryLedger
    from cms.adapters.memory.database import MemoryDatabase
    from cms.adapters.safe_https import SafeHttpsClient
    from cms.domain.attestation import TrustedRoot
    from cms.domain.did import DidResolver
    from cms.domain.engine.unified import EngineConfig
    from cms.ports.anchors import AnchorBatches, LedgerReads
    from cms.ports.contracts import ContractStore
    from cms.ports.data_keys import DataKeys
    from cms.ports.engine import ContractStateStorage
    from cms.ports.heartbeats import Heartbeats
    from cms.ports.identities import IdentityStore
    from cms.ports.job_queue import JobQueue
    from cms.ports.keys import SigningKeySource
    from cms.ports.ledger import AnchoringProgress, ChainReads
    from cms.ports.objects import ObjectStore
    from cms.ports.quotas import QuotaStore
    from cms.ports.sign_in import ChallengeStore, RateLimitStore
    from cms.ports.templates import TemplateStore
    from cms.ports.training import BudgetStore
    from cms.ports.usage import StorageUsage
    from cms.ports.webhooks import DeliveryQueue, WebhookStore
    from cms.services.anchor_reader import AnchorReader
    from cms.services.anchor_reports import AnchorReports
    from cms.services.anchoring import AnchorService
    from cms.services.auth import AuthService
    from cms.services.circuit_evaluations import CircuitEvaluations, CircuitQuotas
    from cms.services.contracts import ContractService
    from cms.services.datasets import DatasetService
    from cms.services.documents import DocumentService
    from cms.services.drafting import DraftingService
    from cms.services.engine import EngineService
    from cms.services.health import Dependency, HealthService
    from cms.services.identities import IdentityService
    from cms.services.ledger_status import LedgerStatusService
    from cms.services.lifecycle import LifecycleService
    from cms.services.sessions import SessionService
    from cms.services.stopping import ContractStandings
    from cms.services.templates import TemplateService
    from cms.services.tokens import TokenService
    from cms.services.training import TrainingService
    from cms.services.training_runs import TrainingRuns
    from cms.services.webhooks import WebhookService
    from cms.services.wind_down import WindDown

LEDGER_CONFIG_TTL_S = 60.0
MEMORY_LEDGER_ADDRESS = "0x00000000000000000000000000000000000C0DE5"


class Services:
    """Everything one function may use, built lazily from its settings."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._ledger_config: tuple[float, LedgerConfig] | None = None

    # ------------------------------------------------------------ adapters

    def tables(self, *required: str) -> None:
        """Bind the tables to this function's names; ``required`` (TABLE_SPECS keys) must be
        among them. A table used only on some paths (the audit table when a function reads
        contracts without changing them) is bound when given, not required."""
        from cms.adapters.tables import bind_tables

        bind_tables(self.settings, *required)

    def bucket(self, variable: str) -> ObjectStore:
        from cms.adapters.object_store import Bucket

        return Bucket(self.settings.resource(variable))

    @cached_property
    def resolver(self) -> DidResolver:
        from cms.adapters.did_web_fetch import DidWebFetcher
        from cms.domain.did import DidResolver

        s = self.settings
        return DidResolver(web_fetcher=DidWebFetcher(
            allow_private=s.did_web_allow_private, timeout_s=s.did_web_timeout_s,
            ca_bundle=s.did_web_ca_bundle))

    # Stores: each a port (cms.ports) with a DynamoDB adapter here; MemoryServices puts the
    # in-memory adapters in their place.

    @cached_property
    def identity_store(self) -> IdentityStore:
        from cms.adapters.identity_store import DynamoIdentityStore

        self.tables("identities")
        return DynamoIdentityStore()

    @cached_property
    def challenge_store(self) -> ChallengeStore:
        from cms.adapters.challenge_store import DynamoChallengeStore

        self.tables("challenges")
        return DynamoChallengeStore()

    @cached_property
    def rate_limit_store(self) -> RateLimitStore:
        from cms.adapters.rate_limit_store import DynamoRateLimitStore

        self.tables("rate_limits")
        return DynamoRateLimitStore()

    @cached_property
    def template_store(self) -> TemplateStore:
        from cms.adapters.template_store import DynamoTemplateStore

        self.tables("templates")
        return DynamoTemplateStore(self.bucket("CMS_TEMPLATES_BUCKET"))

    @cached_property
    def webhook_store(self) -> WebhookStore:
        from cms.adapters.webhook_store import DynamoWebhookStore

        self.tables("webhooks", "deliveries")
        return DynamoWebhookStore()

    @cached_property
    def delivery_queue(self) -> DeliveryQueue:
        from cms.adapters.delivery_queue import SqsDeliveryQueue

        return SqsDeliveryQueue(self.settings.resource("CMS_DELIVERIES_QUEUE_URL"))

    @cached_property
    def anchoring_progress(self) -> AnchoringProgress:
        """The read side of the anchor store: what the ledger status reports."""
        from cms.adapters.anchor_store import AnchorStore

        self.tables("audit", "anchor_batches")
        return AnchorStore()

    @cached_property
    def heartbeats(self) -> Heartbeats:
        from cms.adapters.heartbeat_store import DynamoHeartbeats

        self.tables("heartbeats")
        return DynamoHeartbeats()

    def health_dependencies(self) -> dict[str, Dependency]:
        """Everything the API needs: the AWS resources requests use (one the function was
        not given is reported down), the token keys, and the background work (the chain and
        its signer, anchoring, the enclave parents)."""
        from cms.domain.health import HealthLimits
        from cms.services.dependency_checks import AnchoringProbe, ChainProbe, EnclaveParentProbe
        from cms.services.health import (
            ANCHORING,
            ENCLAVE_PARENT,
            LEDGER,
            TOKEN_KEYS,
            Dependency,
        )

        s = self.settings
        limits = HealthLimits(s.ledger_min_signer_balance_wei, s.anchoring_max_lag_s,
                              s.anchor_report_max_age_s, s.enclave_heartbeat_max_age_s)
        return {
            **{name: Dependency(probe) for name, probe in self._infrastructure_probes().items()},
            TOKEN_KEYS: Dependency(self._load_token_keys),
            LEDGER: Dependency(ChainProbe(self.chain_reader, self._heartbeat_store, limits),
                               critical=False),
            ANCHORING: Dependency(AnchoringProbe(self._heartbeat_store, limits),
                                  critical=False),
            ENCLAVE_PARENT: Dependency(EnclaveParentProbe(self._heartbeat_store, limits),
                                       critical=False),
        }

    def _infrastructure_probes(self) -> dict[str, Any]:
        from cms.adapters.dependency_probes import infrastructure_probes

        return infrastructure_probes(self.settings)

    def _heartbeat_store(self) -> Heartbeats:
        # Reached when probed: a table the function was not given makes those checks down,
        # not the whole report.
        return self.heartbeats

    def _load_token_keys(self) -> object:
        # Built when probed: a signing secret the function cannot read is reported down.
        return self.tokens.jwks()

    def chain_reader(self) -> ChainReads:
        """The ledger's chain, read-only, each call bounded by the health probes' deadline."""
        from dataclasses import replace

        from cms.adapters.ledger_client import LedgerClient

        config = self.ledger_config()
        return LedgerClient(replace(config, timeout_s=min(config.timeout_s,
                                                          self.settings.health_probe_timeout_s)))

    @cached_property
    def anchor_reports(self) -> AnchorReports:
        from cms.services.anchor_reports import AnchorReports

        return AnchorReports(self.anchoring_progress, self.ledger, self.heartbeats)

    @cached_property
    def webhook_http(self) -> SafeHttpsClient:
        from cms.adapters.safe_https import SafeHttpsClient, Wording

        s = self.settings
        wording = Wording(label="webhook", https_only="webhooks are only delivered over https",
                          action="delivering to")
        return SafeHttpsClient(wording, logger=logging.getLogger("cms.webhooks"),
                               allow_private=s.webhooks_allow_private,
                               timeout_s=s.webhooks_timeout_s, ca_bundle=s.webhooks_ca_bundle)

    # ------------------------------------------------------------ identity and sign-in

    @cached_property
    def signing_keys(self) -> SigningKeySource:
        from cms.adapters.signing_keys import SecretSigningKeys

        return SecretSigningKeys(self.settings.jwt_secret_id)

    @cached_property
    def tokens(self) -> TokenService:
        from cms.services.tokens import TokenService

        return TokenService(self.signing_keys, self.settings)

    @cached_property
    def auth(self) -> AuthService:
        from cms.services.auth import AuthService

        return AuthService(identities=self.identity_store, challenges=self.challenge_store,
                           rate_limits=self.rate_limit_store, resolver=self.resolver,
                           tokens=self.tokens, settings=self.settings, pause=self.pause,
                           failures=self.sign_in_failures)

    def pause(self, seconds: float) -> None:
        """Wait (registration's floor); MemoryServices only records the wait."""
        time.sleep(seconds)

    def sign_in_failures(self, code: str) -> None:
        """A refused sign-in step: counted (SignInFailures, the burst alarm's metric)."""
        from cms.api.observability import count

        count("SignInFailures")

    @cached_property
    def sessions(self) -> SessionService:
        from cms.services.sessions import SessionService

        return SessionService(self.identity_store, self.tokens, self.settings)

    @cached_property
    def identities(self) -> IdentityService:
        from cms.services.identities import IdentityService
        from cms.services.sessions import session_policy

        return IdentityService(self.identity_store, session_policy(self.settings),
                               resolver=self.resolver)

    # ------------------------------------------------------------ contracts

    @cached_property
    def contract_store(self) -> ContractStore:
        from cms.adapters.contract_store import DynamoContractStore

        self.tables("contracts")
        return DynamoContractStore()

    @cached_property
    def contracts(self) -> ContractService:
        from cms.services.contracts import ContractService

        return ContractService(self.contract_store, self.resolver, self.settings,
                               anchors=self.anchor_reader,
                               drafting=lambda: self.drafting)

    @cached_property
    def templates(self) -> TemplateService:
        from cms.services.templates import TemplateService

        return TemplateService(self.template_store, limits=self.settings.render_limits())

    @cached_property
    def drafting(self) -> DraftingService:
        from cms.services.drafting import DraftingService

        return DraftingService(self.templates, self._document_store,
                               horizon_days=self.settings.validity_horizon_days,
                               limits=self.settings.render_limits())

    @cached_property
    def documents(self) -> DocumentService:
        from cms.services.documents import DocumentService

        return DocumentService(self.contracts, self._document_store, self.settings,
                               usage=lambda: self.storage_usage,
                               identities=lambda: self.identity_store)

    @cached_property
    def storage_usage(self) -> StorageUsage:
        """What each identity keeps in storage (attachment quotas)."""
        from cms.adapters.usage_store import DynamoStorageUsage

        self.tables("storage_usage")
        return DynamoStorageUsage()

    @cached_property
    def _document_store(self) -> DocumentStore:
        from cms.adapters.document_store import DocumentStore

        return DocumentStore(self.bucket("CMS_DOCUMENTS_BUCKET"))

    @cached_property
    def lifecycle(self) -> LifecycleService:
        from cms.adapters.event_bus import EventBus
        from cms.adapters.schedules import Schedules
        from cms.adapters.workflows import Workflows, WorkflowStore
        from cms.services.lifecycle import LifecycleService

        s = self.settings
        self.tables("workflows")
        return LifecycleService(
            self.contracts, workflows=Workflows(s.lifecycle_state_machine_arn),
            workflow_store=WorkflowStore(), schedules=Schedules(s.schedule_group,
                                                                s.scheduler_role_arn),
            bus=EventBus(s.event_bus_name),
            lock_documents=self._lock_documents, settings=s)

    def _lock_documents(self, contract: Any) -> int:
        return self.documents.lock_signed(contract)  # built only when a contract is signed

    # ------------------------------------------------------------ the ledger

    def anchor_reader(self) -> AnchorReader:
        """A reader per request: it caches the batches it has looked up."""
        from cms.services.anchor_reader import AnchorReader

        return AnchorReader(self.anchor_batches, self.ledger_reads, self.ledger_address)

    @cached_property
    def anchor_batches(self) -> AnchorBatches:
        from cms.adapters.anchor_store import AnchorStore

        self.tables("anchor_batches")
        return AnchorStore()

    def ledger_reads(self) -> LedgerReads:
        """The ledger contract's state, read from the chain (web3 is loaded only now)."""
        from cms.adapters.ledger_view import LedgerView

        return LedgerView(self.ledger_reader())

    def ledger_address(self) -> tuple[int, str]:
        config = self.ledger_config()
        return config.chain_id, config.address

    @cached_property
    def ledger_status(self) -> LedgerStatusService:
        from cms.services.ledger_status import LedgerStatusService

        return LedgerStatusService(
            self.anchoring_progress, self.ledger,
            min_signer_balance_wei=self.settings.ledger_min_signer_balance_wei)

    @cached_property
    def health(self) -> HealthService:
        from cms.services.health import HealthService

        s = self.settings
        return HealthService(self.health_dependencies(), timeout_s=s.health_probe_timeout_s,
                             cache_ttl_s=s.health_cache_ttl_s)

    def ledger_config(self) -> LedgerConfig:
        """Re-read at most once a minute: a redeployed ledger (a parameter change) is picked up
        within a minute, and no route (``GET /ledger`` is public) can drive SSM traffic."""
        from cms.adapters.ledger_config import load_ledger_config

        now = time.monotonic()
        if self._ledger_config is not None and now < self._ledger_config[0]:
            return self._ledger_config[1]
        config = load_ledger_config(self.settings)
        self._ledger_config = (now + LEDGER_CONFIG_TTL_S, config)
        return config

    @cached_property
    def ledger_signer(self) -> Any:
        from cms.adapters.eth_signers import KmsSigner, SecretKeySigner
        from cms.domain.errors import LedgerMisconfigured

        s = self.settings
        if s.ledger_kms_key_id:
            return KmsSigner(s.ledger_kms_key_id)
        if s.ledger_signer_secret_id:
            return SecretKeySigner.from_secret(s.ledger_signer_secret_id)
        raise LedgerMisconfigured("no ledger signer is configured")

    def ledger(self) -> LedgerClient:
        from cms.adapters.ledger_client import LedgerClient

        return LedgerClient(self.ledger_config(), self.ledger_signer)

    def ledger_reader(self) -> LedgerClient:
        """Reads only: verification and receipts need no signer (nor access to its secret)."""
        from cms.adapters.ledger_client import LedgerClient

        return LedgerClient(self.ledger_config())

    def anchoring(self) -> AnchorService:
        from cms.adapters.anchor_store import AnchorStore
        from cms.adapters.contract_store import ContractStore
        from cms.services.anchoring import AnchorService

        self.tables("audit", "anchor_batches")
        client = self.ledger()
        return AnchorService(AnchorStore(), client, ContractStore(),
                             max_batch=self.settings.anchor_max_batch,
                             confirmations=client.config.confirmations)

    # ------------------------------------------------------------ training

    @cached_property
    def budget_store(self) -> BudgetStore:
        from cms.adapters.budget_store import DynamoBudgetStore

        self.tables("privacy_budgets", "training_jobs")
        return DynamoBudgetStore()

    @cached_property
    def job_queue(self) -> JobQueue:
        """The enclave's queue of training jobs."""
        from cms.adapters.job_queue import SqsJobQueue

        return SqsJobQueue(self.settings.resource("CMS_TRAINING_QUEUE_URL"))

    @cached_property
    def circuit_queue(self) -> JobQueue:
        """The enclave's queue of circuit evaluations (its own: a stream of evaluations
        never waits in front of training jobs)."""
        from cms.adapters.job_queue import SqsJobQueue

        return SqsJobQueue(self.settings.resource("CMS_CIRCUITS_QUEUE_URL"))

    @cached_property
    def quota_store(self) -> QuotaStore:
        from cms.adapters.quota_store import DynamoQuotaStore

        self.tables("quotas")
        return DynamoQuotaStore()

    @cached_property
    def circuit_quotas(self) -> CircuitQuotas:
        from cms.services.circuit_evaluations import CircuitQuotas

        return CircuitQuotas(self.quota_store, self.settings.circuit_quotas())

    @cached_property
    def data_keys(self) -> DataKeys:
        from cms.adapters.data_keys import KmsDataKeys

        return KmsDataKeys(self.settings.required("training_key_id"))

    @cached_property
    def training(self) -> TrainingService:
        from cms.services.training import TrainingService

        return TrainingService(self.contracts, self.budget_store, self.job_queue,
                               self.bucket("CMS_TRAINING_BUCKET"), self.datasets,
                               standings=self.standings, roots=self.attestation_roots())

    @cached_property
    def training_runs(self) -> TrainingRuns:
        from cms.services.training_runs import TrainingRuns

        return TrainingRuns(self.budget_store, self.standings.of)

    @cached_property
    def standings(self) -> ContractStandings:
        """Whether a contract allows work now (its status, validity, parties' standing)."""
        from cms.services.stopping import ContractStandings

        return ContractStandings(self.contracts, self.identity_store)

    @cached_property
    def wind_down(self) -> WindDown:
        """The training jobs of contracts that ended or whose party was suspended, stopped
        (the audit stream's consumer)."""
        from cms.services.wind_down import WindDown

        return WindDown(self.budget_store, self.standings, self.contract_store)

    @cached_property
    def datasets(self) -> DatasetService:
        from cms.services.datasets import DatasetService

        return DatasetService(self.contracts, self.bucket("CMS_TRAINING_BUCKET"),
                              self.data_keys, upload_ttl_s=self.settings.upload_url_ttl_s)

    def attestation_roots(self) -> tuple[TrustedRoot, ...]:
        """Roots trusted besides AWS's: a development root, only where one is configured (the
        local stack, whose enclave writes it once it is up: until then, none); its results are
        reported as simulated."""
        path = self.settings.attestation_dev_root
        return _development_roots(path) if path and Path(path).is_file() else ()

    # ------------------------------------------------------------ webhooks and the engine

    @cached_property
    def webhooks(self) -> WebhookService:
        from cms.services.webhooks import WebhookService

        return WebhookService(self.webhook_store, self.delivery_queue, self.webhook_http,
                              allow_private=self.settings.webhooks_allow_private)

    @cached_property
    def engine_storage(self) -> ContractStateStorage:
        from cms.adapters.engine_store import DynamoContractStorage

        self.tables("engine")
        return DynamoContractStorage()

    @cached_property
    def engine(self) -> EngineService:
        from cms.domain.engine.unified import UnifiedContractEngine, builtin_kinds
        from cms.services.engine import EngineService
        from cms.services.governance import Governance

        kinds = builtin_kinds(self.attestation_roots)
        engine = UnifiedContractEngine(self.engine_storage, self.engine_config, kinds=kinds)
        return EngineService(engine, circuits=self.circuit_evaluations,
                             governance=Governance(lambda: self.contracts,
                                                   lambda: self.standings))

    @cached_property
    def engine_config(self) -> EngineConfig:
        from cms.domain.engine.unified import EngineConfig

        settings = self.settings
        try:
            return EngineConfig(max_execution_time_ms=settings.engine_call_time_ms,
                                max_batch_time_ms=settings.engine_batch_time_ms)
        except ValueError as error:
            raise Misconfigured(f"CMS_ENGINE_CALL_TIME_MS / CMS_ENGINE_BATCH_TIME_MS: "
                                f"{error}") from None

    @cached_property
    def circuit_evaluations(self) -> CircuitEvaluations | None:
        """Circuit contracts' input keys (KMS), evaluation jobs (the enclave's circuits
        queue) and per-identity quotas; None where they are not configured."""
        from cms.services.circuit_evaluations import CircuitEvaluations

        s = self.settings
        if not (s.resources.get("CMS_CIRCUITS_QUEUE_URL") and s.training_key_id):
            return None
        return CircuitEvaluations(self.circuit_queue, self.data_keys,
                                  platform_pcr0s=s.enclave_pcr0s, quotas=self.circuit_quotas)


_ROOTS: dict[str, tuple[Any, ...]] = {}


def _development_roots(path: str) -> tuple[Any, ...]:
    """Read once per process: the file does not change while the local enclave runs."""
    if path not in _ROOTS:
        from cms.domain.attestation import development_root

        _ROOTS[path] = (development_root(Path(path).read_bytes(),
                                         label="local simulated enclave"),)
    return _ROOTS[path]


class MemoryServices(Services):
    """The same services on the in-memory adapters, sharing one database: service tests
    run in milliseconds, and behave as on DynamoDB (the contract tests hold both to it)."""

    def __init__(self, settings: Settings | None = None,
                 database: MemoryDatabase | None = None) -> None:
        from cms.adapters.memory.database import MemoryDatabase

        super().__init__(settings or Settings())
        self.database = database or MemoryDatabase()
        self._buckets: dict[str, ObjectStore] = {}
        self.pauses: list[float] = []

    def pause(self, seconds: float) -> None:
        """Recorded, not slept: the rules do not depend on it, and tests stay fast."""
        self.pauses.append(seconds)

    def tables(self, *required: str) -> None:
        """Nothing to bind: the stores are in memory."""

    def bucket(self, variable: str) -> ObjectStore:
        """One bucket per variable, kept for the services' life (every use sees its
        objects); named as in the settings when they name it."""
        from cms.adapters.memory.objects import MemoryBucket

        if variable not in self._buckets:
            name = self.settings.resources.get(variable) or variable.lower()
            self._buckets[variable] = MemoryBucket(name)
        return self._buckets[variable]

    @cached_property
    def identity_store(self) -> IdentityStore:
        from cms.adapters.memory.identities import MemoryIdentityStore

        return MemoryIdentityStore(self.database)

    @cached_property
    def storage_usage(self) -> StorageUsage:
        from cms.adapters.memory.usage import MemoryStorageUsage

        return MemoryStorageUsage()

    @cached_property
    def challenge_store(self) -> ChallengeStore:
        from cms.adapters.memory.sign_in import MemoryChallengeStore

        return MemoryChallengeStore()

    @cached_property
    def rate_limit_store(self) -> RateLimitStore:
        from cms.adapters.memory.sign_in import MemoryRateLimitStore

        return MemoryRateLimitStore()

    @cached_property
    def signing_keys(self) -> SigningKeySource:
        from cms.adapters.memory.keys import MemorySigningKeys

        return MemorySigningKeys()

    @cached_property
    def engine_storage(self) -> ContractStateStorage:
        from cms.adapters.memory.engine import MemoryContractStorage

        return MemoryContractStorage(self.database)

    @cached_property
    def budget_store(self) -> BudgetStore:
        from cms.adapters.memory.training import MemoryBudgetStore

        return MemoryBudgetStore(self.database)

    @cached_property
    def job_queue(self) -> JobQueue:
        from cms.adapters.memory.job_queue import MemoryJobQueue

        return MemoryJobQueue()

    @cached_property
    def circuit_queue(self) -> JobQueue:
        from cms.adapters.memory.job_queue import MemoryJobQueue

        return MemoryJobQueue()

    @cached_property
    def quota_store(self) -> QuotaStore:
        from cms.adapters.memory.quotas import MemoryQuotaStore

        return MemoryQuotaStore(self.database)

    @cached_property
    def data_keys(self) -> DataKeys:
        from cms.adapters.memory.data_keys import MemoryDataKeys

        return MemoryDataKeys()

    @cached_property
    def template_store(self) -> TemplateStore:
        from cms.adapters.memory.templates import MemoryTemplateStore

        return MemoryTemplateStore(self.bucket("CMS_TEMPLATES_BUCKET"))

    @cached_property
    def webhook_store(self) -> WebhookStore:
        from cms.adapters.memory.webhooks import MemoryWebhookStore

        return MemoryWebhookStore()

    @cached_property
    def delivery_queue(self) -> DeliveryQueue:
        from cms.adapters.memory.webhooks import MemoryDeliveryQueue

        return MemoryDeliveryQueue()

    @cached_property
    def anchoring_progress(self) -> AnchoringProgress:
        from cms.adapters.memory.ledger import MemoryAnchoringProgress

        return MemoryAnchoringProgress(self.database)

    def _infrastructure_probes(self) -> dict[str, Any]:
        """The in-memory stores stand for the same resources, and are always there."""
        from cms.adapters.dependency_probes import PROBED_QUEUES
        from cms.adapters.object_store import BUCKET_SPECS
        from cms.adapters.tables import TABLE_SPECS

        names = [*(f"dynamodb:{spec.key}" for spec in TABLE_SPECS),
                 *(f"s3:{spec.key}" for spec in BUCKET_SPECS),
                 *(f"sqs:{name}" for name in PROBED_QUEUES), "events:bus"]
        return {name: (lambda: None) for name in names}

    @cached_property
    def heartbeats(self) -> Heartbeats:
        from cms.adapters.memory.heartbeats import MemoryHeartbeats

        return MemoryHeartbeats()

    @cached_property
    def memory_chain(self) -> Any:
        """A chain with the ledger deployed, every account funded: tests change it."""
        from cms.adapters.memory.chain import MemoryChain

        return MemoryChain(self.settings.chain_id, MEMORY_LEDGER_ADDRESS)

    def chain_reader(self) -> ChainReads:
        return self.memory_chain

    @cached_property
    def contract_store(self) -> ContractStore:
        from cms.adapters.memory.contracts import MemoryContractStore

        return MemoryContractStore(self.database)

    @cached_property
    def anchor_batches(self) -> AnchorBatches:
        from cms.adapters.memory.anchors import MemoryAnchorStore

        return MemoryAnchorStore(self.database)

    @cached_property
    def memory_ledger(self) -> MemoryLedger:
        """A deployed ledger contract, empty until a test anchors something on it."""
        from cms.adapters.memory.anchors import MemoryLedger

        return MemoryLedger()

    def ledger_reads(self) -> LedgerReads:
        return self.memory_ledger

    def ledger_address(self) -> tuple[int, str]:
        return self.settings.chain_id, MEMORY_LEDGER_ADDRESS

