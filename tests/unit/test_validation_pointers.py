"""A validation problem points (RFC 6901) at the place in the body the client sent: never at
pydantic's names for union members, and at a missing required member by its name."""

from __future__ import annotations

import pytest

from cms.api.problems import _validation_item


def pointer(loc: tuple, body: object, kind: str = "x") -> str:
    item = {"loc": ("body", *loc), "msg": "bad", "type": kind}
    return _validation_item(item, body)["pointer"]


def test_a_missing_required_member_is_named():
    assert pointer(("init_args", "kind circuit", "circuit"), {"init_args": {"kind": "circuit"}},
                   "missing") == "/init_args/circuit"
    assert pointer(("a", "[key]"), {"a": {}}, "missing") == "/a/[key]"


@pytest.mark.parametrize(("loc", "body", "expected"), [
    (("name",), {"name": 3}, "/name"),
    (("supply", "constrained-str"), {"supply": {}}, "/supply"),
    (("gates", 0, 0, "literal['AND','XOR']"), {"gates": [[{}, 0, 1]]}, "/gates/0/0"),
    (("items", 1, "size"), {"items": [{}, {"size": -1}]}, "/items/1/size"),
    (("init_args", "kind circuit", "size"), {"init_args": {"kind": "circuit", "size": "x"}},
     "/init_args/size"),
    (("value", "dict[str,any]", "a/b~c"), {"value": {"a/b~c": 1}}, "/value/a~1b~0c"),
    (("functions", "a-b", "[key]"), {"functions": {"a-b": {}}}, "/functions"),
    (("rules", 0, "zz"), {"rules": [{"zz": 1}]}, "/rules/0/zz"),
])
def test_the_pointer_names_the_place_in_the_body_as_sent(loc, body, expected):
    assert pointer(loc, body) == expected


def test_a_parameter_is_named_by_where_it_came_from():
    item = {"loc": ("query", "limit"), "msg": "too big", "type": "less_than_equal"}
    assert _validation_item(item)["pointer"] == "query:limit"
