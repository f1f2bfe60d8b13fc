"""``/health``, ``/health/details`` and ``/health/chain`` in process on the in-memory
services: 200 while requests can be served, else a 503 problem; states only for anonymous
callers (no resource names, URLs, balances or error texts, whatever the dependencies say);
the details for admins only."""

from __future__ import annotations

import json

import pytest

from cms.bootstrap import MemoryServices
from cms.config import Settings
from cms.domain.health import Finding, LedgerFacts, Status
from cms.services.health import LEDGER, Dependency, HealthService
from tests.unit.services.health_world import PCR0, SIGNER, reporting
from tests.unit.test_platform_routes import Function, user

ADMIN = "did:key:z6MkAdmin"
# What only operators may see: a resource's name, a queue URL, the RPC endpoint, an address,
# a balance, an exception's text.
SECRETS = ("cms-contracts-7f3a", "https://sqs.us-east-1.amazonaws.com/123456789012/jobs",
           "https://rpc.example", SIGNER, "123456789000000000000", "10.0.0.7", "Traceback")


@pytest.fixture
def services() -> MemoryServices:
    return reporting(MemoryServices(Settings(health_cache_ttl_s=0)))


@pytest.fixture
def meta(services) -> Function:
    return Function("meta", services)


def down(name: str):
    def probe() -> None:
        raise TimeoutError(f"connect timeout to 10.0.0.7 ({name})")

    return probe


def test_all_up_is_200_with_each_dependencys_state(meta, services):
    answer = meta("GET", "/health")
    assert answer.status == 200 and answer.headers["cache-control"] == "no-store"
    assert answer.body == {"status": "ok", "checks": {
        name: {"status": "ok"} for name in services.health_dependencies()}}


def test_a_dependency_requests_need_down_is_a_503_problem_with_states_only(meta, services):
    dependencies = services.health_dependencies()
    dependencies["dynamodb:contracts"] = Dependency(down("dynamodb:contracts"))
    services.health = HealthService(dependencies)
    answer = meta("GET", "/health")
    assert answer.status == 503 and answer.headers["content-type"] == "application/problem+json"
    assert (answer.code, answer.body["detail"]) == ("service_degraded",
                                                    "down: dynamodb:contracts")
    assert answer.body["checks"]["dynamodb:contracts"] == {"status": "down"}
    assert all(check == {"status": "ok"} for name, check in answer.body["checks"].items()
               if name != "dynamodb:contracts")


@pytest.mark.parametrize("name", ["ledger:rpc", "ledger:anchoring", "enclave:parent"])
def test_background_work_down_is_200_degraded(meta, services, name):
    dependencies = services.health_dependencies()
    dependencies[name] = Dependency(down(name), critical=False)
    services.health = HealthService(dependencies)
    answer = meta("GET", "/health")
    assert answer.status == 200 and answer.body["status"] == "degraded"
    assert answer.body["checks"][name] == {"status": "down"}


def test_a_low_signer_balance_is_200_degraded(meta):
    services = reporting(MemoryServices(Settings(health_cache_ttl_s=0)), balance_wei=10**16)
    answer = Function("meta", services)("GET", "/health")
    assert answer.status == 200 and answer.body["status"] == "degraded"
    assert answer.body["checks"]["ledger:rpc"] == {"status": "degraded"}


def revealing(services: MemoryServices) -> MemoryServices:
    """Every dependency's probe says everything an operator would want to know."""
    def telling(status: Status):
        return lambda: Finding(status, "TimeoutError: connect timeout to 10.0.0.7 Traceback",
                               SECRETS[0], LedgerFacts(31337, SIGNER, 5, SIGNER,
                                                       123456789000000000000))

    dependencies = {name: Dependency(telling(status), d.critical)
                    for (name, d), status in zip(services.health_dependencies().items(),
                                                 [Status.DOWN, Status.DEGRADED, Status.OK] * 9,
                                                 strict=False)}
    dependencies[LEDGER] = Dependency(telling(Status.DEGRADED), critical=False)
    services.health = HealthService(dependencies)
    return services


@pytest.mark.parametrize("path", ["/health", "/health/chain"])
def test_anonymous_answers_never_carry_what_only_operators_may_see(path):
    answer = Function("meta", revealing(MemoryServices()))("GET", path)
    text = json.dumps(answer.body)
    assert answer.status in (200, 503)
    assert not [secret for secret in SECRETS if secret in text], text


def test_the_chain_answer_is_public_and_says_how_anchoring_does(meta):
    answer = meta("GET", "/health/chain")
    assert answer.status == 200 and answer.headers["cache-control"] == "no-store"
    body = answer.body
    assert (body["configured"], body["chain_id"], body["latest_block"], body["anchoring_lag_s"],
            body["anchoring_healthy"]) == (True, 31337, 1, 0.0, True)
    assert set(body) == {"configured", "chain_id", "latest_block", "anchoring_lag_s",
                         "anchoring_healthy", "checked_at"}


def test_the_chain_answer_without_a_ledger(meta, services):
    from cms.domain.errors import LedgerMisconfigured

    def unconfigured():
        raise LedgerMisconfigured("no ledger is configured (CMS_LEDGER_PARAMETER)")

    services.chain_reader = unconfigured
    services.health = HealthService(services.health_dependencies())
    body = meta("GET", "/health/chain").body
    assert (body["configured"], body["chain_id"], body["latest_block"],
            body["anchoring_healthy"]) == (False, None, None, False)


def test_the_details_are_for_admins(meta):
    assert meta("GET", "/health/details").status == 401
    refused = meta("GET", "/health/details", did=user(), roles="auditor")
    assert (refused.status, refused.code) == (403, "forbidden")


def test_an_admin_sees_why_where_and_the_figures(meta, services):
    dependencies = services.health_dependencies()
    dependencies["dynamodb:audit"] = Dependency(down("dynamodb:audit"))
    services.health = HealthService(dependencies)
    answer = meta("GET", "/health/details", did=ADMIN, roles="admin")
    assert answer.status == 200  # whatever the state: it is when an admin needs it
    body = answer.body
    assert body["status"] == "down"
    assert body["checks"]["dynamodb:audit"]["reason"] == (
        "TimeoutError: connect timeout to 10.0.0.7 (dynamodb:audit)")
    assert body["checks"]["dynamodb:audit"]["critical"] is True
    assert body["checks"]["ledger:rpc"]["critical"] is False
    assert body["checks"]["ledger:rpc"]["resource"] == "memory://chain"
    assert body["ledger"] == {
        "chain_id": 31337, "ledger_address": "0x00000000000000000000000000000000000C0DE5",
        "block_number": 1, "signer_address": SIGNER, "signer_balance_wei": str(10**18),
        "min_signer_balance_wei": str(10**17)}
    assert body["anchoring"]["lag_s"] == 0.0 and body["anchoring"]["skipped"] is None
    [parent] = body["enclave_parents"]
    assert (parent["instance"], parent["enclave"], parent["pcr0"], parent["simulated"]) == (
        "parent-1", "ok", PCR0, True)


def test_however_often_anyone_asks_a_container_probes_once_per_cache_time():
    services, probes = reporting(MemoryServices(Settings(health_cache_ttl_s=60))), []
    dependencies = services.health_dependencies()
    dependencies["s3:documents"] = Dependency(lambda: probes.append(1))
    services.health = HealthService(dependencies, cache_ttl_s=60)
    meta = Function("meta", services)
    for path in ["/health", "/health/chain"] * 25:
        assert meta("GET", path).status == 200
    assert len(probes) == 1
