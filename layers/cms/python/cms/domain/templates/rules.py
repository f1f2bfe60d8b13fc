"""Cross-field rules a JSON Schema cannot say, declared as data so that admins can write them
in a template version. Each rule names its fields by JSON pointer; a rule whose fields are
absent (optional parts) does not apply.

  {"rule": "before", "first": "/start_date", "then": "/end_date"}
  {"rule": "below_reciprocal", "path": "/privacy/delta", "of": "/dataset_size"}
  {"rule": "below_reciprocal", "path": "/privacy/delta", "of_sum": ["/datasets", "size"]}
  {"rule": "sum_equals", "items": "/payment/installments", "field": "amount",
   "total": "/payment/total"}
  {"rule": "each_within", "items": "/payment/installments", "field": "due",
   "from": "/start_date", "until": "/end_date"}
  {"rule": "unique", "items": "/datasets", "field": "id"}
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from cms.domain.canonical import parse_iso
from cms.domain.templates.budget import SIZE_PER_STEP, metered

Problem = dict[str, str]  # {"pointer", "message"}
ABSENT = object()
MAX_MESSAGE = 300  # a rule's own message, and any message quoted back to the caller

RULE_FIELDS: dict[str, dict[str, type]] = {
    "before": {"first": str, "then": str},
    "below_reciprocal": {"path": str},
    "sum_equals": {"items": str, "field": str, "total": str},
    "each_within": {"items": str, "field": str, "from": str, "until": str},
    "unique": {"items": str, "field": str},
}
# Members a rule may have besides its required fields: a rule is exactly what its kind says,
# so what the API documents for it is all a stored rule can hold.
OPTIONAL_FIELDS: dict[str, frozenset[str]] = {
    kind: frozenset({"message", "of", "of_sum"} if kind == "below_reciprocal" else {"message"})
    for kind in RULE_FIELDS}


def resolve(document: Any, pointer: Any) -> Any:
    """RFC 6901 lookup; ``ABSENT`` when any step is missing (or it is not a pointer)."""
    if not isinstance(pointer, str):
        return ABSENT
    if pointer == "":
        return document
    current = document
    for raw in pointer.lstrip("/").split("/"):
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(current, dict) and token in current:
            current = current[token]
        elif isinstance(current, list) and token.isdigit() and int(token) < len(current):
            current = current[int(token)]
        else:
            return ABSENT
    return current


def rule_definition_problems(rule: Any, where: str) -> list[Problem]:
    """Structural problems of one rule as written in a template version."""
    if not isinstance(rule, dict) or rule.get("rule") not in RULE_FIELDS:
        return [{"pointer": where, "message": f"a rule is an object whose 'rule' is one of "
                                              f"{sorted(RULE_FIELDS)}"}]
    kind = rule["rule"]
    problems = [{"pointer": f"{where}/{name}", "message": "must be a JSON pointer string"}
                for name, expected in RULE_FIELDS[kind].items()
                if not isinstance(rule.get(name), expected)]
    known = {"rule", *RULE_FIELDS[kind], *OPTIONAL_FIELDS[kind]}
    problems += [{"pointer": f"{where}/{name}", "message": "unknown field"}
                 for name in sorted(set(rule) - known)]
    message = rule.get("message", "")
    if not isinstance(message, str) or len(message) > MAX_MESSAGE:
        problems.append({"pointer": f"{where}/message",
                         "message": f"a string of at most {MAX_MESSAGE} characters"})
    if kind == "below_reciprocal":
        problems += _denominator_problems(rule, where)
    return problems


def _denominator_problems(rule: dict[str, Any], where: str) -> list[Problem]:
    if ("of" in rule) == ("of_sum" in rule):
        return [{"pointer": where, "message": "needs exactly one of 'of' (a pointer) and "
                                              "'of_sum' ([items pointer, field])"}]
    if "of" in rule and not isinstance(rule["of"], str):
        return [{"pointer": f"{where}/of", "message": "must be a JSON pointer string"}]
    if "of_sum" in rule and not _is_pair(rule["of_sum"]):
        return [{"pointer": f"{where}/of_sum", "message": "must be [items pointer, field]"}]
    return []


def _is_pair(value: Any) -> bool:
    return isinstance(value, list) and len(value) == 2 and all(isinstance(v, str)
                                                               for v in value)


def rule_problems(rules: list[dict[str, Any]], variables: Any) -> list[Problem]:
    """Each rule charges the render's budget for the lists it walks: a version may hold
    thousands of rules over one long list."""
    problems: list[Problem] = []
    with metered() as budget:
        for rule in rules:
            walked = [rule["items"]] if "items" in rule else []
            walked += [rule["of_sum"][0]] if _is_pair(rule.get("of_sum")) else []
            budget.charge(1 + sum(len(_items(variables, pointer))
                                  for pointer in walked) // SIZE_PER_STEP)
            problems.extend(_CHECKS[rule["rule"]](rule, variables))
    return problems


def _moment(value: Any) -> datetime | date | Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return Decimal(str(value))
    if isinstance(value, str):
        try:
            return date.fromisoformat(value) if len(value) == 10 else parse_iso(value)
        except ValueError:
            return None
    return None


def _before(rule: dict[str, Any], variables: Any) -> list[Problem]:
    first, then = resolve(variables, rule["first"]), resolve(variables, rule["then"])
    if first is ABSENT or then is ABSENT:
        return []
    a, b = _moment(first), _moment(then)
    if a is None or b is None or type(a) is not type(b) or not a < b:
        return [{"pointer": rule["then"],
                 "message": rule.get("message", f"must be after {rule['first']}")}]
    return []


def _number(value: Any) -> Decimal | None:
    return None if isinstance(value, bool) or not isinstance(value, int | float) else Decimal(
        str(value))


def _items(variables: Any, pointer: str) -> list[Any]:
    items = resolve(variables, pointer)
    return items if isinstance(items, list) else []


def _below_reciprocal(rule: dict[str, Any], variables: Any) -> list[Problem]:
    value = _number(resolve(variables, rule["path"]))
    if "of" in rule:
        size = _number(resolve(variables, rule["of"]))
    else:
        items, field = rule["of_sum"]
        sizes = [_number(item.get(field)) for item in _items(variables, items)
                 if isinstance(item, dict)]
        size = sum((s for s in sizes if s is not None), Decimal(0)) if sizes else None
    if value is None or size is None or size <= 0:
        return []
    if not value < 1 / size:
        return [{"pointer": rule["path"], "message": rule.get(
            "message", f"must be below 1/{size} (one over the number of records)")}]
    return []


def _sum_equals(rule: dict[str, Any], variables: Any) -> list[Problem]:
    items = resolve(variables, rule["items"])
    total = _number(resolve(variables, rule["total"]))
    if not isinstance(items, list) or not items or total is None:
        return []
    amounts = [_number(item.get(rule["field"])) if isinstance(item, dict) else None
               for item in items]
    if None in amounts or sum(amounts, Decimal(0)) != total:  # type: ignore[arg-type]
        return [{"pointer": rule["items"], "message": rule.get(
            "message", f"the {rule['field']}s must add up to {rule['total']} ({total})")}]
    return []


def _each_within(rule: dict[str, Any], variables: Any) -> list[Problem]:
    start = _moment(resolve(variables, rule["from"]))
    end = _moment(resolve(variables, rule["until"]))
    if start is None or end is None:
        return []
    problems = []
    for index, item in enumerate(_items(variables, rule["items"])):
        moment = _moment(item.get(rule["field"])) if isinstance(item, dict) else None
        # Moments of different kinds (a date and a date-time, a number and a date) do not
        # compare: a window whose ends differ in kind holds nothing, as "before" refuses it.
        if (moment is None or not (type(moment) is type(start) is type(end))
                or not start <= moment <= end):
            problems.append({"pointer": f"{rule['items']}/{index}/{rule['field']}",
                             "message": f"must be between {rule['from']} and {rule['until']}"})
    return problems


def _unique(rule: dict[str, Any], variables: Any) -> list[Problem]:
    seen: set[str] = set()
    problems = []
    for index, item in enumerate(_items(variables, rule["items"])):
        value = repr(item.get(rule["field"])) if isinstance(item, dict) else None
        if value in seen:
            problems.append({"pointer": f"{rule['items']}/{index}/{rule['field']}",
                             "message": "must be unique"})
        if value is not None:
            seen.add(value)
    return problems


_CHECKS: dict[str, Callable[[dict[str, Any], Any], list[Problem]]] = {
    "before": _before, "below_reciprocal": _below_reciprocal, "sum_equals": _sum_equals,
    "each_within": _each_within, "unique": _unique,
}
