"""cdk-nag (AwsSolutions) wiring and the one way this app acknowledges a finding.

cdk-nag 3 runs as a CDK policy-validation plugin: synthesis fails on any finding that is not
acknowledged. An acknowledgement applies to the construct and everything below it, and with
``write_suppressions_to_cloud_formation`` it is also written into the resource's
``Metadata.cdk_nag.rules_to_suppress`` so the reasons can be audited in the template.
"""

from __future__ import annotations

from aws_cdk import Acknowledgment, App, Validations
from cdk_nag import AwsSolutionsChecks
from constructs import IConstruct


def add_checks(app: App) -> None:
    Validations.of(app).add_plugins(
        AwsSolutionsChecks(app, write_suppressions_to_cloud_formation=True)
    )


def acknowledge(scope: IConstruct, rule_id: str, reason: str) -> None:
    """Accept one finding (``AwsSolutions-XYZ`` or ``AwsSolutions-XYZ[finding]``) with a reason."""
    if len(reason) < 20:
        raise ValueError(f"acknowledging {rule_id} needs a specific reason, got {reason!r}")
    Validations.of(scope).acknowledge(Acknowledgment(id=rule_id, reason=reason))
