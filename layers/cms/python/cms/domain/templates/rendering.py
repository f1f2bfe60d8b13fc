"""Rendering template bodies (Markdown with Jinja syntax) so that a body can neither reach
Python internals nor run without end.

Two layers. Jinja's ImmutableSandboxedEnvironment refuses unsafe attributes (``__class__``,
``mro``…) and mutation; on top, every body is checked *before* it is ever rendered against an
allowlist of syntax: variables, attribute and item access, ``if``, ``for`` over the variables
(no ``range``, no calls, no macros, no recursion, no includes), comparisons, ``+ - /``, a few
filters, and ``*`` on numbers only. Without calls or recursion a loop can only walk a list the
caller supplied, whose size the variables' schema bounds; loops nest at most three deep and the
output is capped, so rendering always ends quickly.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from jinja2 import Template, TemplateSyntaxError, nodes
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.runtime import StrictUndefined, Undefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

MAX_BODY_CHARS = 64 * 1024
MAX_OUTPUT_CHARS = 256 * 1024
MAX_LOOP_DEPTH = 3
MAX_BRACKET_DEPTH = 20
MAX_NUMBER = 10**15

ALLOWED_NODES = (
    nodes.Template, nodes.Output, nodes.TemplateData, nodes.Name, nodes.Const, nodes.Getattr,
    nodes.Getitem, nodes.Slice, nodes.For, nodes.If, nodes.CondExpr, nodes.Compare,
    nodes.Operand, nodes.And, nodes.Or, nodes.Not, nodes.Neg, nodes.Pos, nodes.Add, nodes.Sub,
    nodes.Div, nodes.Mul, nodes.Concat, nodes.Filter, nodes.Test, nodes.List, nodes.Tuple,
    nodes.Assign, nodes.Keyword,
)
ALLOWED_FILTERS = frozenset({
    "upper", "lower", "title", "capitalize", "trim", "default", "join", "length", "round",
    "int", "float", "string", "first", "last", "sort", "unique", "abs", "replace",
})
ALLOWED_TESTS = frozenset({"defined", "undefined", "none", "number", "string", "sequence",
                           "mapping", "boolean", "true", "false", "eq", "ne", "lt", "le", "gt",
                           "ge", "in"})


class TemplateBodyError(ValueError):
    """The body is not allowed (or not renderable); ``line`` where Jinja knows it."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message if line is None else f"line {line}: {message}")
        self.line = line


class _Environment(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*"})

    def getattr(self, obj: Any, attribute: str) -> Any:
        # Variables are JSON: ``terms.items`` means the member "items", not dict.items.
        if isinstance(obj, dict):
            return obj[attribute] if attribute in obj else self.undefined(obj=obj,
                                                                          name=attribute)
        value = super().getattr(obj, attribute)
        if callable(value) and not isinstance(value, Undefined):
            # No method objects (str.format comes back wrapped, past is_safe_attribute).
            return self.unsafe_undefined(obj, attribute)
        return value

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        # '*' on strings or lists would build arbitrarily large values from small ones.
        if not (_is_number(left) and _is_number(right)):
            raise SecurityError("'*' multiplies numbers only")
        result = left * right
        if abs(result) > MAX_NUMBER:
            raise SecurityError(f"'*' result beyond ±{MAX_NUMBER}")
        return result


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


_ENV = _Environment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)
_ENV.globals.clear()  # no range, lipsum, cycler, joiner, namespace, dict
_ENV.filters = {name: _ENV.filters[name] for name in ALLOWED_FILTERS}
_ENV.tests = {name: _ENV.tests[name] for name in ALLOWED_TESTS}


def check_body(body: str) -> None:
    """Refuse a body using anything outside the allowlist (raises TemplateBodyError)."""
    if not isinstance(body, str) or not body.strip():
        raise TemplateBodyError("the body must be non-empty text")
    if len(body) > MAX_BODY_CHARS:
        raise TemplateBodyError(f"the body is longer than {MAX_BODY_CHARS} characters")
    if _bracket_depth(body) > MAX_BRACKET_DEPTH:
        # Jinja's parser recurses (~14 frames) per bracket, and py_ecc may have raised the
        # recursion limit so far that too deep a body would overflow the C stack.
        raise TemplateBodyError(f"brackets nest deeper than {MAX_BRACKET_DEPTH}")
    try:
        tree = _ENV.parse(body)
    except TemplateSyntaxError as error:
        raise TemplateBodyError(error.message or "syntax error", error.lineno) from None
    except RecursionError:
        raise TemplateBodyError("the body nests too deeply") from None
    _check_node(tree, loop_depth=0)


def _bracket_depth(text: str) -> int:
    """Deepest nesting of (), [] and {} anywhere in the text (over-counts brackets in prose
    and strings, which only makes the bound stricter)."""
    depth = deepest = 0
    for char in text:
        if char in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")]}":
            depth = max(0, depth - 1)
    return deepest


def _check_node(node: nodes.Node, loop_depth: int) -> None:
    line = getattr(node, "lineno", None)
    if not isinstance(node, ALLOWED_NODES):
        raise TemplateBodyError(f"'{type(node).__name__}' is not allowed in a template body "
                                "(no calls, macros, includes, imports, blocks or '**'/'%')",
                                line)
    if isinstance(node, nodes.Name) and node.name.startswith("_"):
        raise TemplateBodyError(f"name '{node.name}' is not allowed", line)
    if isinstance(node, nodes.Getattr) and node.attr.startswith("_"):
        raise TemplateBodyError(f"attribute '{node.attr}' is not allowed", line)
    if isinstance(node, nodes.Filter) and node.name not in ALLOWED_FILTERS:
        raise TemplateBodyError(f"filter '{node.name}' is not allowed", line)
    if isinstance(node, nodes.Test) and node.name not in ALLOWED_TESTS:
        raise TemplateBodyError(f"test '{node.name}' is not allowed", line)
    if isinstance(node, nodes.For):
        if node.recursive:
            raise TemplateBodyError("recursive loops are not allowed", line)
        loop_depth += 1
        if loop_depth > MAX_LOOP_DEPTH:
            raise TemplateBodyError(f"loops nest deeper than {MAX_LOOP_DEPTH}", line)
    for child in node.iter_child_nodes():
        _check_node(child, loop_depth)


def render(body: str, variables: dict[str, Any]) -> str:
    """The body with ``variables``; the body must have passed ``check_body``."""
    try:
        chunks = _compiled(body).generate(**variables)
        return _bounded(chunks)
    except TemplateBodyError:
        raise
    except (UndefinedError, SecurityError, TypeError, ValueError, ArithmeticError,
            LookupError) as error:
        raise TemplateBodyError(f"rendering failed: {error}") from None


@lru_cache(maxsize=64)
def _compiled(body: str) -> Template:
    """Checked and compiled once per body (compiling costs milliseconds, rendering µs)."""
    check_body(body)
    return _ENV.from_string(body)


def _bounded(chunks: Iterator[str]) -> str:
    parts, size = [], 0
    for chunk in chunks:
        size += len(chunk)
        if size > MAX_OUTPUT_CHARS:
            raise TemplateBodyError(f"the rendered document exceeds {MAX_OUTPUT_CHARS} "
                                    "characters")
        parts.append(chunk)
    return "".join(parts)
