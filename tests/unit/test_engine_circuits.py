"""Boolean-circuit contracts: the circuit format, the example circuits, and the
contract's whole flow with the enclave's real evaluator and the simulated attestation module."""

from __future__ import annotations

import base64
import hashlib
import itertools
from datetime import UTC, datetime, timedelta

import pytest
import rfc8785
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from cms.domain.attestation import development_root
from cms.domain.engine import circuits
from cms.domain.engine.circuit_contract import (
    CIRCUIT_MULTIPLIERS,
    CODE_DEPOSIT_GAS,
    INIT_ARGS,
    CircuitContract,
    init_arguments,
    read_stored,
)
from cms.domain.engine.circuit_library import adder, comparator, equality
from cms.domain.engine.errors import ContractNotFound, ContractReverted, EngineValidationError
from cms.domain.engine.gas import GasMeter
from cms.domain.engine.state import MemoryState
from enclave_app.attestation_module import SimulatedModule, local_measurements
from enclave_app.circuits import evaluate_circuit
from enclave_app.key_release import Recipients
from training_runner.key_release import envelope

ALICE, BOB, CAROL = "0x" + "a1" * 20, "0x" + "b2" * 20, "0x" + "c3" * 20
ADDRESS = "0x" + "cc" * 20
LIMIT = 30_000_000
PCR0 = local_measurements()[0].hex()


# --- the format ---------------------------------------------------------------------------

def test_the_hash_is_sha256_of_the_canonical_json():
    circuit = comparator(8)
    assert circuits.circuit_hash(circuit) == hashlib.sha256(rfc8785.dumps(circuit)).hexdigest()


@pytest.mark.parametrize("build, meaning", [
    (comparator, lambda a, b: {"a_greater": a > b}),
    (adder, lambda a, b: {"sum": a + b}),
    (equality, lambda a, b: {"equal": a == b}),
])
def test_the_example_circuits_compute_what_they_say_for_every_3_bit_pair(build, meaning):
    circuit = circuits.parse_circuit(build(3))
    for a, b in itertools.product(range(8), repeat=2):
        inputs = {"alice": circuits.uint_bits(a, 3), "bob": circuits.uint_bits(b, 3)}
        assert circuits.evaluate(circuit, inputs) == meaning(a, b)


def _edited(change):
    circuit = comparator(2)
    change(circuit)
    return circuit


@pytest.mark.parametrize("circuit, pointer, message", [
    (_edited(lambda c: c["gates"].append(["NAND", 0, 1, 99])), "/circuit/gates/9", "op one of"),
    (_edited(lambda c: c["gates"].append(["AND", 0, 1])), "/circuit/gates/9", "takes 2 input"),
    (_edited(lambda c: c["gates"].append(["NOT", 0, 13])), "/circuit/gates/9",
     "integer from 0 to 12"),
    (_edited(lambda c: c["gates"].append(["NOT", 0, 5])), "/circuit/gates/9", "assigned twice"),
    (_edited(lambda c: c["gates"].insert(0, ["NOT", 4, 12])), "/circuit/gates/0",
     "topological order"),
    (_edited(lambda c: c["gates"][1].__setitem__(1, True)), "/circuit/gates/1", "a wire"),
    (_edited(lambda c: c["outputs"][0].__setitem__("wires", [1, 2])),
     "/circuit/outputs/0/wires", "1 to 1 items"),
    (_edited(lambda c: c.update(wires=14) or c["outputs"][0].__setitem__("wires", [13])),
     "/circuit/outputs/0/wires", "nothing assigns"),
    (_edited(lambda c: c["parties"][1].__setitem__("name", "alice")), "/circuit/parties",
     "unique"),
    (_edited(lambda c: c["parties"][1].__setitem__("name", "bob smith")),
     "/circuit/parties/1/name", "a letter"),
    (_edited(lambda c: c["parties"][0].__setitem__("bits", 1025)),
     "/circuit/parties/0/bits", "from 1 to 1024"),
    (_edited(lambda c: c.update(format="bristol")), "/circuit/format", "cms-circuit/v1"),
    (_edited(lambda c: c.update(extra=1)), "/circuit", "exactly"),
    (comparator(1024), "/circuit", "over 65536"),
])
def test_a_bad_circuit_is_refused_with_a_pointer(circuit, pointer, message):
    with pytest.raises(EngineValidationError, match=message) as caught:
        circuits.parse_circuit(circuit)
    assert caught.value.extra["errors"][0]["pointer"] == pointer


def test_the_gate_limit_is_checked_before_anything_else():
    circuit = comparator(1)
    circuit["gates"] = [["ONE", 4]] * (circuits.MAX_GATES + 1)
    with pytest.raises(EngineValidationError, match="0 to 10000 items"):
        circuits.parse_circuit(circuit)


# --- input encryption ---------------------------------------------------------------------

def test_public_keys_load_from_pem_der_or_base64_der():
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    der = circuits.public_key_der(key)
    pem = key.public_bytes(serialization.Encoding.PEM,
                           serialization.PublicFormat.SubjectPublicKeyInfo)
    for form in (der, pem, pem.decode(), base64.b64encode(der).decode()):
        assert circuits.public_key_der(circuits.load_public_key(form)) == der


@pytest.mark.parametrize("key", [
    ec.generate_private_key(ec.SECP384R1()).public_key(),
    rsa.generate_private_key(public_exponent=65537, key_size=1024).public_key(),
])
def test_only_p256_keys_are_input_keys(key):
    with pytest.raises(EngineValidationError, match="P-256"):
        circuits.load_public_key(circuits.public_key_der(key))


def test_a_ciphertext_has_the_size_the_contract_expects():
    der = circuits.public_key_der(ec.generate_private_key(ec.SECP256R1()).public_key())
    text = circuits.encrypt_input(der, ADDRESS, "alice", "0" * 64, [True] * 13)
    assert len(base64.b64decode(text)) == circuits.ciphertext_size(13)
    assert base64.b64decode(text).startswith(circuits.INPUT_MAGIC)


# --- the contract -------------------------------------------------------------------------

class Setup:
    """A deployed contract's state, its input key, and the simulated enclave around it."""

    def __init__(self, module: SimulatedModule, circuit: dict, pcr0s: list[str] | None = None):
        self.module, self.circuit, self.state = module, circuit, MemoryState()
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.public_der = circuits.public_key_der(self.key.public_key())
        self.private_der = self.key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption())
        self.hash = circuits.circuit_hash(circuit)
        self.events: list = []
        self.contract().init(**self.init_args(pcr0s))

    def init_args(self, pcr0s: list[str] | None = None) -> dict:
        return {"circuit": self.circuit, "parties": {"alice": ALICE, "bob": BOB},
                "enclave_pcr0s": pcr0s or [PCR0],
                "input_public_key": base64.b64encode(self.public_der).decode(),
                "wrapped_input_key": base64.b64encode(b"kms-wrapped" * 4).decode()}

    def contract(self, *, limit: int = LIMIT, roots: tuple | None = None,
                 now: datetime | None = None) -> CircuitContract:
        self.meter = GasMeter(limit)
        return CircuitContract(self.state, self.meter, address=ADDRESS, now=now,
                               roots=(development_root(self.module.root_pem),) if roots is None
                               else roots, events=self.events.append)

    def call(self, function: str, caller: str = ALICE, **args):
        return self.contract().call(function, args, caller)

    def submit(self, party: str, caller: str, value: int, **override) -> dict:
        width = next(p["bits"] for p in self.circuit["parties"] if p["name"] == party)
        text = circuits.encrypt_input(self.public_der, override.get("address", ADDRESS), party,
                                      self.hash, circuits.uint_bits(value, width))
        return self.call("submitInput", caller, ciphertext=text)

    def evaluated(self) -> dict:
        """What the enclave answers for the stored inputs (as the parent would ask it)."""
        stored = read_stored(self.state)
        recipients = Recipients()
        recipient_id, recipient_key = recipients.new()
        return evaluate_circuit({
            "recipient_id": recipient_id,
            "key": base64.b64encode(envelope(self.private_der, recipient_key)).decode(),
            "contract": ADDRESS, "circuit": stored.circuit, "circuit_hash": stored.circuit_hash,
            "input_public_key": base64.b64encode(stored.input_public_key).decode(),
            "enclave_measurements": [PCR0],
            "inputs": {name: base64.b64encode(data).decode()
                       for name, data in stored.inputs.items()}}, recipients, self.module)

    def attested(self, statement: dict) -> str:
        user_data = hashlib.sha256(rfc8785.dumps(statement)).digest()
        return base64.b64encode(self.module.attest(user_data=user_data)).decode()


@pytest.fixture(scope="module")
def module() -> SimulatedModule:
    return SimulatedModule()


@pytest.fixture
def ready(module) -> Setup:
    """Both inputs in (alice 1,000,001 > bob 999,999) and the evaluation requested."""
    setup = Setup(module, comparator(20))
    setup.submit("alice", ALICE, 1_000_001)
    setup.submit("bob", BOB, 999_999)
    setup.call("requestEvaluation", BOB)
    setup.events.clear()
    return setup


def test_millionaires_end_to_end(module):
    setup = Setup(module, comparator(20))
    submitted = setup.submit("alice", ALICE, 1_000_001)
    assert setup.call("inputStatus")["parties"]["alice"] == {
        "address": ALICE, "submitted": True, "ciphertext_sha256": submitted["ciphertext_sha256"]}
    setup.submit("bob", BOB, 999_999)
    assert setup.call("inputStatus", CAROL)["complete"] is True
    setup.call("requestEvaluation", BOB)
    requested = setup.events[-1].to_dict()
    assert requested["event"] == "EvaluationRequested"
    assert requested["args"]["circuit_hash"] == setup.hash
    assert requested["args"]["gates"] == str(len(setup.circuit["gates"]))
    answer = setup.evaluated()
    result = setup.call("recordResult", CAROL, statement=answer["statement"],
                        document=answer["document"])  # anyone may relay it
    assert result["outputs"] == {"a_greater": True} and result["status"] == "evaluated"
    assert result["pcr0"] == PCR0 and result["development"] is True
    assert setup.call("result", CAROL) == result
    recorded = setup.events[-1].to_dict()
    assert recorded["event"] == "ResultRecorded" and recorded["args"]["outputs"] == {
        "a_greater": True}
    assert set(recorded) == {"event", "signature", "topics", "data", "args"}
    assert [e.name for e in setup.events] == ["InputSubmitted", "InputSubmitted",
                                              "EvaluationRequested", "ResultRecorded"]


def test_a_rejected_input_is_recorded_naming_the_party(module):
    setup = Setup(module, equality(8))
    setup.submit("alice", ALICE, 77)
    setup.submit("bob", BOB, 77, address="0x" + "dd" * 20)  # bound to another contract
    setup.call("requestEvaluation")
    answer = setup.evaluated()
    result = setup.call("recordResult", statement=answer["statement"],
                        document=answer["document"])
    assert result["status"] == "rejected" and result["invalid_inputs"] == ["bob"]
    assert result["outputs"] is None


def _reverts(error: str, call, *args, **kwargs) -> ContractReverted:
    with pytest.raises(ContractReverted) as caught:
        call(*args, **kwargs)
    assert caught.value.error == error, caught.value.detail
    return caught.value


def test_inputs_only_from_their_party_once_and_well_formed(module):
    setup = Setup(module, comparator(8))
    _reverts("CircuitUnauthorizedParty", setup.submit, "alice", CAROL, 1)
    setup.submit("alice", ALICE, 1)
    _reverts("CircuitInputAlreadySubmitted", setup.submit, "alice", ALICE, 2)
    short = base64.b64encode(circuits.INPUT_MAGIC + bytes(40)).decode()
    failure = _reverts("CircuitMalformedInput", setup.call, "submitInput", BOB, ciphertext=short)
    assert failure.arguments == ["bob", circuits.ciphertext_size(8)]
    with pytest.raises(EngineValidationError, match="base64"):
        setup.call("submitInput", BOB, ciphertext="not base64!")


def test_evaluation_is_requested_by_a_party_once_every_input_is_in(module):
    setup = Setup(module, comparator(8))
    setup.submit("alice", ALICE, 1)
    assert _reverts("CircuitInputsMissing", setup.call, "requestEvaluation").arguments == [
        ["bob"]]
    setup.submit("bob", BOB, 2)
    _reverts("CircuitUnauthorizedParty", setup.call, "requestEvaluation", CAROL)
    setup.call("requestEvaluation", ALICE)
    _reverts("CircuitEvaluationAlreadyRequested", setup.call, "requestEvaluation", BOB)
    assert setup.call("inputStatus")["requested"] is True


def test_a_result_before_the_request_or_twice_is_refused(module, ready):
    answer = ready.evaluated()
    early = Setup(module, comparator(20))
    _reverts("CircuitEvaluationNotRequested", early.call, "recordResult",
             statement=answer["statement"], document=answer["document"])
    ready.call("recordResult", statement=answer["statement"], document=answer["document"])
    _reverts("CircuitResultAlreadyRecorded", ready.call, "recordResult",
             statement=answer["statement"], document=answer["document"])


def _changed(statement: dict, **changes) -> dict:
    return {**statement, **changes}


@pytest.mark.parametrize("change, field", [
    ({"contract": "0x" + "dd" * 20}, "contract"),
    ({"circuit_hash": "0" * 64}, "circuit_hash"),
    ({"input_key_sha256": "0" * 64}, "input_key_sha256"),
    ({"inputs": {"alice": "0" * 64, "bob": "1" * 64}}, "inputs"),
    ({"outputs": {"a_greater": "1"}}, "outputs/a_greater"),
    ({"outputs": {}}, "outputs"),
    ({"gates": 1}, "gates"),
    ({"status": "done"}, "status"),
    ({"status": "rejected", "outputs": None, "invalid_inputs": ["carol"], "gates": 0},
     "invalid_inputs"),
    ({"format": "cms-training-statement/v1"}, "format"),
])
def test_a_genuinely_attested_statement_must_match_the_contract(ready, change, field):
    """Even an allowed enclave's signature does not make a statement about other inputs,
    another contract or another circuit acceptable."""
    statement = _changed(ready.evaluated()["statement"], **change)
    failure = _reverts("CircuitStatementMismatch", ready.call, "recordResult",
                       statement=statement, document=ready.attested(statement))
    assert failure.arguments == [field]


def test_a_changed_statement_no_longer_matches_its_document(ready):
    answer = ready.evaluated()
    forged = _changed(answer["statement"], outputs={"a_greater": False})
    failure = _reverts("CircuitInvalidAttestation", ready.call, "recordResult",
                       statement=forged, document=answer["document"])
    assert failure.arguments == ["user_data_mismatch"]


def test_only_trusted_fresh_documents_from_allowed_images_count(module, ready):
    answer = ready.evaluated()
    args = {"statement": answer["statement"], "document": answer["document"]}
    untrusted = ready.contract(roots=())
    assert _reverts("CircuitInvalidAttestation", untrusted.call, "recordResult", args,
                    ALICE).arguments == ["untrusted_root"]
    later = ready.contract(now=datetime.now(UTC) + timedelta(hours=1))
    assert _reverts("CircuitInvalidAttestation", later.call, "recordResult", args,
                    ALICE).arguments == ["stale"]
    other = Setup(module, comparator(4), pcr0s=["ab" * 48])  # allows another image only
    other.submit("alice", ALICE, 1)
    other.submit("bob", BOB, 2)
    other.call("requestEvaluation")
    answer = other.evaluated()  # this enclave evaluates (the parent told it its PCR0)
    assert _reverts("CircuitEnclaveNotAllowed", other.call, "recordResult",
                    statement=answer["statement"], document=answer["document"]
                    ).arguments == [PCR0]


def test_a_failed_call_changes_nothing_and_publishes_nothing(ready):
    before = ready.state.snapshot()
    answer = ready.evaluated()
    forged = _changed(answer["statement"], outputs={"a_greater": False})
    with pytest.raises(ContractReverted):
        ready.call("recordResult", statement=forged, document=answer["document"])
    assert ready.state.snapshot() == before and ready.events == []


def test_gas_follows_the_documented_multipliers(module):
    setup = Setup(module, comparator(8))
    canonical = circuits.parse_circuit(setup.circuit).canonical
    init_gas = setup.meter.breakdown
    assert init_gas["privacy_code_deposit"] == CODE_DEPOSIT_GAS * 2 * len(canonical)
    assert init_gas["privacy_call"] == 21_000 * CIRCUIT_MULTIPLIERS["init"]
    setup.submit("alice", ALICE, 3)
    setup.submit("bob", BOB, 4)
    setup.call("requestEvaluation")
    assert setup.meter.breakdown["privacy_evaluation"] == len(setup.circuit["gates"]) * 30
    assert setup.meter.breakdown["privacy_call"] == 21_000 * 2


def test_the_largest_circuit_deploys_within_one_calls_gas_limit(module):
    setup = Setup(module, comparator(700))
    assert setup.meter.used < LIMIT


@pytest.mark.parametrize("change, pointer", [
    ({"parties": {"alice": ALICE}}, "/parties"),
    ({"parties": {"alice": ALICE, "bob": ALICE}}, "/parties"),
    ({"parties": {"alice": ALICE, "bob": "0x" + "00" * 20}}, "/parties"),
    ({"parties": {"alice": ALICE, "bob": "bob"}}, "/parties/bob"),
    ({"enclave_pcr0s": []}, "/enclave_pcr0s"),
    ({"enclave_pcr0s": ["ab" * 32]}, "/enclave_pcr0s"),
    ({"input_public_key": base64.b64encode(b"junk").decode()}, "/input_public_key"),
    ({"wrapped_input_key": ""}, "/wrapped_input_key"),
    ({"circuit": {"format": "cms-circuit/v1"}}, "/circuit"),
])
def test_a_bad_deployment_is_refused_before_any_gas(module, change, pointer):
    setup = Setup(module, comparator(4))
    contract = CircuitContract(MemoryState(), meter := GasMeter(LIMIT), address=ADDRESS,
                               roots=())
    with pytest.raises(EngineValidationError) as caught:
        contract.init(**{**setup.init_args(), **change})
    assert caught.value.extra["errors"][0]["pointer"] == pointer and meter.used == 0


def test_one_contract_per_state_and_calls_need_one(module):
    setup = Setup(module, comparator(4))
    with pytest.raises(EngineValidationError, match="already holds"):
        setup.contract().init(**setup.init_args())
    empty = CircuitContract(MemoryState(), GasMeter(LIMIT), address=ADDRESS, roots=())
    with pytest.raises(ContractNotFound):
        empty.call("inputStatus", None, ALICE)
    with pytest.raises(EngineValidationError, match="no function"):
        setup.call("evaluate")
    with pytest.raises(EngineValidationError, match="takes exactly"):
        setup.call("submitInput")


def test_the_parent_reads_what_the_enclave_needs(ready):
    stored = read_stored(ready.state)
    assert stored.circuit == ready.circuit and stored.circuit_hash == ready.hash
    assert stored.parties == {"alice": ALICE, "bob": BOB} and stored.enclave_pcr0s == [PCR0]
    assert stored.input_public_key == ready.public_der
    assert set(stored.inputs) == {"alice", "bob"} and stored.requested and not stored.recorded
    info = ready.call("circuitInfo")
    assert base64.b64decode(info["input_public_key"]) == ready.public_der
    assert info["circuit_hash"] == ready.hash and info["contract"] == ADDRESS


def test_init_arguments_are_exactly_the_five(module):
    args = Setup(module, comparator(2)).init_args()
    assert init_arguments(args) == args and set(args) == set(INIT_ARGS)
    for wrong in ({**args, "owner": ALICE}, {k: v for k, v in args.items() if k != "circuit"},
                  None):
        with pytest.raises(EngineValidationError, match="takes init_args"):
            init_arguments(wrong)
