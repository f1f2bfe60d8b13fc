"""The CLI's exit codes: stable, one per class of outcome, so scripts can branch on them.

docs/cli.md repeats this table; tests/unit/cli/test_exit_codes.py keeps the two equal.
"""

from __future__ import annotations

from enum import IntEnum

from cms_client.errors import (
    ApiError,
    AuthenticationFailed,
    Conflict,
    InvalidRequest,
    NotFound,
    PermissionDenied,
    RateLimited,
    ServiceUnavailable,
    UnexpectedResponse,
)


class ExitCode(IntEnum):
    OK = 0
    USAGE = 1  # bad arguments, an unreadable file, a wrong passphrase: nothing was sent
    INVALID = 2  # a verification ran and failed
    INCOMPLETE = 3  # a verification could not decide (the chain could not be read)
    AUTH = 4  # not signed in, or the token was refused (401)
    FORBIDDEN = 5  # signed in but not allowed (403)
    NOT_FOUND = 6  # 404
    CONFLICT = 7  # 409: an illegal transition, a duplicate, a request still in progress
    VALIDATION = 8  # 400, 413, 415, 422: the API refused the request's content
    RATE_LIMITED = 9  # 429 after the client's retries
    UNAVAILABLE = 10  # 5xx or no connection after the client's retries
    PARTIAL = 11  # a bulk run where some rows failed (each row's outcome is in the report)
    FAILED = 12  # what the command waited for ended in failure (a watched training job)
    INTERRUPTED = 130  # Ctrl-C, as shells report SIGINT


# Most specific first: a generated per-code class subclasses its HTTP class.
_BY_ERROR_CLASS: tuple[tuple[type[ApiError], ExitCode], ...] = (
    (AuthenticationFailed, ExitCode.AUTH),
    (PermissionDenied, ExitCode.FORBIDDEN),
    (NotFound, ExitCode.NOT_FOUND),
    (Conflict, ExitCode.CONFLICT),
    (InvalidRequest, ExitCode.VALIDATION),
    (RateLimited, ExitCode.RATE_LIMITED),
    (ServiceUnavailable, ExitCode.UNAVAILABLE),
    (UnexpectedResponse, ExitCode.UNAVAILABLE),
)


def exit_code_for(error: ApiError) -> ExitCode:
    for error_class, code in _BY_ERROR_CLASS:
        if isinstance(error, error_class):
            return code
    return ExitCode.UNAVAILABLE if error.status >= 500 or error.status == 0 else ExitCode.USAGE


class CliError(Exception):
    """A refusal the CLI itself makes (before or after talking to the API), with its exit."""

    def __init__(self, message: str, exit_code: ExitCode = ExitCode.USAGE) -> None:
        super().__init__(message)
        self.exit_code = exit_code
