"""The CDK app of the Contract Management System (stacks: CmsData, CmsApi, CmsObservability,
CmsEnclave, CmsWeb).

``cdk.synth.synthesize()`` is the entry point for other Python code (tests, the local stack);
it runs the app in a subprocess and caches the templates. ``python -m cdk.app`` is what the
CDK CLI runs (see ``cdk.json``).
"""

from __future__ import annotations

import os

_JSII_NODE_BANNER = "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"


def silence_jsii_node_banner(major: str = "20") -> None:
    """Stop jsii from printing its end-of-life banner on every start under this Node major.

    jsii reads the variable as a comma-separated list of Node major versions ("1" silences
    nothing), and only when its runtime starts, so this must run before aws_cdk is used.
    """
    majors = {item.strip() for item in os.environ.get(_JSII_NODE_BANNER, "").split(",")}
    os.environ[_JSII_NODE_BANNER] = ",".join(sorted((majors - {""}) | {major}))


silence_jsii_node_banner()
