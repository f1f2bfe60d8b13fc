"""Pointing this process's AWS clients at another endpoint for a while (a test's own moto, or
nowhere), without a local stack running in the same process being caught in between.

boto3 and pynamodb read the endpoint from the environment when a client is made, and the
adapters keep their clients; the local stack's functions share this process and those caches.
So: hold the stack's gate (its functions wait, what is under way finishes first), set the
environment, forget every cached client; and on the way out, forget them again.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest


def forget_connections() -> None:
    from cms.adapters import aws, dynamo
    from cms.adapters.dependency_probes import forget_probe_clients
    from cms.adapters.tables import _MODELS

    for model, _ in _MODELS:
        model._connection = None
    dynamo._connection = None
    aws.client.cache_clear()
    forget_probe_clients()


@contextmanager
def pointing_at(variables: dict[str, str]) -> Iterator[None]:
    from local_stack.background import GATE

    with GATE.held(), pytest.MonkeyPatch.context() as env:
        for name, value in variables.items():
            env.setenv(name, value)
        forget_connections()
        try:
            yield
        finally:
            env.undo()
            forget_connections()
