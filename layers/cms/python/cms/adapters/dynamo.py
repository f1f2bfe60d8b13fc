"""Shared DynamoDB plumbing: transactions, error translation, cursors."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from pynamodb.connection import Connection
from pynamodb.exceptions import PynamoDBConnectionError, TransactWriteError
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from cms.adapters.tables import _Meta
from cms.domain.errors import DependencyUnavailable, ValidationFailed
from cms.ports.errors import WriteConflict

_connection: Connection | None = None


def connection() -> Connection:
    global _connection  # noqa: PLW0603 - one client per Lambda container, made on first use
    if _connection is None:
        _connection = Connection(region=_Meta.region, max_retry_attempts=2)
    return _connection


def response_code(error: PynamoDBConnectionError) -> str | None:
    """The DynamoDB error code behind ``error``, or None. (pynamodb's cause_response_code
    raises AttributeError when the cause is a transport error whose response is None.)"""
    response = getattr(error.cause, "response", None)
    return (response or {}).get("Error", {}).get("Code")


def is_lost_condition(error: PynamoDBConnectionError) -> bool:
    return response_code(error) == "ConditionalCheckFailedException"


def cancellation_codes(error: TransactWriteError) -> list[str | None]:
    return [reason.code if reason else None for reason in error.cancellation_reasons or []]


@contextmanager
def transaction() -> Iterator[TransactWrite]:
    """A TransactWrite whose lost races surface as WriteConflict."""
    try:
        with TransactWrite(connection=connection()) as tx:
            yield tx
    except TransactWriteError as error:
        codes = cancellation_codes(error)
        if any(code in {"ConditionalCheckFailed", "TransactionConflict"} for code in codes) or (
            response_code(error) == "TransactionConflictException"
        ):
            raise WriteConflict(str(codes)) from error
        raise DependencyUnavailable("the database rejected the transaction") from error


def unavailable_on_connection_errors(call: Callable[[], Any]) -> Any:
    """Run a DynamoDB call; infrastructure failures become 503s. A lost conditional write
    is not a failure of the database: it is re-raised for the caller to interpret."""
    try:
        return call()
    except PynamoDBConnectionError as error:
        if is_lost_condition(error):
            raise
        raise DependencyUnavailable("the database is unreachable") from error


M = TypeVar("M", bound=Model)


def get_or_none(model: type[M], hash_key: Any, range_key: Any = None) -> M | None:
    """One item by key, read consistently; None if absent, 503 if DynamoDB is unreachable."""
    def read() -> M | None:
        try:
            return model.get(hash_key, range_key, consistent_read=True)
        except model.DoesNotExist:
            return None

    return unavailable_on_connection_errors(read)


def encode_cursor(state: dict[str, Any]) -> str:
    raw = json.dumps(state, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> dict[str, Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        state = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError) as error:
        raise bad_cursor() from error
    if not isinstance(state, dict):
        raise bad_cursor()
    return state


def bad_cursor() -> ValidationFailed:
    return ValidationFailed("The cursor is not one this API issued",
                            [{"pointer": "query:cursor", "message": "malformed cursor"}])
