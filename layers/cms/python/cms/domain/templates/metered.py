"""The template sandbox's metered operations: each filter, test, operator, literal and loop a
body can use charges the render's budget (cms.domain.templates.budget) and refuses to build a
value past its limits *before* building it.

Operators reach the environment's hooks (``call_binop``, ``getitem``…); the rest is routed
here by rewriting a checked body's syntax tree (``metered_tree``): ``~`` becomes
``cms:concat``, list and tuple literals ``cms:collect``, comparisons ``cms:compare`` and a
loop's iterable ``cms:iterate``. Those names cannot be written in a body (the checker allows
only its listed filters, and Jinja's grammar no ``:`` in a name), so only the rewrite uses them.
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Callable, Iterator
from typing import Any

from jinja2 import nodes
from jinja2.exceptions import SecurityError

from cms.domain.templates.budget import RenderBudget, current

# str() of a list or object: quotes, commas and escapes around each member (a character that
# needs \U escaping takes ten).
TEXT_PER_SIZE = 10
NUMBER_TEXT = 32  # the longest str() of a number a render can hold
MAX_ROUND_DIGITS = 15  # round(x, n, "ceil") computes 10**n
COMPARISONS: dict[str, Callable[[Any, Any], Any]] = {
    "eq": operator.eq, "ne": operator.ne, "lt": operator.lt, "lteq": operator.le,
    "gt": operator.gt, "gteq": operator.ge, "in": lambda a, b: a in b,
    "notin": lambda a, b: a not in b}
ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}
_SEQUENCES = (str, list, tuple)


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def text_of(budget: RenderBudget, value: Any) -> str:
    """``str(value)``, refused before it is built if it could be too large."""
    if isinstance(value, str):
        return value
    if isinstance(value, list | tuple | dict):
        budget.check_size(TEXT_PER_SIZE * budget.size_of(value), "the text of a list")
        return budget.produce(str(value))
    return str(value)  # a number, a boolean, None; an undefined value raises


# ------------------------------------------------------------------ operators


def arithmetic(op: str, left: Any, right: Any) -> Any:
    budget = current()
    budget.charge()
    if op == "+" and isinstance(left, _SEQUENCES) and type(left) is type(right):
        budget.check_size(budget.size_of(left) + budget.size_of(right))
        return budget.produce(left + right)
    if op not in ARITHMETIC:
        raise SecurityError(f"'{op}' is not allowed")
    if not (is_number(left) and is_number(right)):
        raise SecurityError(f"'{op}' takes numbers" + (" (or two strings or two lists)"
                                                       if op == "+" else ""))
    return budget.number(ARITHMETIC[op](left, right))


def negation(op: str, value: Any) -> Any:
    budget = current()
    budget.charge()
    if not is_number(value):
        raise SecurityError(f"unary '{op}' takes a number")
    return budget.number(-value if op == "-" else +value)


def finalize(value: Any) -> str:
    """Every ``{{ … }}`` output."""
    budget = current()
    text = text_of(budget, value)
    budget.charge_for(text)
    return text


# ------------------------------------------------------------------ filters and tests


def _metered_filter(function: Callable[..., Any], guard: Callable[..., Any] | None = None,
                    result: str = "value") -> Callable[..., Any]:
    """``function`` with its arguments charged (and checked by ``guard`` first); its result
    accounted as built (``value``), checked as a number (``number``), or neither."""
    context = getattr(function, "jinja_pass_arg", None) is not None

    @functools.wraps(function)  # keeps jinja_pass_arg: Jinja passes the same arguments
    def run(*args: Any, **kwargs: Any) -> Any:
        budget = current()
        plain = args[1:] if context else args
        if guard is not None:
            guard(budget, *plain, **kwargs)
        budget.charge_for(*plain, *kwargs.values())
        value = function(*args, **kwargs)
        if result == "value" and not any(value is arg for arg in plain):
            if not isinstance(value, str | list | tuple):  # e.g. unique's generator
                value = list(value)
            return budget.produce(value)
        return budget.number(value) if result == "number" else value

    return run


def _text_guard(budget: RenderBudget, value: Any, *_: Any, **__: Any) -> None:
    # upper() may lengthen text up to 3x ("ß" → "SS", "ﬃ" → "FFI"): refused before.
    budget.check_size(3 * len(text_of(budget, value)))


def _join_guard(budget: RenderBudget, value: Any, separator: Any = "",
                attribute: Any = None) -> None:
    if isinstance(value, dict | list | tuple | str):
        count = len(value)
        estimate = max(count - 1, 0) * len(text_of(budget, separator))
        members = value if isinstance(value, list | tuple) else ()
        estimate += sum(len(m) if isinstance(m, str) else
                        TEXT_PER_SIZE * budget.size_of(m) + NUMBER_TEXT for m in members)
        budget.check_size(estimate + (len(value) if isinstance(value, str | dict) else 0),
                          "a joined text")


def _replace_guard(budget: RenderBudget, text: Any, old: Any, new: Any,
                   count: Any = None) -> None:
    text, old, new = (text_of(budget, part) for part in (text, old, new))
    budget.charge_for(text)  # counting occurrences reads the text
    occurrences = text.count(old) if old else len(text) + 1
    if isinstance(count, int) and not isinstance(count, bool) and count >= 0:
        occurrences = min(occurrences, count)
    budget.check_size(len(text) + occurrences * max(len(new) - len(old), 0), "a replaced text")


def _round_guard(budget: RenderBudget, value: Any, precision: Any = 0, *_: Any,
                 **__: Any) -> None:
    if not isinstance(precision, int) or not -MAX_ROUND_DIGITS <= precision <= MAX_ROUND_DIGITS:
        raise SecurityError(f"round's precision must be an integer from -{MAX_ROUND_DIGITS} "
                            f"to {MAX_ROUND_DIGITS}")


def _sort_guard(budget: RenderBudget, value: Any, *_: Any, **__: Any) -> None:
    # n log n comparisons, each reading at most the items compared.
    count = len(value) if isinstance(value, list | tuple | dict | str) else 1
    budget.charge_for(value, factor=max(1, math.ceil(math.log2(max(count, 2)))))


_FILTERS: dict[str, tuple[Callable[..., Any] | None, str]] = {
    "upper": (_text_guard, "value"), "lower": (_text_guard, "value"),
    "title": (_text_guard, "value"), "capitalize": (_text_guard, "value"),
    "trim": (_text_guard, "value"), "string": (_text_guard, "value"),
    "join": (_join_guard, "value"), "replace": (_replace_guard, "value"),
    "sort": (_sort_guard, "value"), "unique": (None, "value"),
    "round": (_round_guard, "number"), "int": (None, "number"), "float": (None, "number"),
    "abs": (None, "number"), "length": (None, "as is"), "first": (None, "as is"),
    "last": (None, "as is"), "default": (None, "as is"),
}


def metered_filters(filters: dict[str, Callable[..., Any]]) -> dict[str, Callable[..., Any]]:
    """The allowed filters, metered (every allowed filter has its entry in ``_FILTERS``)."""
    metered = {name: _metered_filter(filters[name], *_FILTERS[name]) for name in _FILTERS}
    return {**metered, "cms:concat": concat, "cms:collect": collect,
            "cms:compare": compare, "cms:iterate": iterate}


def metered_tests(tests: dict[str, Callable[..., Any]]) -> dict[str, Callable[..., Any]]:
    return {name: _metered_filter(test, None, "as is") for name, test in tests.items()}


# ------------------------------------------------------------------ what the rewrite calls


def concat(parts: list[Any]) -> str:
    budget = current()
    texts = [text_of(budget, part) for part in parts]
    budget.check_size(sum(map(len, texts)), "a concatenated text")
    return budget.produce("".join(texts))


def collect(items: list[Any], kind: str = "list") -> list[Any] | tuple[Any, ...]:
    budget = current()
    return budget.produce(tuple(items) if kind == "tuple" else items)


def compare(operands: list[Any], *ops: str) -> bool:
    """A chain ``a < b < c`` as Jinja (and Python) reads it."""
    budget = current()
    outcome: Any = True
    for left, op, right in zip(operands, ops, operands[1:], strict=False):
        budget.charge_for(left, right)
        outcome = COMPARISONS[op](left, right)
        if not outcome:
            return outcome
    return outcome


def iterate(iterable: Any, steps_per_item: int) -> Iterator[Any]:
    """A loop's items, each charged the steps its body may take at most."""
    budget = current()
    for item in iterable:
        budget.charge(1 + steps_per_item)
        yield item


# ------------------------------------------------------------------ the rewrite


def metered_tree(tree: nodes.Template) -> nodes.Template:
    """A checked body's tree with its literals, ``~``, comparisons and loops metered."""
    rewritten = _rewrite(tree)
    rewritten.set_environment(tree.environment)
    return rewritten


def _internal(name: str, node: nodes.Expr, *args: Any, lineno: int) -> nodes.Filter:
    return nodes.Filter(node, name, [nodes.Const(arg) for arg in args], [], None, None,
                        lineno=lineno)


def _rewrite(node: Any) -> Any:
    for field, value in node.iter_fields():
        if isinstance(value, nodes.Node):
            setattr(node, field, _rewrite(value))
        elif isinstance(value, list):
            setattr(node, field, [_rewrite(item) if isinstance(item, nodes.Node) else item
                                  for item in value])
    line = node.lineno
    if isinstance(node, nodes.Concat):
        return _internal("cms:concat", nodes.List(node.nodes, lineno=line), lineno=line)
    if isinstance(node, nodes.List):
        return _internal("cms:collect", node, "list", lineno=line)
    if isinstance(node, nodes.Tuple) and node.ctx == "load":
        return _internal("cms:collect", nodes.List(node.items, lineno=line), "tuple",
                         lineno=line)
    if isinstance(node, nodes.Compare):
        operands = nodes.List([node.expr, *(operand.expr for operand in node.ops)],
                              lineno=line)
        return _internal("cms:compare", operands, *(operand.op for operand in node.ops),
                         lineno=line)
    if isinstance(node, nodes.For):
        node.iter = _internal("cms:iterate", node.iter, _node_count(node.body), lineno=line)
    return node


def _node_count(body: list[nodes.Node]) -> int:
    """How many nodes a loop's body has: the most one of its iterations can evaluate,
    besides the loops inside it (which charge their own iterations)."""
    count, stack = 0, list(body)
    while stack:
        node = stack.pop()
        count += 1
        stack.extend(node.iter_child_nodes())
    return count
