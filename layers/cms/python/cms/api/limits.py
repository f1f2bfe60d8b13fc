"""Per-identity limits on every authenticated route.

Each operation declares what it costs, a ``RequestClass`` (``Api``'s ``limit=``). Before
anything else of a request runs (body checks, validation, the route), ``http_entry`` takes a
token from the caller's bucket for that class (``api:<class>:<did>``, sized by
``Settings.request_limit``); an empty bucket is a 429 ``rate_limited`` problem with
``Retry-After``. So one identity can use a share of the API, not the stage's whole rate, and
a costly class (engine calls, renders, training) cannot be paid for with cheap reads' budget.
Refused and malformed requests are counted too: each still costs an invocation.

Every answer to a limited request says where the caller stands, in the fields of
draft-ietf-httpapi-ratelimit-headers-11 (structured-field Lists, RFC 9651):

    RateLimit-Policy: "read";q=300;w=60;cms-burst=60
    RateLimit: "read";r=59;t=1

``q`` per ``w`` seconds is the class's sustained rate and ``cms-burst`` (a vendor parameter,
as the draft asks) how many may come at once; ``r`` is the whole tokens left and ``t`` the
seconds within which no more than ``r`` can be used (until the next token), which on a 429
equals ``Retry-After``.

The bucket is keyed by the DID the authorizer established, never by anything the request
says; a route without one (public documents, sign-in, which limits itself per DID and
address) takes nothing here. The ``session`` class (logout, ending an identity's sessions) is
keyed by the token as well (its ``jti``, also the authorizer's): someone holding a stolen
token shares every bucket of its identity, and could otherwise keep the owner from ending
that token by spending the bucket first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cms.domain.errors import RateLimited
from cms.domain.ratelimit import Limit, Outcome, RequestClass

RATE_LIMIT = "RateLimit"
RATE_LIMIT_POLICY = "RateLimit-Policy"
RATE_LIMIT_HEADERS = (RATE_LIMIT, RATE_LIMIT_POLICY)
WINDOW_S = 60
BURST_PARAMETER = "cms-burst"


@dataclass(frozen=True)
class Admission:
    """A token taken (or refused) from the caller's bucket of one class."""

    request_class: RequestClass
    limit: Limit
    outcome: Outcome

    def headers(self) -> dict[str, str]:
        name, limit, outcome = self.request_class.value, self.limit, self.outcome
        return {RATE_LIMIT_POLICY: f'"{name}";q={limit.per_minute};w={WINDOW_S};'
                                   f"{BURST_PARAMETER}={limit.burst}",
                RATE_LIMIT: f'"{name}";r={outcome.remaining};t={outcome.reset_s}'}

    def refusal(self) -> RateLimited:
        error = RateLimited(f"too many {self.request_class.value} requests from this "
                            f"identity: retry in {self.outcome.retry_after_s} s",
                            retry_after=self.outcome.retry_after_s)
        error.extra["policy"] = self.request_class.value
        return error


def bucket_key(request_class: RequestClass, did: str, token_id: str | None = None) -> str:
    if request_class is RequestClass.SESSION and token_id:
        return f"api:{request_class.value}:{did}:{token_id}"
    return f"api:{request_class.value}:{did}"


def _authorizer_value(event: dict[str, Any], name: str) -> str | None:
    context = (event.get("requestContext") or {}).get("authorizer") or {}
    value = context.get(name) if isinstance(context, dict) else None
    return value if isinstance(value, str) and value else None


def caller_did(event: dict[str, Any]) -> str | None:
    """The DID the authorizer put in the request's context, if any."""
    return _authorizer_value(event, "did")


def admit(request_class: RequestClass | None, event: dict[str, Any],
          services: Any) -> Admission | None:
    """Take a token for this request; None when the request is not limited here."""
    did = caller_did(event)
    if request_class in (None, RequestClass.PUBLIC) or did is None:
        return None
    limit = services.settings.request_limit(request_class)
    key = bucket_key(request_class, did, _authorizer_value(event, "jti"))
    outcome = services.rate_limit_store.take(key, burst=limit.burst,
                                             per_minute=limit.per_minute)
    return Admission(request_class, limit, outcome)


def with_headers(result: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
    """A proxy result with ``headers`` added (in the multi-value form REST APIs use)."""
    values = dict(result.get("multiValueHeaders") or {})
    for name, value in headers.items():
        values[name] = [value]
    return {**result, "multiValueHeaders": values}
