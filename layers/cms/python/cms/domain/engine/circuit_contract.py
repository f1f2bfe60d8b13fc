"""Boolean-circuit contracts: parties' secret inputs, evaluated in the enclave.

A contract holds one circuit (``cms-circuit/v1``, circuits.py), a named address for each of
its parties, the enclave images (PCR0s) allowed to evaluate it, and an input key pair's public
half with its private half wrapped by KMS under the training data key, whose policy lets only
an attested allowed enclave image decrypt (``cms.services.circuit_evaluations`` makes it with
``GenerateDataKeyPairWithoutPlaintext``; nobody ever holds the private key in the clear).

1. Each party encrypts its bits on its own machine (``encrypt_input``: the AAD binds the
   contract, the party and the circuit hash) and calls ``submitInput`` once. The contract
   stores the ciphertext and its SHA-256; it cannot read it.
2. Once every input is in, any party calls ``requestEvaluation`` (once). It emits
   ``EvaluationRequested``; the platform queues a job for the enclave's parent.
3. The enclave opens the inputs with the released key, evaluates, and attests a statement
   (contract, circuit hash, input-key hash, each ciphertext's hash, outputs) with
   ``user_data = SHA-256(RFC 8785 statement)``.
4. Anyone may call ``recordResult(statement, document)``: the contract verifies the document
   (chain to a trusted root, freshness, not debug mode), its PCR0 against the allowed list,
   the user data against the statement, and the statement against its own state; then it
   stores the outputs and emits ``ResultRecorded``. A statement can only ever be recorded for
   the inputs it names, so neither the parent nor the caller can change the outcome.

A ciphertext that does not open under its binding (a party resubmitting another's input, or
garbage) makes the enclave attest a ``rejected`` statement naming that party; it is recorded
like a result, so a cheating party cannot keep the contract waiting, and no output leaks.

Gas: base steps as in ``gas.GasSchedule`` (call, storage per 32-byte word, events) times a
privacy multiplier in the engine design's 2x-10x range; the circuit itself is stored at the
EVM's code deposit price, and the evaluation the enclave does is charged per gate at request
time:

==================  ====  =================================================================
function            x     why
==================  ====  =================================================================
init                2     validates and stores the circuit (200 gas/byte: G_codedeposit)
submitInput         3     stores a ciphertext (~100-250 bytes) and its hash
inputStatus         2     reads party hashes
circuitInfo         2     reads the summary and the input key
result              2     reads the recorded outputs
requestEvaluation   2     a flag and an event; plus the evaluation: 3 gas a gate (G_verylow,
                          an EVM AND/OR/XOR/NOT) times 10 (computation in the enclave, on
                          inputs only it can read)
recordResult        10    verifies an attestation document: a P-384 chain and signature
==================  ====  =================================================================

Not provided, honestly: the contract trusts that its input key was made by the platform's
``prepare_deploy`` (which refuses a caller-supplied key); it checks the enclave evaluated with
that key (the statement's ``input_key_sha256``), not who generated it. Outputs are public once
recorded: a circuit should output only what the parties agreed to reveal.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import rfc8785
from eth_utils import keccak

from cms.domain.attestation.roots import TrustedRoot, aws_roots
from cms.domain.attestation.verification import verify_document
from cms.domain.canonical import canonical_json, iso_utc
from cms.domain.engine.circuits import Circuit, load_public_key, parse_circuit, public_key_der
from cms.domain.engine.erc20 import ZERO_ADDRESS, Event, EventSink, parse_address
from cms.domain.engine.errors import ContractNotFound, ContractReverted, EngineValidationError
from cms.domain.engine.gas import GasMeter
from cms.domain.engine.privacy_contracts import MeteredSlots
from cms.domain.engine.state import ContractState, StagedState
from cms.domain.errors import AttestationInvalid
from cms_wire.circuit_inputs import INPUT_MAGIC, ciphertext_size
from cms_wire.circuits import MAX_PARTY_BITS, RESULT_FIELDS, RESULT_FORMAT
from cms_wire.statements import statement_user_data

# Circuit evaluations' jobs, on their own queue: {"kind": "circuit", "address": ...,
# "requester": ...} (training jobs, on theirs, have no "kind").
CIRCUIT_JOB_KIND = "circuit"
CIRCUIT_MULTIPLIERS: dict[str, int] = {
    "init": 2, "submitInput": 3, "inputStatus": 2, "circuitInfo": 2, "result": 2,
    "requestEvaluation": 2, "recordResult": 10}
CODE_DEPOSIT_GAS = 200  # G_codedeposit, per byte of stored circuit JSON
GATE_GAS = 3  # G_verylow: what the EVM charges for one AND/OR/XOR/NOT
EVALUATION_MULTIPLIER = 10
FUNCTIONS: dict[str, tuple[str, ...]] = {
    "submitInput": ("ciphertext",), "inputStatus": (), "circuitInfo": (), "result": (),
    "requestEvaluation": (), "recordResult": ("statement", "document")}
READ_ONLY_FUNCTIONS = frozenset({"inputStatus", "circuitInfo", "result"})
EVENT_SIGNATURES = {
    "InputSubmitted": "InputSubmitted(string,address,bytes32)",
    "EvaluationRequested": "EvaluationRequested(address,bytes32,uint256)",
    "ResultRecorded": "ResultRecorded(string,bytes32)"}
INIT_ARGS = ("circuit", "parties", "enclave_pcr0s", "input_public_key", "wrapped_input_key")

MAX_PCR0S = 16
MAX_WRAPPED_KEY = 4096
MAX_STATEMENT_BYTES = 16 * 1024
MAX_DOCUMENT_BYTES = 16 * 1024
# A result's document is made just before recordResult; the statement names this contract's
# inputs, so an older one cannot be replayed elsewhere anyway. The age bounds how long a
# result may wait before it is recorded (a retried call after a queue hold still fits).
RESULT_MAX_AGE = timedelta(minutes=10)
_PCR0 = re.compile(r"[0-9a-f]{96}")  # SHA-384, as Nitro measures an image
_DECIMAL = re.compile(r"0|[1-9][0-9]{0,77}")
_CIRCUIT, _SUMMARY, _INPUT_KEY, _WRAPPED_KEY = "circuit", "summary", "inputKey", "wrappedKey"
_REQUESTED, _RESULT = "requested", "result"


def evaluation_job(address: str, requester: str | None = None) -> dict[str, str]:
    """The queue message that asks the enclave's parent to evaluate a contract's circuit;
    ``requester`` (whose quota the evaluation holds) when known."""
    job = {"kind": CIRCUIT_JOB_KIND, "address": address}
    return job if requester is None else {**job, "requester": requester}


def init_arguments(init_args: object) -> dict[str, Any]:
    """The init arguments as ``init(**args)`` takes them: exactly ``INIT_ARGS`` (the two key
    arguments come from the platform's ``prepare_deploy``)."""
    if not isinstance(init_args, Mapping) or set(init_args) != set(INIT_ARGS):
        raise EngineValidationError(f"a circuit contract takes init_args {list(INIT_ARGS)}",
                                    "init_args")
    return dict(init_args)


def check_deployment(init_args: Mapping[str, Any]) -> None:
    """The deployer's part of the init arguments (circuit, parties, enclave images) checked
    before the platform spends a KMS call on the input key pair."""
    parsed = parse_circuit(init_args.get("circuit"))
    _party_addresses(init_args.get("parties"), parsed)
    _pcr0s(init_args.get("enclave_pcr0s"))


def _input_slot(party: str) -> str:
    return "input:" + party


def _hash_slot(party: str) -> str:
    return "inputHash:" + party


def _revert(error: str, *arguments: tuple[str, Any]) -> ContractReverted:
    return ContractReverted(error, [t for t, _ in arguments], [v for _, v in arguments])


def _b64(value: object, name: str, limit: int) -> bytes:
    try:
        decoded = base64.b64decode(value, validate=True) if isinstance(value, str) else None
    except (binascii.Error, ValueError):
        decoded = None
    if not decoded or len(decoded) > limit:
        raise EngineValidationError(f"{name} must be base64 of 1 to {limit} bytes", name)
    return decoded


class _Slots(MeteredSlots):
    """Metered storage, plus the circuit at the code-deposit price and JSON values."""

    def deposit(self, key: str, value: bytes) -> None:
        self.gas.charge(CODE_DEPOSIT_GAS * len(value) * self.multiplier, "privacy_code_deposit")
        self.state.set(key, value)

    def read_json(self, key: str) -> Any:
        value = self.read(key)
        return None if value is None else json.loads(value)

    def write_json(self, key: str, value: Any) -> None:
        self.write(key, canonical_json(value))


@dataclass(frozen=True)
class StoredCircuit:
    """What the enclave's parent reads from a circuit contract's state (no gas: not a call)."""

    circuit: dict[str, Any]
    circuit_hash: str
    parties: dict[str, str]  # name -> address (lower-case hex)
    enclave_pcr0s: list[str]
    input_public_key: bytes  # DER SubjectPublicKeyInfo
    wrapped_input_key: bytes  # KMS ciphertext of the DER PKCS#8 private key
    inputs: dict[str, bytes]  # name -> ciphertext, for the inputs submitted so far
    requested: bool
    recorded: bool


def read_stored(state: ContractState) -> StoredCircuit:
    """A circuit contract's stored setup and inputs (``ContractNotFound`` if there is none)."""
    summary_bytes = state.get(_SUMMARY)
    circuit_bytes = state.get(_CIRCUIT)
    if summary_bytes is None or circuit_bytes is None:
        raise ContractNotFound("no circuit contract is initialised in this state")
    summary = json.loads(summary_bytes)
    names = [party["name"] for party in summary["parties"]]
    return StoredCircuit(
        circuit=json.loads(circuit_bytes), circuit_hash=summary["circuit_hash"],
        parties={party["name"]: party["address"] for party in summary["parties"]},
        enclave_pcr0s=list(summary["enclave_pcr0s"]),
        input_public_key=state.get(_INPUT_KEY) or b"",
        wrapped_input_key=state.get(_WRAPPED_KEY) or b"",
        inputs={name: value for name in names
                if (value := state.get(_input_slot(name))) is not None},
        requested=state.get(_REQUESTED) is not None, recorded=state.get(_RESULT) is not None)


class CircuitContract:
    """One boolean-circuit contract over its ``ContractState`` (see the module docstring).

    ``address`` is the contract's own address (statements and ciphertexts are bound to it);
    ``roots`` are trusted besides the AWS Nitro root (a development root on the local stack);
    ``events`` receives each event of a successful call; ``now`` is the execution's time for
    checking a document's freshness (default: the clock).
    """

    def __init__(self, state: ContractState, gas: GasMeter, *, roots: tuple[TrustedRoot, ...],
                 address: str, events: EventSink | None = None,
                 now: datetime | None = None) -> None:
        self._state, self._gas, self._sink = state, gas, events
        self._roots, self._now = tuple(roots), now
        self._address = parse_address(address, "address").lower()
        self._slots: _Slots | None = None
        self._pending: list[Event] = []
        self._multiplier = 1

    @staticmethod
    def is_read_only(function_name: str) -> bool:
        return function_name in READ_ONLY_FUNCTIONS

    def init(self, circuit: object, parties: object, enclave_pcr0s: object,
             input_public_key: object, wrapped_input_key: object) -> None:
        """Validate everything first (nothing is charged for a bad deployment), then store."""
        parsed = parse_circuit(circuit)
        addresses = _party_addresses(parties, parsed)
        pcr0s = _pcr0s(enclave_pcr0s)
        if not isinstance(input_public_key, str | bytes):
            raise EngineValidationError("input_public_key must be PEM or base64 DER",
                                        "input_public_key")
        key = public_key_der(load_public_key(input_public_key))
        wrapped = _b64(wrapped_input_key, "wrapped_input_key", MAX_WRAPPED_KEY)
        if self._state.get(_SUMMARY) is not None:
            raise EngineValidationError("this state already holds a circuit contract", "state")
        self._run("init", lambda: self._store(parsed, addresses, pcr0s, key, wrapped))

    def call(self, function_name: str, args: Mapping[str, Any] | None, caller: str) -> Any:
        """Run one function by name with named arguments; in every failure nothing is
        written and no event is published."""
        names = FUNCTIONS.get(function_name) if isinstance(function_name, str) else None
        if names is None:
            raise EngineValidationError(f"the circuit contract has no function "
                                        f"{function_name!r}", "function")
        args = {} if args is None else args
        if not isinstance(args, Mapping) or set(args) != set(names):
            raise EngineValidationError(f"{function_name} takes exactly {list(names)}", "args")
        caller = parse_address(caller, "caller")
        if self._state.get(_SUMMARY) is None:
            raise ContractNotFound("no circuit contract is initialised in this state")
        handler: Callable[..., Any] = getattr(self, "_fn_" + function_name)
        return handler(caller, *(args[name] for name in names))

    # -- execution frame --

    def _run(self, function_name: str, body: Callable[[], Any]) -> Any:
        """Run ``body`` on a staged overlay at the function's multiplier; commit and publish
        its events only on success."""
        self._multiplier = CIRCUIT_MULTIPLIERS[function_name]
        stage = StagedState(self._state)
        self._slots, self._pending = _Slots(stage, self._gas, self._multiplier), []
        try:
            self._gas.charge(self._gas.schedule.call_base * self._multiplier, "privacy_call")
            result = body()
            stage.commit()
            events = self._pending
        finally:
            self._slots, self._pending = None, []
        for event in events if self._sink is not None else ():
            self._sink(event)
        return result

    @property
    def _s(self) -> _Slots:
        assert self._slots is not None, "storage is only reachable inside a call"
        return self._slots

    def _emit(self, name: str, args: dict[str, Any]) -> None:
        """An EVM-style log: topic 0 is keccak256 of the signature; the values travel in
        ``args`` (these are not ABI-encoded logs, so ``data`` is empty)."""
        signature = EVENT_SIGNATURES[name]
        schedule = self._gas.schedule
        cost = schedule.event + schedule.event_topic + schedule.event_data_byte * len(
            canonical_json(args))
        self._gas.charge(cost * self._multiplier, "privacy_event")
        self._pending.append(Event(name, signature, ("0x" + keccak(text=signature).hex(),),
                                   "0x", args))

    def _store(self, circuit: Circuit, addresses: dict[str, str], pcr0s: list[str],
               key: bytes, wrapped: bytes) -> None:
        self._s.deposit(_CIRCUIT, circuit.canonical)
        self._s.write_json(_SUMMARY, {
            "circuit_hash": circuit.hash, "gates": len(circuit.gates),
            "parties": [{"name": p.name, "bits": p.bits, "address": addresses[p.name]}
                        for p in circuit.parties],
            "outputs": [{"name": o.name, "type": o.type, "bits": len(o.wires)}
                        for o in circuit.outputs],
            "enclave_pcr0s": pcr0s, "input_key_sha256": hashlib.sha256(key).hexdigest()})
        self._s.write(_INPUT_KEY, key)
        self._s.write(_WRAPPED_KEY, wrapped)

    def _summary(self) -> dict[str, Any]:
        summary = self._s.read_json(_SUMMARY)
        assert summary is not None  # call() checked the contract exists
        return summary

    def _party_of(self, summary: dict[str, Any], caller: str) -> dict[str, Any]:
        for party in summary["parties"]:
            if party["address"] == caller.lower():
                return party
        raise _revert("CircuitUnauthorizedParty", ("address", caller))

    def _input_hashes(self, summary: dict[str, Any]) -> dict[str, str | None]:
        hashes = {}
        for party in summary["parties"]:
            stored = self._s.read(_hash_slot(party["name"]))
            hashes[party["name"]] = stored.hex() if stored else None
        return hashes

    # -- functions (``_fn_<name>(caller, *args)``) --

    def _fn_submitInput(self, caller: str, ciphertext: object) -> dict[str, str]:  # noqa: N802
        """Store the caller's encrypted input (its party's, once, before evaluation)."""
        data = _b64(ciphertext, "ciphertext", ciphertext_size(MAX_PARTY_BITS))
        return self._run("submitInput", lambda: self._submit(caller, data))

    def _submit(self, caller: str, data: bytes) -> dict[str, str]:
        summary = self._summary()
        party = self._party_of(summary, caller)
        if self._s.read(_REQUESTED) is not None:
            raise _revert("CircuitEvaluationAlreadyRequested")
        if self._s.read(_hash_slot(party["name"])) is not None:
            raise _revert("CircuitInputAlreadySubmitted", ("string", party["name"]))
        expected = ciphertext_size(party["bits"])
        if len(data) != expected or not data.startswith(INPUT_MAGIC):
            raise _revert("CircuitMalformedInput", ("string", party["name"]),
                          ("uint256", expected))
        digest = hashlib.sha256(data).digest()
        self._s.write(_input_slot(party["name"]), data)
        self._s.write(_hash_slot(party["name"]), digest)
        self._emit("InputSubmitted", {"party": party["name"], "submitter": caller,
                                      "ciphertext_sha256": digest.hex()})
        return {"party": party["name"], "ciphertext_sha256": digest.hex()}

    def _fn_inputStatus(self, _caller: str) -> dict[str, Any]:  # noqa: N802
        return self._run("inputStatus", self._status)

    def _status(self) -> dict[str, Any]:
        summary = self._summary()
        hashes = self._input_hashes(summary)
        return {"parties": {p["name"]: {"address": p["address"],
                                        "submitted": hashes[p["name"]] is not None,
                                        "ciphertext_sha256": hashes[p["name"]]}
                            for p in summary["parties"]},
                "complete": all(hashes.values()),
                "requested": self._s.read(_REQUESTED) is not None,
                "recorded": self._s.read(_RESULT) is not None}

    def _fn_circuitInfo(self, _caller: str) -> dict[str, Any]:  # noqa: N802
        """What a party needs to encrypt its input (the circuit itself is in the contract's
        init arguments; its hash is here)."""
        return self._run("circuitInfo", self._info)

    def _info(self) -> dict[str, Any]:
        summary = self._summary()
        key = self._s.read(_INPUT_KEY) or b""
        return {"contract": self._address, "circuit_hash": summary["circuit_hash"],
                "gates": summary["gates"], "parties": summary["parties"],
                "outputs": summary["outputs"], "enclave_pcr0s": summary["enclave_pcr0s"],
                "input_public_key": base64.b64encode(key).decode()}

    def _fn_result(self, _caller: str) -> dict[str, Any] | None:
        return self._run("result", lambda: self._s.read_json(_RESULT))

    def _fn_requestEvaluation(self, caller: str) -> None:  # noqa: N802
        """Ask for the evaluation (a party, once, with every input in); the requester pays
        for the gates the enclave will evaluate."""
        self._run("requestEvaluation", lambda: self._request(caller))

    def _request(self, caller: str) -> None:
        summary = self._summary()
        self._party_of(summary, caller)
        if self._s.read(_REQUESTED) is not None:
            raise _revert("CircuitEvaluationAlreadyRequested")
        hashes = self._input_hashes(summary)
        missing = [name for name, digest in hashes.items() if digest is None]
        if missing:
            raise _revert("CircuitInputsMissing", ("string[]", missing))
        self._gas.charge(summary["gates"] * GATE_GAS * EVALUATION_MULTIPLIER,
                         "privacy_evaluation")
        self._s.write(_REQUESTED, bytes.fromhex(caller[2:]))
        self._emit("EvaluationRequested", {
            "contract": self._address, "requester": caller,
            "circuit_hash": summary["circuit_hash"], "inputs": hashes,
            "gates": summary["gates"]})

    def _fn_recordResult(self, _caller: str, statement: object,  # noqa: N802
                         document: object) -> dict[str, Any]:
        """Record the enclave's attested result (anyone may relay it: it proves itself)."""
        if not isinstance(statement, dict):
            raise EngineValidationError("statement must be an object", "statement")
        try:
            canonical = rfc8785.dumps(statement)
        except (rfc8785.CanonicalizationError, TypeError, ValueError):
            raise EngineValidationError("statement is not canonicalisable JSON",
                                        "statement") from None
        if len(canonical) > MAX_STATEMENT_BYTES:
            raise EngineValidationError(f"statement is over {MAX_STATEMENT_BYTES} bytes",
                                        "statement")
        raw = _b64(document, "document", MAX_DOCUMENT_BYTES)
        return self._run("recordResult", lambda: self._record(statement, canonical, raw))

    def _record(self, statement: dict[str, Any], canonical: bytes,
                raw: bytes) -> dict[str, Any]:
        if self._s.read(_RESULT) is not None:
            raise _revert("CircuitResultAlreadyRecorded")
        if self._s.read(_REQUESTED) is None:
            raise _revert("CircuitEvaluationNotRequested")
        summary = self._summary()
        pcr0, development, attested_at = self._verified(raw, statement_user_data(statement),
                                                        summary)
        mismatch = _statement_mismatch(statement, summary, self._address,
                                       self._input_hashes(summary))
        if mismatch:
            raise _revert("CircuitStatementMismatch", ("string", mismatch))
        result = {"status": statement["status"], "outputs": statement["outputs"],
                  "invalid_inputs": statement["invalid_inputs"], "pcr0": pcr0,
                  "development": development, "attested_at": attested_at,
                  "statement_sha256": hashlib.sha256(canonical).hexdigest()}
        self._s.write_json(_RESULT, result)
        self._emit("ResultRecorded", {"contract": self._address, **result})
        return result

    def _verified(self, raw: bytes, user_data: bytes,
                  summary: dict[str, Any]) -> tuple[str, bool, str]:
        """(PCR0, anchored in a development root, attestation time) of a valid document
        binding this statement, from an allowed image not in debug mode."""
        try:
            verified = verify_document(
                raw, at=self._now, max_age=RESULT_MAX_AGE,
                trusted_roots=(*aws_roots(), *self._roots),
                expected_user_data=user_data)
        except AttestationInvalid as error:
            raise _revert("CircuitInvalidAttestation", ("string", error.reason)) from None
        if verified.debug_mode:
            raise _revert("CircuitInvalidAttestation", ("string", "debug_mode"))
        pcr0 = verified.document.pcrs.get(0, b"").hex()
        if pcr0 not in summary["enclave_pcr0s"]:
            raise _revert("CircuitEnclaveNotAllowed", ("string", pcr0))
        return pcr0, verified.development, iso_utc(verified.document.timestamp)


# --- validation of init arguments and statements ------------------------------------------

def _party_addresses(parties: object, circuit: Circuit) -> dict[str, str]:
    names = {party.name for party in circuit.parties}
    if not isinstance(parties, Mapping) or set(parties) != names:
        raise EngineValidationError(
            f"parties must map exactly the circuit's parties {sorted(names)} to addresses",
            "parties")
    addresses = {name: parse_address(value, f"parties/{name}").lower()
                 for name, value in parties.items()}
    if ZERO_ADDRESS.lower() in addresses.values():
        raise EngineValidationError("a party cannot be the zero address", "parties")
    if len(set(addresses.values())) != len(addresses):
        raise EngineValidationError("each party needs its own address", "parties")
    return addresses


def _pcr0s(value: object) -> list[str]:
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_PCR0S or not all(
            isinstance(item, str) and _PCR0.fullmatch(item.lower()) for item in value):
        raise EngineValidationError(
            f"enclave_pcr0s must list 1 to {MAX_PCR0S} PCR0s (96 hex digits each)",
            "enclave_pcr0s")
    return sorted({item.lower() for item in value})


def _statement_mismatch(statement: dict[str, Any], summary: dict[str, Any], address: str,
                        hashes: dict[str, str | None]) -> str | None:
    """The first statement field that does not match this contract, or None."""
    if set(statement) != RESULT_FIELDS:
        return "fields"
    expected = {"format": RESULT_FORMAT, "contract": address,
                "circuit_hash": summary["circuit_hash"],
                "input_key_sha256": summary["input_key_sha256"], "inputs": hashes}
    for field, value in expected.items():
        if statement[field] != value:
            return field
    if statement["status"] == "evaluated":
        return _evaluated_mismatch(statement, summary)
    if statement["status"] == "rejected":
        names = [party["name"] for party in summary["parties"]]
        invalid = statement["invalid_inputs"]
        if (not isinstance(invalid, list) or not invalid or invalid != sorted(set(invalid))
                or not set(invalid) <= set(names)):
            return "invalid_inputs"
        return None if statement["outputs"] is None and statement["gates"] == 0 else "outputs"
    return "status"


def _evaluated_mismatch(statement: dict[str, Any], summary: dict[str, Any]) -> str | None:
    if statement["invalid_inputs"] != []:
        return "invalid_inputs"
    if statement["gates"] != summary["gates"]:
        return "gates"
    outputs = statement["outputs"]
    specs = {output["name"]: output for output in summary["outputs"]}
    if not isinstance(outputs, dict) or set(outputs) != set(specs):
        return "outputs"
    for name, value in outputs.items():
        if not _output_fits(specs[name], value):
            return f"outputs/{name}"
    return None


def _output_fits(spec: dict[str, Any], value: object) -> bool:
    if spec["type"] == "bool":
        return isinstance(value, bool)
    return (isinstance(value, str) and _DECIMAL.fullmatch(value) is not None
            and int(value) < 1 << spec["bits"])
