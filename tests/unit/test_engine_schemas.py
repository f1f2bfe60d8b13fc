"""The engine's wire schemas against the engine: the limits they repeat are the engine's, every
cursor of the documented shape is a position, every error a result can carry has its code in
the schema, and what the service answers fits the response models."""

from __future__ import annotations

import typing

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cms.api.schemas import engine as schemas
from cms.api.schemas import engine_deploy, engine_manifest
from cms.bootstrap import MemoryServices
from cms.domain.engine import circuit_contract, erc20
from cms.domain.engine.errors import (
    ContractReverted,
    EngineValidationError,
    ExecutionTimeout,
    GasExhausted,
    StorageError,
)
from cms.domain.engine.records import CONTRACT_KINDS
from cms.domain.engine.storage import HISTORY_CURSOR_PATTERN
from cms.domain.engine.unified import ContractBusy, problem_of
from cms.domain.engine.wasm import abi, limits
from cms.domain.identity import Caller
from cms.services.engine import ContractDeployment

OWNER = Caller("did:pkh:eip155:1:0x5B38Da6a701c568545dCfcB03FcB875f56beddC4")


def test_the_schemas_repeat_the_engines_limits():
    assert set(typing.get_args(engine_manifest.WasmType)) == abi.TYPES
    assert engine_manifest.MAX_FUNCTIONS == limits.MAX_FUNCTIONS
    assert engine_manifest.MAX_PARAMS == limits.MAX_PARAMS
    assert engine_manifest.MAX_NAME_LENGTH == limits.MAX_NAME_LENGTH
    assert schemas.MAX_INPUT_BYTES == limits.MAX_INPUT_BYTES
    assert engine_deploy.MAX_TEXT_LENGTH == erc20.MAX_TEXT_LENGTH
    assert engine_deploy.MAX_PCR0S == circuit_contract.MAX_PCR0S
    assert set(typing.get_args(schemas.ContractKind)) == set(CONTRACT_KINDS)


def test_every_failure_a_result_carries_has_its_code_in_the_schema():
    failures = [ContractReverted("Error", ["string"], ["no"]), GasExhausted(10, 9, 2),
                ExecutionTimeout("late"), EngineValidationError("bad", "args"),
                ContractBusy("busy"), StorageError("down")]
    for failure in failures:
        error = schemas.ExecutionError.model_validate(problem_of(failure))
        assert set(error.model_dump(exclude_none=True)) == set(problem_of(failure))


ENGINE = MemoryServices().engine
TOKEN = ENGINE.deploy(OWNER, ContractDeployment(
    "erc20", init_args={"name": "T", "symbol": "T"})).metadata.address


@settings(max_examples=50, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cursor=st.from_regex(HISTORY_CURSOR_PATTERN, fullmatch=True))
def test_every_cursor_of_the_documented_shape_is_a_position(cursor):
    page = ENGINE.history(TOKEN, 10, cursor)
    assert all(f"{r.timestamp}_{r.execution_id}" < cursor for r in page.records)
    schemas.ExecutionHistory.model_validate(page.to_json())
