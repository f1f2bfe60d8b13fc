"""Powertools logging, tracing and metrics (CloudWatch EMF), wired the same in every function.

Every function counts through ``count`` so that a disabled Metrics (local runs) records
nothing: Powertools keeps accumulating values while disabled and prints them once a metric
reaches 100 values, which would leak EMF lines into the local stack's console.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.metrics.functions import is_metrics_disabled

logger = Logger()
tracer = Tracer()
metrics = Metrics()
# Most invocations add no business metric; that is expected, not worth a warning each time.
warnings.filterwarnings("ignore", message="No application metrics to publish")

Handler = Callable[[dict, Any], Any]


def instrumented(handler: Handler | None = None, *,
                 correlation_id_path: str | None = None) -> Any:
    """Decorate a Lambda handler with the context logger, the tracer and metrics."""

    def decorate(function: Handler) -> Handler:
        # Powertools prints the cold-start metric even when metrics are disabled (local runs).
        with_metrics = metrics.log_metrics(capture_cold_start_metric=not is_metrics_disabled())
        traced = tracer.capture_lambda_handler(with_metrics(function))
        return logger.inject_lambda_context(correlation_id_path=correlation_id_path)(traced)

    return decorate if handler is None else decorate(handler)


def count(name: str, value: float = 1) -> None:
    if not is_metrics_disabled():
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


def seconds(name: str, value: float) -> None:
    if not is_metrics_disabled():
        metrics.add_metric(name=name, unit=MetricUnit.Seconds, value=value)


def measure(name: str, value: float) -> None:
    """A quantity without a CloudWatch unit (a balance in wei)."""
    if not is_metrics_disabled():
        metrics.add_metric(name=name, unit=MetricUnit.NoUnit, value=value)
