"""boto3 clients shared by the adapters: made on first use, one per container, failing fast
(an outage of a dependency is a 503 or a retried event, never a hung Lambda)."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

from cms.domain.errors import DependencyUnavailable

T = TypeVar("T")


@cache
def client(service: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(service, config=Config(
        connect_timeout=3, read_timeout=10, retries={"max_attempts": 2, "mode": "standard"}))


def attempt(action: str, call: Callable[[], T], *,
            tolerate: frozenset[str] = frozenset()) -> T | None:
    """Run an AWS call. An error whose code the caller tolerates gives None (e.g. "already
    exists" on a retried step); any other failure is DependencyUnavailable."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return call()
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code in tolerate:
            return None
        raise DependencyUnavailable(f"AWS refused to {action} ({code})") from error
    except BotoCoreError as error:
        raise DependencyUnavailable(f"AWS is unreachable ({action})") from error
