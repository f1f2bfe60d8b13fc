"""How a call reaches the API: retries with backoff, Idempotency-Key, the bearer token.

``Transport`` (httpx.Client) and ``AsyncTransport`` (httpx.AsyncClient) share every decision
(what to send, whether and when to retry, how to read the answer) in ``_TransportLogic``;
they differ only in the I/O: sending, sleeping and fetching the token.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote

import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError

from cms_client.errors import ApiError, UnexpectedResponse

# Methods a server applies at most once whatever the number of copies sent (RFC 9110 9.2.2).
_IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry a call the server refused for now (429, 503) or that
    never got an answer. ``attempts`` counts the first try; ``attempts=1`` never retries."""

    attempts: int = 4
    base_delay_s: float = 0.5
    max_delay_s: float = 30.0
    retry_statuses: frozenset[int] = frozenset({429, 503})


@dataclass(frozen=True)
class ApiCall:
    """One API operation's request, before any I/O.

    ``path`` may hold ``{name}`` placeholders filled (URL-quoted) from ``path_params``;
    ``query`` values that are None are left out; ``body`` is a pydantic model, or a JSON value
    checked against ``body_type`` when given; ``response`` is the model the answer is read
    into (``bytes``: the raw body, None: nothing). ``idempotency_header`` names the header
    the operation takes: every try of the call carries the same key.
    """

    method: str
    path: str
    path_params: Mapping[str, Any] = field(default_factory=dict)
    query: Mapping[str, Any] = field(default_factory=dict)
    body: Any = None
    body_type: Any = None
    response: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    idempotency_header: str | None = None
    idempotency_key: str | None = None
    authenticated: bool = True
    expect_error: bool = False  # answer an error status as is: no raising, no retrying


class _TransportLogic:
    """Everything but the I/O: building requests, retry decisions, reading answers."""

    def __init__(self, base_url: str, *, policy: RetryPolicy | None,
                 clock: Callable[[], float] | None,
                 jitter: Callable[[], float] | None) -> None:
        self.base_url = base_url.rstrip("/")
        self.policy = policy or RetryPolicy()
        self._clock = clock or time.time
        self._jitter = jitter or random.random  # spreads retries; not a secret

    def prepare(self, call: ApiCall, token: str | None) -> tuple[str, dict[str, Any]]:
        """The URL and the httpx request arguments, the same for every try of the call."""
        path = call.path
        if call.path_params:
            path = path.format(**{name: quote(str(value), safe=":")
                                  for name, value in call.path_params.items()})
        headers = dict(call.headers)
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if call.idempotency_header:
            headers[call.idempotency_header] = call.idempotency_key or str(uuid.uuid4())
        arguments: dict[str, Any] = {
            "params": {k: v for k, v in call.query.items() if v is not None} or None,
            "headers": headers}
        body = _json_body(call)
        if body is not None:
            arguments["json"] = body
        return self.base_url + path, arguments

    def delay_after_answer(self, call: ApiCall, attempt: int,
                           response: httpx.Response) -> float | None:
        """Seconds to wait before the next try, or None to stop at this answer."""
        if (call.expect_error or response.status_code not in self.policy.retry_statuses
                or attempt + 1 >= self.policy.attempts):
            return None
        retry_after = _retry_after(response, self._clock)
        # A 429 is refused before anything is done, and a 503 with Retry-After is a
        # deliberate "not now"; a bare 503 may come from a handler that failed after acting,
        # so only a request the server applies once however often it is sent is repeated.
        if (response.status_code == 503 and retry_after is None
                and not _repeat_is_safe(call)):
            return None
        if retry_after is not None:
            return min(float(retry_after), self.policy.max_delay_s)
        return self._backoff(attempt)

    def delay_after_failure(self, call: ApiCall, attempt: int) -> float | None:
        """Seconds to wait after a connection failure, or None when a retry is unsafe (the
        server may have acted on a non-idempotent request) or the attempts are spent."""
        if not _repeat_is_safe(call) or attempt + 1 >= self.policy.attempts:
            return None
        return self._backoff(attempt)

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with full jitter: uniform in [0, min(cap, base * 2^attempt)]."""
        ceiling = min(self.policy.max_delay_s, self.policy.base_delay_s * 2 ** attempt)
        return self._jitter() * ceiling

    @staticmethod
    def checked(call: ApiCall, response: httpx.Response) -> httpx.Response:
        if response.status_code >= 400 and not call.expect_error:
            raise ApiError.from_http(response)
        return response

    @staticmethod
    def network_failure(error: httpx.TransportError) -> ApiError:
        return ApiError.from_response(0, {"code": "network_error",
                                         "detail": f"{type(error).__name__}: {error}"})

    @staticmethod
    def decoded(call: ApiCall, response: httpx.Response) -> Any:
        if call.response is None or response.status_code == 204:
            return None
        if call.response is bytes:
            return response.content
        try:
            return TypeAdapter(call.response).validate_python(response.json())
        except (ValueError, ValidationError) as error:
            # Not the caller's fault, unlike a request body the model refuses: say whose.
            raise UnexpectedResponse(response.status_code, {
                "code": "unexpected_response",
                "detail": f"{call.method} {call.path}: the answer does not match "
                          f"{getattr(call.response, '__name__', call.response)}: "
                          f"{str(error)[:500]}"}) from None


class Transport(_TransportLogic):
    """Synchronous I/O over an httpx.Client; ``token`` gives the bearer token per call."""

    def __init__(self, base_url: str, http: httpx.Client, *,
                 token: Callable[[], str | None] = lambda: None,
                 policy: RetryPolicy | None = None,
                 sleep: Callable[[float], None] | None = None,
                 clock: Callable[[], float] | None = None,
                 jitter: Callable[[], float] | None = None) -> None:
        super().__init__(base_url, policy=policy, clock=clock, jitter=jitter)
        self.http = http
        self._token = token
        self._sleep = sleep or time.sleep

    def request(self, call: ApiCall) -> httpx.Response:
        url, arguments = self.prepare(call, self._token() if call.authenticated else None)
        attempt = 0
        while True:
            try:
                response = self.http.request(call.method, url, **arguments)
            except httpx.TransportError as error:
                delay = self.delay_after_failure(call, attempt)
                if delay is None:
                    raise self.network_failure(error) from error
            else:
                delay = self.delay_after_answer(call, attempt, response)
                if delay is None:
                    return self.checked(call, response)
            self._sleep(delay)
            attempt += 1

    def send(self, call: ApiCall) -> Any:
        return self.decoded(call, self.request(call))


class AsyncTransport(_TransportLogic):
    """The same over an httpx.AsyncClient; ``token`` is awaited per call."""

    def __init__(self, base_url: str, http: httpx.AsyncClient, *,
                 token: Callable[[], Awaitable[str | None]] | None = None,
                 policy: RetryPolicy | None = None,
                 sleep: Callable[[float], Awaitable[None]] | None = None,
                 clock: Callable[[], float] | None = None,
                 jitter: Callable[[], float] | None = None) -> None:
        super().__init__(base_url, policy=policy, clock=clock, jitter=jitter)
        self.http = http
        self._token = token
        self._sleep = sleep or asyncio.sleep

    async def request(self, call: ApiCall) -> httpx.Response:
        token = await self._token() if self._token and call.authenticated else None
        url, arguments = self.prepare(call, token)
        attempt = 0
        while True:
            try:
                response = await self.http.request(call.method, url, **arguments)
            except httpx.TransportError as error:
                delay = self.delay_after_failure(call, attempt)
                if delay is None:
                    raise self.network_failure(error) from error
            else:
                delay = self.delay_after_answer(call, attempt, response)
                if delay is None:
                    return self.checked(call, response)
            await self._sleep(delay)
            attempt += 1

    async def send(self, call: ApiCall) -> Any:
        return self.decoded(call, await self.request(call))


def iterate_pages(fetch: Callable[[Any], Any], *, items: str, position: str,
                  start: Any = None) -> Iterator[Any]:
    """Every item of every page: ``fetch(start)`` first, then ``fetch(page.<position>)``
    until it is None (``next_cursor``; ``next_after`` for events). A position the server
    gave before is a loop: UnexpectedResponse, rather than reading forever."""
    seen = _Positions(start, position)
    page = fetch(start)
    while True:
        yield from _member(page, items)
        following = seen.next_of(page)
        if following is None:
            return
        page = fetch(following)


async def aiterate_pages(fetch: Callable[[Any], Awaitable[Any]], *, items: str,
                         position: str, start: Any = None) -> AsyncIterator[Any]:
    """``iterate_pages`` for the async operations."""
    seen = _Positions(start, position)
    page = await fetch(start)
    while True:
        for item in _member(page, items):
            yield item
        following = seen.next_of(page)
        if following is None:
            return
        page = await fetch(following)


def _member(page: Any, name: str) -> Any:
    """A page's member, from a typed model or from the facade's plain JSON."""
    return page.get(name) if isinstance(page, dict) else getattr(page, name)


class _Positions:
    """The pagination positions already followed, to tell a next page from a loop."""

    def __init__(self, start: Any, field_name: str) -> None:
        self._field = field_name
        self._seen = {start} if start is not None else set()

    def next_of(self, page: Any) -> Any:
        following = _member(page, self._field)
        if following is None:
            return None
        if following in self._seen:
            raise UnexpectedResponse(200, {
                "code": "unexpected_response",
                "detail": f"the server gave {self._field} {following!r} a second time: "
                          "its pagination loops"})
        self._seen.add(following)
        return following


def _repeat_is_safe(call: ApiCall) -> bool:
    """Whether sending the call again cannot act twice: an idempotent method, or a request
    carrying an Idempotency-Key (the server answers a repeat with the first result)."""
    return (call.method.upper() in _IDEMPOTENT_METHODS
            or call.idempotency_header is not None
            or any(name.lower() == "idempotency-key" for name in call.headers))


def _json_body(call: ApiCall) -> Any:
    """A model as its wire JSON; any other body as given, after checking it against the
    request model (so a mistake is reported here, field by field, not as a 422)."""
    if isinstance(call.body, BaseModel):
        return call.body.model_dump(mode="json", by_alias=True, exclude_unset=True)
    if call.body is not None and call.body_type is not None:
        TypeAdapter(call.body_type).validate_python(call.body)
    return call.body


def _retry_after(response: httpx.Response, clock: Callable[[], float]) -> float | None:
    """Retry-After in seconds: a number, or an HTTP date (RFC 9110 10.2.3)."""
    value = response.headers.get("retry-after", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - clock())
    except (TypeError, ValueError):
        return None
