"""A validation problem points (RFC 6901) at the place in the body the client sent: never at
pydantic's names for union members, and at a missing required member by its name."""

from __future__ import annotations

import pytest

from cms.api.problems import _validation_item


def pointer(loc: tuple, body: object) -> str:
    return _validation_item({"loc": ("body", *loc), "msg": "bad", "type": "x"}, body)["pointer"]


@pytest.mark.parametrize(("loc", "body", "expected"), [
    (("name",), {"name": 3}, "/name"),
    (("items", 1, "size"), {"items": [{}, {"size": -1}]}, "/items/1/size"),
    (("init_args", "kind circuit", "circuit"), {"init_args": {"kind": "circuit"}},
     "/init_args/circuit"),
    (("value", "dict[str,any]", "a/b~c"), {"value": {"a/b~c": 1}}, "/value/a~1b~0c"),
    (("functions", "a-b", "[key]"), {"functions": {"a-b": {}}}, "/functions"),
    (("rules", 0, "zz"), {"rules": [{"zz": 1}]}, "/rules/0/zz"),
])
def test_the_pointer_names_the_place_in_the_body_as_sent(loc, body, expected):
    assert pointer(loc, body) == expected


def test_a_parameter_is_named_by_where_it_came_from():
    item = {"loc": ("query", "limit"), "msg": "too big", "type": "less_than_equal"}
    assert _validation_item(item)["pointer"] == "query:limit"
