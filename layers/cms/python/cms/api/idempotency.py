"""Idempotency-Key support for every create, on top of Powertools idempotency (DynamoDB
persistence).

A route takes the header as one parameter (``IdempotencyKey``), lists ``IDEMPOTENCY_ERRORS``
and makes its resource through ``idempotent(...)``. The key is scoped to the operation and the
caller, so two callers can never collide, and the request is validated: the same key with a
different request is refused (422). A replay answers what the first request answered.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, cast

from aws_lambda_powertools.event_handler.openapi.params import Header

from cms.api.http import caller_of
from cms.domain.errors import IdempotencyInProgress, IdempotencyKeyReused, ValidationFailed

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    from cms.api.operations import Api
    from cms.bootstrap import Services
    from cms.runtime import FunctionRuntime

MAX_KEY_LENGTH = 255

# Printable ASCII without surrounding spaces (proxies trim them, which would change the key).
IdempotencyKey = Annotated[str, Header(
    alias="Idempotency-Key", min_length=1, max_length=MAX_KEY_LENGTH,
    pattern=r"^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$",
    description="Repeat a create safely: the same key and request, from the same caller, "
                "answer what the first one did (while the key is remembered, an hour by "
                "default); the same key with another request is 422 idempotency_key_reused")]

# What a route with the header may answer on top of its own problems.
IDEMPOTENCY_ERRORS = (IdempotencyKeyReused, IdempotencyInProgress)

Made = TypeVar("Made")
Stored = dict[str, Any]

_PERSISTENCE: dict[str, DynamoDBPersistenceLayer] = {}


def idempotent(api: Api, runtime: FunctionRuntime, key: str | None, make: Callable[[], Made],
               *, operation: str, request: Mapping[str, Any],
               keep: Callable[[Made], Stored] | None = None,
               replay: Callable[[Stored], Made] | None = None) -> Made:
    """``make()`` once per caller, operation and key; ``request`` (JSON: the body and the
    path's ids) must be the same every time.

    By default ``make`` returns the JSON answer, which is stored and answered again as it is.
    A route whose answer must not be stored whole (a secret, a presigned form that expires)
    stores ``keep(made)`` instead and rebuilds the answer of a repeat with ``replay(stored)``.
    """
    if key is None:
        return make()
    made: list[Made] = []

    def first() -> Stored:
        made.append(make())
        return keep(made[0]) if keep else cast(Stored, made[0])

    stored = _run_once(runtime.services, operation, caller_of(api).did, key, dict(request),
                       compute=first, lambda_context=api.lambda_context)
    if made:
        return made[0]
    return replay(stored) if replay else cast(Made, stored)


def _persistence(table_name: str) -> DynamoDBPersistenceLayer:
    """One per table and container: it keeps its DynamoDB client."""
    # Imported here: Powertools idempotency pulls in boto3, which most requests never need.
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    if table_name not in _PERSISTENCE:
        _PERSISTENCE[table_name] = DynamoDBPersistenceLayer(table_name=table_name)
    return _PERSISTENCE[table_name]


def _check_key(key: str) -> str:
    if not (0 < len(key) <= MAX_KEY_LENGTH) or not key.isprintable():
        raise ValidationFailed("Idempotency-Key must be 1-255 printable characters",
                               [{"pointer": "header:Idempotency-Key", "message": "invalid"}])
    return key


def _run_once(services: Services, operation: str, caller: str, key: str,
             payload: dict[str, Any], *, compute: Callable[[], Stored],
             lambda_context: Any) -> Stored:
    """``compute()``'s result for the first request with this key; the stored one after."""
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyValidationError,
    )

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
    def once(request: dict[str, Any]) -> Stored:
        return compute()

    request = {"operation": operation, "caller": caller, "key": _check_key(key),
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
