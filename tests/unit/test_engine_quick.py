"""The engine's fast paths keep their slow paths' meaning: ``quick_init`` builds the same
frozen objects, the accepted-address cache never admits what the checks refuse, the
ERC20 argument fast path refuses what the slow one does, and overlays read as before."""

from __future__ import annotations

import dataclasses

import pytest

from cms.domain.engine.erc20 import FUNCTIONS, parse_address
from cms.domain.engine.errors import EngineValidationError
from cms.domain.engine.kinds import Invocation
from cms.domain.engine.quick import quick_init
from cms.domain.engine.records import ContractStats, ExecutionRecord, MinuteStats
from cms.domain.engine.state import MemoryState, ReadOnlyState, StagedState
from cms.domain.engine.unified import ExecutionResult

CHECKSUMMED = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"


@quick_init
@dataclasses.dataclass(frozen=True)
class Sample:
    name: str
    count: int = 3
    items: list[int] = dataclasses.field(default_factory=list)


def test_quick_init_keeps_parameters_defaults_factories_and_frozenness():
    first, second = Sample("a"), Sample("a", 3)
    assert first == second and repr(first) == "Sample(name='a', count=3, items=[])"
    assert hash(Sample("a", 3, None)) == hash(Sample("a", 3, None))  # type: ignore[arg-type]
    assert first.items == [] and first.items is not second.items  # a fresh list each time
    assert Sample(name="b", items=[1]).items == [1] and Sample("c", count=5).count == 5
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.name = "b"  # type: ignore[misc]
    with pytest.raises(TypeError):
        Sample()  # type: ignore[call-arg]
    assert dataclasses.replace(first, count=9) == Sample("a", 9)


def test_quick_init_refuses_what_it_would_not_reproduce():
    @dataclasses.dataclass(frozen=True)
    class Checked:
        value: int

        def __post_init__(self) -> None: ...

    with pytest.raises(TypeError):
        quick_init(Checked)


@pytest.mark.parametrize("cls", [ExecutionRecord, ExecutionResult, ContractStats, MinuteStats,
                                 Invocation])
def test_the_engine_s_hot_records_still_take_their_documented_fields(cls):
    fields = dataclasses.fields(cls)
    required = [f.name for f in fields if f.default is dataclasses.MISSING
                and f.default_factory is dataclasses.MISSING]
    built = cls(**{name: index for index, name in enumerate(required)})
    assert [getattr(built, name) for name in required] == list(range(len(required)))
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(built, fields[0].name, None)


def test_a_cached_address_never_admits_a_bad_spelling():
    assert parse_address(CHECKSUMMED.lower(), "to") == CHECKSUMMED
    assert parse_address(CHECKSUMMED, "to") == CHECKSUMMED
    wrong = CHECKSUMMED[:-1] + "D"  # mixed case with a broken checksum
    for _ in range(2):  # refused again and again, never cached
        with pytest.raises(EngineValidationError, match="checksum"):
            parse_address(wrong, "to")
    with pytest.raises(EngineValidationError, match="to must be"):
        parse_address(CHECKSUMMED[:-1], "to")


def test_erc20_arguments_refuse_the_same_way_on_the_fast_path():
    transfer = FUNCTIONS["transfer"]
    assert transfer.parse({"to": CHECKSUMMED.lower(), "value": "7"}) == [CHECKSUMMED, 7]
    with pytest.raises(EngineValidationError, match="no argument 'amount'"):
        transfer.parse({"to": CHECKSUMMED, "amount": 1})  # as many names, not the same
    with pytest.raises(EngineValidationError, match="needs argument 'value'"):
        transfer.parse({"to": CHECKSUMMED})
    with pytest.raises(EngineValidationError) as refused:
        transfer.parse({"to": CHECKSUMMED, "value": -1})
    assert refused.value.field == "args/value"


def test_overlays_read_through_and_hide_removals():
    base = MemoryState({"a": b"1", "b": b"2"})
    inner = StagedState(ReadOnlyState(base.snapshot()))
    inner.remove("a")
    outer = StagedState(inner)
    outer.set("c", b"3")
    assert (outer.get("a"), outer.get("b"), outer.get("c"), outer.get("d")) == (
        None, b"2", b"3", None)
    outer.commit()
    assert inner.pending == {"a": None, "c": b"3"}
