"""Health probes of the DynamoDB tables a function was given (``DescribeTable``)."""

from __future__ import annotations

from collections.abc import Callable

from cms.adapters.aws import client
from cms.config import Settings


def table_probes(settings: Settings) -> dict[str, Callable[[], object]]:
    """A probe per table the platform has; one the function was not given fails with
    Misconfigured (its definition is wrong), so it is reported down, never skipped."""
    from cms.adapters.tables import TABLE_SPECS

    def describe(variable: str) -> object:
        name = settings.resource(variable)  # first: a missing name needs no AWS to report
        return client("dynamodb").describe_table(TableName=name)

    return {f"dynamodb:{spec.key}": (lambda variable=spec.env_var: describe(variable))
            for spec in TABLE_SPECS}
