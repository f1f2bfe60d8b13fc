"""Business metrics through Powertools (CloudWatch EMF).

Every function counts through ``count`` so that a disabled Metrics (local runs) records
nothing: Powertools keeps accumulating values while disabled and prints them once a metric
reaches 100 values, which would leak EMF lines into the local stack's console.
"""

from __future__ import annotations

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.metrics.functions import is_metrics_disabled

metrics = Metrics()


def count(name: str, value: float = 1) -> None:
    if not is_metrics_disabled():
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


def seconds(name: str, value: float) -> None:
    if not is_metrics_disabled():
        metrics.add_metric(name=name, unit=MetricUnit.Seconds, value=value)
