"""Service wiring for one Lambda container: each service is built on first use and reused.

Nothing here runs at import time, so a handler's cold start pays only for what it touches.
"""

from __future__ import annotations

import time
from functools import cache

from cms.config import settings


@cache
def resolver():
    from cms.adapters.did_web_fetch import DidWebFetcher
    from cms.domain.did import DidResolver

    s = settings()
    return DidResolver(web_fetcher=DidWebFetcher(
        allow_private=s.did_web_allow_private, timeout_s=s.did_web_timeout_s,
        ca_bundle=s.did_web_ca_bundle))


@cache
def tokens():
    from cms.adapters.signing_keys import SigningKeys
    from cms.services.tokens import TokenService

    return TokenService(SigningKeys(settings().jwt_secret_id), settings())


@cache
def identity_store():
    from cms.adapters.identity_store import IdentityStore

    return IdentityStore()


@cache
def auth():
    from cms.adapters.challenge_store import ChallengeStore
    from cms.adapters.rate_limit_store import RateLimitStore
    from cms.services.auth import AuthService

    return AuthService(identities=identity_store(), challenges=ChallengeStore(),
                       rate_limits=RateLimitStore(), resolver=resolver(), tokens=tokens(),
                       settings=settings())


@cache
def identities():
    from cms.services.identities import IdentityService

    return IdentityService(identity_store())


@cache
def contracts():
    from cms.adapters.contract_store import ContractStore
    from cms.services.contracts import ContractService

    return ContractService(ContractStore(), resolver(), settings(), anchors=anchor_reader,
                           drafting=drafting)


@cache
def templates():
    from cms.adapters.object_store import Bucket
    from cms.adapters.template_store import TemplateStore
    from cms.services.templates import TemplateService

    return TemplateService(TemplateStore(Bucket(settings().templates_bucket)))


@cache
def document_store():
    from cms.adapters.document_store import DocumentStore
    from cms.adapters.object_store import Bucket

    return DocumentStore(Bucket(settings().documents_bucket))


@cache
def drafting():
    from cms.services.drafting import DraftingService

    return DraftingService(templates(), document_store())


@cache
def documents():
    from cms.services.documents import DocumentService

    return DocumentService(contracts(), document_store(), settings())


@cache
def lifecycle():
    from cms.adapters.event_bus import EventBus
    from cms.adapters.schedules import Schedules
    from cms.adapters.workflows import Workflows, WorkflowStore
    from cms.services.lifecycle import LifecycleService

    s = settings()
    return LifecycleService(
        contracts(), workflows=Workflows(s.lifecycle_state_machine_arn),
        workflow_store=WorkflowStore(), schedules=Schedules(s.schedule_group,
                                                            s.scheduler_role_arn),
        bus=EventBus(s.event_bus_name),
        lock_documents=lambda contract: documents().lock_signed(contract), settings=s)


def anchor_reader():
    from cms.adapters.anchor_store import AnchorStore
    from cms.services.anchor_reader import AnchorReader

    return AnchorReader(AnchorStore(), ledger_reader, ledger_config)


@cache
def ledger_signer():
    from cms.adapters.eth_signers import KmsSigner, SecretKeySigner
    from cms.domain.errors import LedgerMisconfigured

    s = settings()
    if s.ledger_kms_key_id:
        return KmsSigner(s.ledger_kms_key_id)
    if s.ledger_signer_secret_id:
        return SecretKeySigner.from_secret(s.ledger_signer_secret_id)
    raise LedgerMisconfigured("no ledger signer is configured")


LEDGER_CONFIG_TTL_S = 60.0
_ledger_config: list = []  # [(expires at, config)]: kept a minute per container


def ledger_config():
    """Re-read at most once a minute: a redeployed ledger (a parameter change) is picked up
    within a minute, and no route (``GET /ledger`` is public) can drive SSM traffic."""
    from cms.adapters.ledger_config import load_ledger_config

    now = time.monotonic()
    if _ledger_config and now < _ledger_config[0][0]:
        return _ledger_config[0][1]
    config = load_ledger_config(settings())
    _ledger_config[:] = [(now + LEDGER_CONFIG_TTL_S, config)]
    return config


def ledger():
    from cms.adapters.ledger_client import LedgerClient

    return LedgerClient(ledger_config(), ledger_signer())


def ledger_reader():
    """Reads only: verification and receipts need no signer (nor access to its secret)."""
    from cms.adapters.ledger_client import LedgerClient

    return LedgerClient(ledger_config())


def anchoring():
    from cms.adapters.anchor_store import AnchorStore
    from cms.adapters.contract_store import ContractStore
    from cms.services.anchoring import AnchorService

    client = ledger()
    return AnchorService(AnchorStore(), client, ContractStore(),
                         max_batch=settings().anchor_max_batch,
                         confirmations=client.config.confirmations)


@cache
def training():
    from cms.adapters.budget_store import BudgetStore
    from cms.adapters.job_queue import JobQueue
    from cms.adapters.object_store import Bucket
    from cms.services.training import TrainingService

    s = settings()
    return TrainingService(contracts(), BudgetStore(), JobQueue(s.training_queue_url),
                           Bucket(s.training_bucket), datasets(), roots=attestation_roots())


def datasets():
    from cms.adapters.data_keys import DataKeys
    from cms.adapters.object_store import Bucket
    from cms.services.datasets import DatasetService

    s = settings()
    return DatasetService(contracts(), Bucket(s.training_bucket), DataKeys(s.training_key_id),
                          upload_ttl_s=s.upload_url_ttl_s)


def attestation_roots():
    """Roots trusted besides AWS's: a development root, only where one is configured (the
    local stack, whose enclave writes it once it is up: until then, none); its results are
    reported as simulated."""
    from pathlib import Path

    path = settings().attestation_dev_root
    return _development_roots(path) if path and Path(path).is_file() else ()


@cache
def _development_roots(path: str):
    from pathlib import Path

    from cms.domain.attestation import development_root

    return (development_root(Path(path).read_bytes(), label="local simulated enclave"),)


@cache
def webhook_http():
    import logging

    from cms.adapters.safe_https import SafeHttpsClient, Wording

    s = settings()
    wording = Wording(label="webhook", https_only="webhooks are only delivered over https",
                      action="delivering to")
    return SafeHttpsClient(wording, logger=logging.getLogger("cms.webhooks"),
                           allow_private=s.webhooks_allow_private,
                           timeout_s=s.webhooks_timeout_s, ca_bundle=s.webhooks_ca_bundle)


@cache
def webhooks():
    from cms.adapters.delivery_queue import DeliveryQueue
    from cms.adapters.webhook_store import WebhookStore
    from cms.services.webhooks import WebhookService

    s = settings()
    return WebhookService(WebhookStore(), DeliveryQueue(s.deliveries_queue_url), webhook_http(),
                          allow_private=s.webhooks_allow_private)


def reset() -> None:
    """Forget every built service (tests and the local stack change the environment)."""
    for factory in (resolver, tokens, identity_store, auth, identities, contracts,
                    ledger_signer, templates, document_store, drafting, documents, lifecycle,
                    webhook_http, webhooks, training, engine, circuit_evaluations,
                    _development_roots):
        factory.cache_clear()
    _ledger_config.clear()


@cache
def engine():
    from cms.adapters.engine_store import DynamoContractStorage
    from cms.domain.engine.unified import UnifiedContractEngine, builtin_kinds
    from cms.services.engine import EngineService

    kinds = builtin_kinds(attestation_roots)
    return EngineService(UnifiedContractEngine(DynamoContractStorage(), kinds=kinds),
                         circuits=circuit_evaluations())


@cache
def circuit_evaluations():
    """Circuit contracts' input keys (KMS) and evaluation jobs (the enclave's queue); None
    where neither is configured."""
    from cms.adapters.data_keys import DataKeys
    from cms.adapters.job_queue import JobQueue
    from cms.services.circuit_evaluations import CircuitEvaluations

    s = settings()
    if not (s.training_queue_url and s.training_key_id):
        return None
    return CircuitEvaluations(JobQueue(s.training_queue_url), DataKeys(s.training_key_id),
                              platform_pcr0s=s.enclave_pcr0s)
