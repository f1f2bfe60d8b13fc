"""CDK entry point: ``python -m cdk.app`` from the repository root (what cdk.json runs).

The CDK CLI sets CDK_OUTDIR and CDK_CONTEXT_JSON; run bare, the app writes to ./cdk.out and
reads its context from cdk.json alone. The AwsSolutions checks run during synthesis and fail
it on any finding that is not acknowledged with a reason (see cdk/nag.py).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

from aws_cdk import App, Environment

from cdk.api_stack import ApiStack, input_key_pair_users, training_key_users
from cdk.context import REPO_ROOT, DeployContext, cdk_json_context
from cdk.data_stack import DataStack
from cdk.enclave_stack import EnclaveStack
from cdk.nag import add_checks
from cdk.observability_stack import ObservabilityStack
from cdk.packaging import build_assets, build_parent_bundle
from cdk.web_stack import WebStack, api_base_url, check_api_admits_web
from functions.registry import FUNCTIONS, Route, http_routes

DATA_STACK = "CmsData"
API_STACK = "CmsApi"
OBSERVABILITY_STACK = "CmsObservability"
ENCLAVE_STACK = "CmsEnclave"
WEB_STACK = "CmsWeb"
STACK_NAMES = (DATA_STACK, API_STACK, OBSERVABILITY_STACK, ENCLAVE_STACK, WEB_STACK)


def collect_routes() -> dict[str, list[Route]]:
    """Routes of every HTTP function, read from the handlers (imports each handler module)."""
    return {spec.name: http_routes(spec) for spec in FUNCTIONS if spec.http}


def build_app(routes: Mapping[str, Sequence[Route]] | None = None) -> App:
    # Without the CLI (no CDK_OUTDIR) App() would write to a temporary directory.
    outdir = None if "CDK_OUTDIR" in os.environ else str(REPO_ROOT / "cdk.out")
    app = App(context=cdk_json_context(), outdir=outdir)
    deploy = DeployContext.from_node(app.node)
    environment = Environment(account=deploy.account, region=deploy.region)
    assets = build_assets(deploy.architecture)
    data = DataStack(
        app,
        DATA_STACK,
        training_key_users=training_key_users(),
        input_key_pair_users=input_key_pair_users(),
        enclave_pcr0=deploy.enclave_pcr0,
        env=environment,
        description="CMS data: KMS keys, DynamoDB tables, buckets, secrets, training queue",
    )
    api = ApiStack(
        app,
        API_STACK,
        data=data,
        assets=assets,
        routes=collect_routes() if routes is None else routes,
        deploy=deploy,
        env=environment,
        description="CMS API: Lambda functions, layer, REST API, authorizer, schedules",
    )
    enclave = EnclaveStack(
        app,
        ENCLAVE_STACK,
        data=data,
        engine_function=api.functions["engine"],
        deploy=deploy,
        parent_bundle=build_parent_bundle(with_dependencies=assets.with_dependencies),
        env=environment,
        description="CMS enclave: VPC without internet, Nitro Enclaves parent instances",
    )
    ObservabilityStack(
        app,
        OBSERVABILITY_STACK,
        data=data,
        api=api,
        enclave=enclave,
        deploy=deploy,
        env=environment,
        description="CMS observability: dashboard, alarms, alarm topic",
    )
    check_api_admits_web(deploy)
    WebStack(
        app,
        WEB_STACK,
        api_url=api_base_url(api),
        deploy=deploy,
        env=environment,
        description="CMS web UI: private S3 bucket, CloudFront with origin access control",
    )
    add_checks(app)
    return app


def main() -> None:
    build_app().synth()


if __name__ == "__main__":
    main()
