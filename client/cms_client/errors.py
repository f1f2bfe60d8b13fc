"""API errors by class: branch on the class (or on ``code``), not on the message."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An answer outside 2xx, with its RFC 9457 problem document."""

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
        error_class = _BY_STATUS.get(status, ApiError)
        return error_class(status, problem, retry_after)


class AuthenticationFailed(ApiError):
    """401: not signed in, or the token or signature was refused."""


class PermissionDenied(ApiError):
    """403: signed in, not allowed (or suspended)."""


class NotFound(ApiError):
    """404."""


class Conflict(ApiError):
    """409: the resource's state forbids it now (an illegal transition, a duplicate)."""


class InvalidRequest(ApiError):
    """400, 413, 415, 422: the request's content was refused; ``problem['errors']`` says
    which fields."""


class RateLimited(ApiError):
    """429, after the client's retries; ``retry_after`` says when to come back."""


class ServiceUnavailable(ApiError):
    """5xx, or no answer at all (status 0, code ``network_error``) after the retries."""


_BY_STATUS: dict[int, type[ApiError]] = {
    401: AuthenticationFailed, 403: PermissionDenied, 404: NotFound, 409: Conflict,
    400: InvalidRequest, 413: InvalidRequest, 415: InvalidRequest, 422: InvalidRequest,
    429: RateLimited, 0: ServiceUnavailable, 500: ServiceUnavailable,
    502: ServiceUnavailable, 503: ServiceUnavailable, 504: ServiceUnavailable,
}
