"""Idempotency-Key support on top of Powertools idempotency (DynamoDB persistence).

The key is scoped to the operation and the caller, so two callers can never collide, and the
request body is validated: the same key with a different body is refused (422).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)

from cms.domain.errors import IdempotencyInProgress, IdempotencyKeyReused, ValidationFailed

if TYPE_CHECKING:
    from cms.bootstrap import Services

MAX_KEY_LENGTH = 255


_PERSISTENCE: dict[str, DynamoDBPersistenceLayer] = {}


def _persistence(table_name: str) -> DynamoDBPersistenceLayer:
    """One per table and container: it keeps its DynamoDB client."""
    if table_name not in _PERSISTENCE:
        _PERSISTENCE[table_name] = DynamoDBPersistenceLayer(table_name=table_name)
    return _PERSISTENCE[table_name]


def check_key(key: str) -> str:
    if not (0 < len(key) <= MAX_KEY_LENGTH) or not key.isprintable():
        raise ValidationFailed("Idempotency-Key must be 1-255 printable characters",
                               [{"pointer": "header:Idempotency-Key", "message": "invalid"}])
    return key


def run_once(services: Services, operation: str, caller: str, key: str,
             payload: dict[str, Any], *, compute: Callable[[], dict[str, Any]],
             lambda_context: Any) -> dict[str, Any]:
    """``compute()``'s result for the first request with this key; the stored one after."""
    settings = services.settings
    config = IdempotencyConfig(
        event_key_jmespath="[operation, caller, key]",
        payload_validation_jmespath="payload",
        expires_after_seconds=settings.idempotency_ttl_s,
    )
    # An in-progress record then expires with this invocation, so a retry after a timeout
    # is not refused as "in progress" for the whole TTL.
    config.register_lambda_context(lambda_context)

    persistence = _persistence(settings.resource("CMS_IDEMPOTENCY_TABLE"))

    @idempotent_function(data_keyword_argument="request", persistence_store=persistence,
                         config=config)
    def once(request: dict[str, Any]) -> dict[str, Any]:
        return compute()

    request = {"operation": operation, "caller": caller, "key": check_key(key),
               "payload": payload}
    try:
        return once(request=request)
    except IdempotencyValidationError as error:
        raise IdempotencyKeyReused(
            "this Idempotency-Key was already used with a different request body") from error
    except IdempotencyAlreadyInProgressError as error:
        raise IdempotencyInProgress(
            "a request with this Idempotency-Key is still being processed",
            retry_after=1) from error
