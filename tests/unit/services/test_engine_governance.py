"""Engine contracts governed by a contract run only while it allows work, like its training
jobs: deployment under it is for its parties while it is active; once it ends (or a party is
suspended) every call, batch, estimate and platform call is refused, and the enclave's parent
releases no circuit input key for it."""

from __future__ import annotations

from dataclasses import replace

import pytest

from cms.config import Settings
from cms.domain.contracts import Status, ValidityEnded
from cms.domain.engine.records import CIRCUIT_KIND
from cms.domain.engine.unified import Deployment
from cms.domain.errors import Forbidden, IllegalTransition, NotFound
from cms.domain.identity import Caller, IdentityStatus, Role
from cms.domain.standing import IN_GOOD_STANDING, PartySuspended, Standing, StopCause
from cms.services.engine import ContractCall, ContractDeployment, EngineService
from cms.services.governance import Governance
from cms_client import Ed25519Signer
from tests.unit.services.training_setup import TrainingServices, contract, moved_to, party
from tests.unit.test_circuit_runner import (  # noqa: F401 - enclave: the fixture
    ALICE,
    BOB,
    CAROL,
    EngineFunctionInvoke,
    Platform,
    enclave,
)
from training_runner.circuit_runner import CircuitRunner
from training_runner.engine_invoker import EngineFunction

ADMIN = Ed25519Signer()
TOKEN = {"name": "Data credits", "symbol": "DCR", "initial_supply": "1000"}


@pytest.fixture
def services() -> TrainingServices:
    return TrainingServices(Settings(bootstrap_admins=(ADMIN.did,)))


def registered(services, signer: Ed25519Signer | None = None) -> Caller:
    signer = signer or Ed25519Signer()
    services.auth.register(signer.did, signer.public_key, source_ip="192.0.2.1")
    return Caller(signer.did, frozenset({Role.ADMIN.value}) if signer is ADMIN else frozenset())


def deployed(services, caller: Caller, governed_by: str | None) -> str:
    return services.engine.deploy(caller, ContractDeployment(
        kind="erc20", init_args=TOKEN, governed_by=governed_by)).metadata.address


def every_call(services, caller: Caller, address: str) -> list:
    read = ContractCall("balanceOf", {"account": "0x" + "11" * 20})
    return [lambda: services.engine.call(caller, address, read),
            lambda: services.engine.batch(caller, address, [read]),
            lambda: services.engine.estimate(caller, address, read),
            lambda: services.engine.execute("0x" + "22" * 20, address, "balanceOf",
                                            {"account": "0x" + "11" * 20})]


@pytest.mark.parametrize("end, refused", [
    (lambda s, made: moved_to(s, made, Status.TERMINATED), IllegalTransition),
    (lambda s, made: moved_to(s, made, Status.COMPLETED), IllegalTransition),
    (lambda s, made: s.contract_file.put(replace(made, content=replace(
        made.content, valid_until="2026-01-02T00:00:00.000Z"))), ValidityEnded),
])
def test_a_governed_contract_runs_until_its_governing_contract_ends(services, end, refused):
    provider, consumer = registered(services), registered(services)
    made = contract(services, provider, consumer)
    governed = deployed(services, consumer, made.id)
    free = deployed(services, consumer, None)
    assert services.engine.contract(governed).metadata.governed_by == made.id
    for run in every_call(services, consumer, governed):
        run()
    end(services, made)
    for run in every_call(services, consumer, governed):
        with pytest.raises(refused):
            run()
    for run in every_call(services, consumer, free):  # what no contract governs goes on
        run()
    with pytest.raises(refused):
        deployed(services, provider, made.id)


def test_a_suspended_party_halts_what_the_contract_governs_until_reactivated(services):
    provider, consumer = registered(services), registered(services)
    admin = registered(services, ADMIN)
    made = contract(services, provider, consumer)
    governed = deployed(services, provider, made.id)
    services.identities.administer(admin, consumer.did, status=IdentityStatus.SUSPENDED)
    with pytest.raises(PartySuspended):
        every_call(services, provider, governed)[0]()
    services.identities.administer(admin, consumer.did, status=IdentityStatus.ACTIVE)
    every_call(services, provider, governed)[0]()


def test_only_a_party_deploys_under_a_contract_and_only_while_it_is_active(services):
    provider, consumer = registered(services), registered(services)
    made = contract(services, provider, consumer)
    with pytest.raises(NotFound):  # a stranger learns nothing about the contract
        deployed(services, party(), made.id)
    with pytest.raises(Forbidden):  # an auditor sees it, but is no party
        deployed(services, Caller(party().did, frozenset({Role.AUDITOR.value})), made.id)
    with pytest.raises(NotFound):
        deployed(services, provider, "7d5b0f7e-2a51-4a47-9c43-3f6f0e4f7a10")
    signed = contract(services, provider, consumer, status=Status.SIGNED)
    with pytest.raises(IllegalTransition):
        deployed(services, provider, signed.id)


def test_an_engine_that_cannot_check_governance_refuses_governed_contracts(services):
    provider, consumer = registered(services), registered(services)
    made = contract(services, provider, consumer)
    governed = deployed(services, provider, made.id)
    blind = EngineService(services.engine.engine)
    with pytest.raises(IllegalTransition):
        blind.call(provider, governed, ContractCall("totalSupply"))


# --- circuit evaluations ------------------------------------------------------------------------


class Standings:
    """A governing contract's standing, as the test sets it."""

    def __init__(self) -> None:
        self.now = IN_GOOD_STANDING

    def of(self, contract_id: str) -> Standing:
        return self.now


def test_no_input_key_is_released_for_a_circuit_whose_contract_ended(enclave):  # noqa: F811
    standings = Standings()
    platform = Platform(enclave)
    governance = Governance(lambda: None, lambda: standings)  # type: ignore[arg-type,return-value]
    platform.engine = EngineService(platform.engine.engine,
                                    hooks=[platform.evaluations.on_committed],
                                    governance=governance)
    args = platform.evaluations.prepare_deploy({
        "circuit": platform.circuit, "parties": {"alice": ALICE, "bob": BOB},
        "enclave_pcr0s": [platform.pcr0]})
    platform.contract = platform.engine.engine.deploy_contract(Deployment(
        kind=CIRCUIT_KIND, deployer=CAROL, init_args=args, gas_limit=10_000_000,
        governed_by="7d5b0f7e-2a51-4a47-9c43-3f6f0e4f7a10")).address
    released, release = [], platform.keys.for_recipient
    platform.keys.for_recipient = lambda *key: released.append(key) or release(*key)
    parent = EngineFunction(platform.engine, "cms-engine", EngineFunctionInvoke(platform.engine))
    runner = CircuitRunner(parent, platform.keys, platform.address, standing=standings.of)
    message = platform.requested()  # while the contract allows it
    standings.now = Standing(StopCause.CONTRACT_ENDED, "the contract is terminated")
    runner.handle(message, platform.queue)  # type: ignore[arg-type]
    assert platform.queue.deleted == ["receipt-1"] and released == []
    with pytest.raises(IllegalTransition):  # nor could a result be recorded now
        platform.call(CAROL, "result")


def test_governance_over_http_answers_the_problems_the_document_declares():
    from tests.unit.test_engine_http import OWNER_DID, EngineFunction

    services = TrainingServices()
    api = EngineFunction(services)
    made = contract(services, Caller(OWNER_DID), party())
    example = {"kind": "erc20", "init_args": TOKEN}
    status, _, body = api("POST", "/contracts", {**example, "governed_by": made.id})
    assert (status, body["governed_by"]) == (201, made.id)
    call = {"function": "totalSupply"}
    assert api("POST", f"/contracts/{body['address']}/execute", call)[0] == 200
    moved_to(services, made, Status.TERMINATED)
    for path in ("execute", "estimate-gas"):
        status, _, problem = api("POST", f"/contracts/{body['address']}/{path}", call)
        assert (status, problem["code"]) == (409, "illegal_transition")
    status, _, problem = api("POST", f"/contracts/{body['address']}/execute-batch",
                             {"calls": [call]})
    assert (status, problem["code"]) == (409, "illegal_transition")
    for governed_by, answer in ((made.id, (409, "illegal_transition")),
                                ("7d5b0f7e-2a51-4a47-9c43-3f6f0e4f7a10", (404, "not_found")),
                                ("not-a-contract-id", (400, "validation_error"))):
        status, _, problem = api("POST", "/contracts", {**example, "governed_by": governed_by})
        assert (status, problem["code"]) == answer
    status, _, shown = api("GET", f"/contracts/{body['address']}")
    assert (status, shown["governed_by"]) == (200, made.id)
    status, _, free = api("POST", "/contracts", {**example, "salt": "ab" * 32})
    assert (status, free["governed_by"]) == (201, None)
