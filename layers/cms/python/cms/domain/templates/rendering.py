"""Rendering template bodies (Markdown with Jinja syntax) so that a body can neither reach
Python internals nor spend more than its render's budget, whatever the variables.

Three layers. Jinja's ImmutableSandboxedEnvironment refuses unsafe attributes (``__class__``,
``mro``…) and mutation. Every body is checked *before* it is ever rendered against an
allowlist of syntax: variables, attribute and item access, ``if``, ``for`` (no ``range``, no
calls, no macros, no recursion, no includes), comparisons, ``+ - * /``, a few filters; and
against limits on its shape, so that parsing and compiling it stay within the interpreter's
stack: brackets, blocks and expressions nest boundedly, a tag has a bounded number of tokens,
a number literal a bounded number of digits. Then every step it takes while rendering is
metered (cms.domain.templates.metered, .budget): steps, the size of each value it builds and
of all of them, the output, and the time. A limit reached is ``RenderLimitExceeded`` (422
``render_limit_exceeded``), never a stuck or exhausted function.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from jinja2 import Template, TemplateSyntaxError, nodes
from jinja2.exceptions import TemplateError
from jinja2.runtime import StrictUndefined, Undefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

from cms.domain.errors import RenderLimitExceeded
from cms.domain.templates.budget import DEFAULT_LIMITS, RenderBudget, RenderLimits, current
from cms.domain.templates.budget import metered as metered_budget
from cms.domain.templates.metered import (
    ARITHMETIC,
    arithmetic,
    finalize,
    metered_filters,
    metered_tests,
    metered_tree,
    negation,
)

MAX_BODY_CHARS = 64 * 1024
MAX_OUTPUT_CHARS = DEFAULT_LIMITS.output_chars
MAX_LOOP_DEPTH = 3
MAX_BRACKET_DEPTH = 20
# Jinja's parser recurses per nested block and per operator of some chains (``not not …``,
# ``a if b else c if …``), its compiler per tree level, and Python's compiler refuses more
# than 200 nested brackets in the code Jinja generates: these keep all three far from a limit.
MAX_BLOCK_DEPTH = 16
MAX_TAG_TOKENS = 128
MAX_TREE_DEPTH = 64
# Parsing and compiling cost ~0.1 ms per token inside tags (Jinja's parser descends a dozen
# precedence levels per operand, and the code it generates is long): at most ~0.5 s a body.
MAX_TAGS = 1000
MAX_TOKENS = 4000
MAX_NUMBER_DIGITS = 32  # Python refuses to read integers of more than 4,300 digits anyway

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
# Tags that open a block closed by an ``end…`` tag (``set`` too, without ``=``): counted for
# MAX_BLOCK_DEPTH before parsing, whether or not the allowlist takes them afterwards.
_OPENING_TAGS = frozenset({"if", "for", "macro", "call", "filter", "block", "with",
                           "autoescape", "trans"})


class TemplateBodyError(ValueError):
    """The body is not allowed (or not renderable); ``line`` where Jinja knows it."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message if line is None else f"line {line}: {message}")
        self.line = line


class _Environment(ImmutableSandboxedEnvironment):
    # Every operator goes through call_binop/call_unop, where it is metered (and cannot be
    # folded at compile time, outside any budget).
    intercepted_binops = frozenset({*ARITHMETIC, "//", "%", "**"})
    intercepted_unops = frozenset({"-", "+"})

    def getattr(self, obj: Any, attribute: str) -> Any:
        current().charge()
        # Variables are JSON: ``terms.items`` means the member "items", not dict.items.
        if isinstance(obj, dict):
            return obj[attribute] if attribute in obj else self.undefined(obj=obj,
                                                                          name=attribute)
        return self._no_methods(obj, attribute, super().getattr(obj, attribute))

    def getitem(self, obj: Any, argument: Any) -> Any:
        budget = current()
        budget.charge()
        value = self._no_methods(obj, argument, super().getitem(obj, argument))
        # A slice is a new value (a copy of part of the old one).
        return budget.produce(value) if isinstance(argument, slice) else value

    def _no_methods(self, obj: Any, name: Any, value: Any) -> Any:
        if callable(value) and not isinstance(value, Undefined):
            # No method objects (str.format comes back wrapped, past is_safe_attribute).
            return self.unsafe_undefined(obj, str(name))
        return value

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        return arithmetic(operator, left, right)

    def call_unop(self, context: Any, operator: str, arg: Any) -> Any:
        return negation(operator, arg)


# optimized=False: no constant folding at compile time, where no budget is in force.
_ENV = _Environment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True,
                    optimized=False, finalize=finalize)
_ENV.globals.clear()  # no range, lipsum, cycler, joiner, namespace, dict
_ENV.filters = metered_filters(_ENV.filters)
_ENV.tests = metered_tests({name: _ENV.tests[name] for name in ALLOWED_TESTS})


def check_body(body: str) -> None:
    """Refuse a body using anything outside the allowlist, or shaped beyond the limits
    (raises TemplateBodyError); a body that passes compiles."""
    _compiled(body)


@lru_cache(maxsize=64)
def _compiled(body: str) -> Template:
    """Checked and compiled once per body (compiling costs milliseconds, rendering µs)."""
    tree = _checked_tree(body)
    try:
        return _ENV.from_string(metered_tree(tree))
    except (SyntaxError, RecursionError, MemoryError):  # Python's compiler's own limits
        raise TemplateBodyError("the body is too complex to compile") from None


def _checked_tree(body: Any) -> nodes.Template:
    if not isinstance(body, str) or not body.strip():
        raise TemplateBodyError("the body must be non-empty text")
    if len(body) > MAX_BODY_CHARS:
        raise TemplateBodyError(f"the body is longer than {MAX_BODY_CHARS} characters")
    if _bracket_depth(body) > MAX_BRACKET_DEPTH:
        # Jinja's parser recurses (~14 frames) per bracket, and py_ecc may have raised the
        # recursion limit so far that too deep a body would overflow the C stack.
        raise TemplateBodyError(f"brackets nest deeper than {MAX_BRACKET_DEPTH}")
    try:
        _check_tokens(body)
        tree = _ENV.parse(body)
    except TemplateSyntaxError as error:
        raise TemplateBodyError(error.message or "syntax error", error.lineno) from None
    except TemplateBodyError:
        raise
    except (RecursionError, ValueError):
        raise TemplateBodyError("the body nests too deeply") from None
    if _tree_depth(tree) > MAX_TREE_DEPTH:
        raise TemplateBodyError(f"expressions and blocks nest deeper than {MAX_TREE_DEPTH} "
                                "levels")
    _check_node(tree, loop_depth=0)
    return tree


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


def _check_tokens(body: str) -> None:
    """The shape the parser meets, from the lexer's tokens (the lexer does not recurse)."""
    depth, in_tag, tokens, block, assigns, tags, total = 0, False, 0, None, False, 0, 0
    for line, kind, value in _ENV.lex(body):
        if kind in ("block_begin", "variable_begin"):
            tags += 1
            if tags > MAX_TAGS:
                raise TemplateBodyError(f"the body has more than {MAX_TAGS} tags", line)
            in_tag, tokens, block, assigns = True, 0, "" if kind == "block_begin" else None, False
        elif kind in ("block_end", "variable_end"):
            in_tag = False
            if block in _OPENING_TAGS or (block == "set" and not assigns):
                depth += 1
                if depth > MAX_BLOCK_DEPTH:
                    raise TemplateBodyError(f"blocks nest deeper than {MAX_BLOCK_DEPTH}", line)
            elif block is not None and block.startswith("end"):
                depth -= 1
        elif in_tag and kind != "whitespace":
            tokens, total = tokens + 1, total + 1
            if total > MAX_TOKENS:
                raise TemplateBodyError(f"the body's tags have more than {MAX_TOKENS} tokens",
                                        line)
            if tokens > MAX_TAG_TOKENS:
                raise TemplateBodyError(f"a tag has more than {MAX_TAG_TOKENS} tokens", line)
            if kind in ("integer", "float") and len(value) > MAX_NUMBER_DIGITS:
                raise TemplateBodyError(f"a number has more than {MAX_NUMBER_DIGITS} digits",
                                        line)
            if block == "" and kind == "name":
                block = value  # the tag's name: its first token
            assigns = assigns or (kind == "operator" and value == "=")


def _tree_depth(tree: nodes.Node) -> int:
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth <= MAX_TREE_DEPTH:
            stack.extend((child, depth + 1) for child in node.iter_child_nodes())
    return deepest


def _check_node(node: nodes.Node, loop_depth: int) -> None:
    line = getattr(node, "lineno", None)
    if not isinstance(node, ALLOWED_NODES):
        raise TemplateBodyError(f"'{type(node).__name__}' is not allowed in a template body "
                                "(no calls, macros, includes, imports, blocks or "
                                "'**'/'//'/'%')", line)
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


def render(body: str, variables: dict[str, Any], limits: RenderLimits = DEFAULT_LIMITS) -> str:
    """The body with ``variables``, within the budget in force (a new one with ``limits``
    if none is): TemplateBodyError if it cannot render them, RenderLimitExceeded past a
    limit."""
    template = _compiled(body)
    with metered_budget(limits) as budget:
        budget.size_of(variables)  # measured once: every part's size is then known
        try:
            return _bounded(template.generate(**variables), budget)
        except (TemplateBodyError, RenderLimitExceeded):
            raise
        except (TemplateError, TypeError, ValueError, ArithmeticError, LookupError) as error:
            raise TemplateBodyError(f"rendering failed: {error}") from None


def _bounded(chunks: Iterator[str], budget: RenderBudget) -> str:
    parts, size, limit = [], 0, budget.limits.output_chars
    for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise RenderLimitExceeded(f"the rendered document exceeds {limit} characters",
                                      "output_size")
        parts.append(chunk)
    return "".join(parts)
