"""The API's problems (RFC 9457) as exceptions: one class per HTTP status class, and below
them one generated class per problem ``code`` (cms_client.generated.problems).

Catch by class (``except NotFound``) or by code (``except IllegalTransition``); every one is
an ``ApiError`` with ``.status``, ``.code``, ``.problem`` (the whole document) and
``.retry_after`` (seconds, from Retry-After).
"""

from __future__ import annotations

from typing import Any, ClassVar

import httpx


class ApiError(Exception):
    """A refused or failed call: the HTTP status (0: no answer) and the problem document."""

    # The problem code a generated subclass stands for (None on the per-status classes).
    problem_code: ClassVar[str | None] = None

    def __init__(self, status: int, problem: dict[str, Any],
                 retry_after: int | None = None) -> None:
        self.status = status
        self.problem = problem
        self.code = problem.get("code", "unknown")
        # Seconds to wait before trying again (429 rate_limited, 503), from Retry-After.
        self.retry_after = retry_after
        super().__init__(f"{status} {self.code}: {problem.get('detail', problem)}")

    @classmethod
    def from_response(cls, status: int, problem: dict[str, Any],
                      retry_after: int | None = None) -> ApiError:
        """The most specific class: the problem code's if known, else the status class's."""
        from cms_client.generated.problems import PROBLEMS

        by_code = PROBLEMS.get(problem.get("code", ""))
        # A code's class only when the status agrees with it: a gateway may reuse a code
        # under another status, and catching by status class must keep working.
        if by_code is not None and issubclass(by_code, class_for_status(status)):
            return by_code(status, problem, retry_after)
        return class_for_status(status)(status, problem, retry_after)

    @classmethod
    def from_http(cls, response: httpx.Response) -> ApiError:
        """The error an HTTP answer outside 2xx stands for (its problem document, if any)."""
        try:
            data = response.json() if response.content else {}
        except ValueError:  # a proxy's HTML page, say
            data = {"detail": response.text[:500]}
        problem = data if isinstance(data, dict) else {}
        return cls.from_response(response.status_code, problem, _retry_after(response))


class AuthenticationFailed(ApiError):
    """401: no token, or an expired, revoked or forged one; a failed sign-in."""


class PermissionDenied(ApiError):
    """403: the caller may not do this."""


class NotFound(ApiError):
    """404."""


class Conflict(ApiError):
    """409: the resource's state does not allow this now."""


class InvalidRequest(ApiError):
    """400, 413, 415, 422: the request itself is wrong; sending it again will not help."""


class RateLimited(ApiError):
    """429 after the retries: wait ``retry_after`` seconds."""


class ServiceUnavailable(ApiError):
    """500, 502, 503, 504, or no answer at all after the retries (status 0, network_error)."""


class UnexpectedResponse(ApiError):
    """A 2xx answer that is not what the API's document promises (an SDK older than the
    server, or something between them rewriting answers): code ``unexpected_response``."""


_BY_STATUS: dict[int, type[ApiError]] = {
    0: ServiceUnavailable, 400: InvalidRequest, 401: AuthenticationFailed,
    403: PermissionDenied, 404: NotFound, 409: Conflict, 413: InvalidRequest,
    415: InvalidRequest, 422: InvalidRequest, 429: RateLimited, 500: ServiceUnavailable,
    502: ServiceUnavailable, 503: ServiceUnavailable, 504: ServiceUnavailable}


def class_for_status(status: int) -> type[ApiError]:
    """The class for an HTTP status; ApiError itself for one outside the table (e.g. 410)."""
    return _BY_STATUS.get(status, ApiError)


def _retry_after(response: httpx.Response) -> int | None:
    value = response.headers.get("retry-after", "")
    return int(value) if value.isdigit() else None
