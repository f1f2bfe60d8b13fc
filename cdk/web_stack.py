"""CmsWeb: the browser UI (web/dist) from a private S3 bucket through CloudFront.

- The bucket is private (all public access blocked, TLS required, SSE-S3, versioned) and only
  the distribution reads it, through Origin Access Control (SigV4, scoped to this distribution
  by ``AWS:SourceArn``), never as a website endpoint.
- A CloudFront Function (cdk/cloudfront/spa_rewrite.js) sends every path that names no file to
  /index.html, so the app's routes load while a missing file stays a 404 (the origin may list
  the bucket for exactly that: without s3:ListBucket, S3 answers 403 for a missing key).
- /assets/* (content-hashed names) are cached for a year; index.html and the other top-level
  files are revalidated on every load (``no-cache``); /config.json has its own policy: never
  cached at the edge.
- The response headers policy is web/security-headers.json (cdk/web_headers.py).
- /config.json is written at deploy time: ``{"apiUrl": <CmsApi's URL>}`` plus ``chainRpcUrl``
  when context ``web_chain_rpc_url`` is set, so one build serves every deployment.

web/dist is built before deploying (docs/deploy.md, "The web UI"). Synthesis without it still
succeeds, so tests and the local stack need no UI build, but the template then carries a
CloudFormation rule that makes the deploy fail at once with the instruction (and `cdk synth`
prints the same warning): deploying a distribution without its pages is never what is meant.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from aws_cdk import (
    Annotations,
    CfnOutput,
    CfnParameter,
    CfnRule,
    CfnRuleAssertion,
    DefaultStackSynthesizer,
    Duration,
    Fn,
    RemovalPolicy,
    Stack,
    Token,
)
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from cdk.api_gateway import STAGE_NAME
from cdk.api_stack import ApiStack
from cdk.context import REPO_ROOT, DeployContext
from cdk.nag import acknowledge
from cdk.web_headers import read_security_headers, response_headers

WEB_DIST = REPO_ROOT / "web" / "dist"
SPA_REWRITE_CODE = Path(__file__).resolve().parent / "cloudfront" / "spa_rewrite.js"
BOOTSTRAP_QUALIFIER_CONTEXT = "@aws-cdk/core:bootstrapQualifier"
ASSETS_PATTERN = "assets/*"
RUNTIME_CONFIG = "config.json"
# Hashed names change with their content, so a cached copy is never stale. Everything else
# (index.html, config.json, favicon) is revalidated: a deploy reaches the next page load.
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
DEPLOYMENT_MEMORY_MB = 512  # the deployment function unzips the build in /tmp and syncs it
# BucketDeployment's grants (aws-cdk-lib's read of the source asset and write of the
# destination): the build's file names are only known at deploy time. The asset bucket's
# objects are acknowledged apart (_asset_bucket_objects: the name holds account and region).
_DEPLOYMENT_GRANTS = {
    "Resource::<WebBucket.Arn>/*":
        "BucketDeployment writes and prunes the build under any key of the web bucket: the "
        "file names (hashed assets) change with every build.",
    "Action::s3:GetObject*": "aws-cdk-lib's grantRead, limited to the asset bucket and the web "
                             "bucket: the sync downloads the build's zip and compares objects.",
    "Action::s3:GetBucket*": "aws-cdk-lib's grantRead, limited to the asset bucket and the web "
                             "bucket: the sync reads the buckets' location and versioning.",
    "Action::s3:List*": "aws-cdk-lib's grantRead, limited to the asset bucket and the web "
                        "bucket: the sync lists both sides to compare them.",
    "Action::s3:DeleteObject*": "aws-cdk-lib's grantReadWrite on the web bucket only: prune "
                                "deletes the files dropped from the build.",
    "Action::s3:Abort*": "aws-cdk-lib's grantReadWrite on the web bucket only: the sync aborts "
                         "its own failed multipart uploads.",
}
_CLOUDFRONT_ORIGIN = re.compile(r"https://[a-z0-9]+\.cloudfront\.net")
MISSING_BUILD = ("web/dist/index.html is missing: build the UI first (docs/deploy.md, "
                 "\"The web UI\"), then deploy CmsWeb again")


class WebStack(Stack):
    bucket_logical_id = "WebBucket"
    logs_bucket_logical_id = "WebLogsBucket"
    distribution_logical_id = "Distribution"

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        api_url: str,
        deploy: DeployContext,
        dist: Path = WEB_DIST,
        **kwargs: Any,
    ) -> None:
        """``api_url``: the API's base URL (a CmsApi token); ``dist``: the built UI."""
        super().__init__(scope, construct_id, **kwargs)
        self.deploy = deploy
        self.logs_bucket = self._logs_bucket()
        self.bucket = self._bucket()
        self.headers_policy = self._headers_policy(read_security_headers())
        self.spa_rewrite = cloudfront.Function(
            self, "SpaRewrite",
            code=cloudfront.FunctionCode.from_file(file_path=str(SPA_REWRITE_CODE)),
            runtime=cloudfront.FunctionRuntime.JS_2_0,
            comment="Paths that name no file load the single-page app (/index.html)")
        self.distribution = self._distribution()
        self.runtime_config = self._runtime_config(api_url)
        if (dist / "index.html").is_file():
            self._deploy_site(dist)
        else:
            self._refuse_deploy_without_build()
        self._acknowledge_deployment_function()
        self._outputs()

    # -- Storage ------------------------------------------------------------------------------

    def _logs_bucket(self) -> s3.Bucket:
        bucket = s3.Bucket(
            self, self.logs_bucket_logical_id,
            encryption=s3.BucketEncryption.S3_MANAGED,  # log delivery cannot use a KMS key
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            # CloudFront's standard logs are delivered with an ACL grant to its log account.
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
            lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(365))],
            removal_policy=RemovalPolicy.RETAIN,
        )
        _cfn(bucket).override_logical_id(self.logs_bucket_logical_id)
        acknowledge(_cfn(bucket), "AwsSolutions-S1",
                    "This is the access-log bucket of the web bucket and the distribution; "
                    "logging it into itself would loop.")
        return bucket

    def _bucket(self) -> s3.Bucket:
        bucket = s3.Bucket(
            self, self.bucket_logical_id,
            # The build is public by nature (every visitor downloads it): SSE-S3 protects the
            # disks; a KMS key would add a key policy for CloudFront and protect nothing more.
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            # A deploy overwrites index.html and config.json in place: earlier versions stay
            # restorable for 30 days without rebuilding the old commit.
            versioned=True,
            lifecycle_rules=[s3.LifecycleRule(
                noncurrent_version_expiration=Duration.days(30),
                abort_incomplete_multipart_upload_after=Duration.days(1))],
            server_access_logs_bucket=self.logs_bucket,
            server_access_logs_prefix="s3/",
            removal_policy=RemovalPolicy.RETAIN,
        )
        _cfn(bucket).override_logical_id(self.bucket_logical_id)
        return bucket

    # -- Distribution -------------------------------------------------------------------------

    def _headers_policy(self, headers: dict[str, str]) -> cloudfront.ResponseHeadersPolicy:
        security, custom = response_headers(headers)
        return cloudfront.ResponseHeadersPolicy(
            self, "SecurityHeaders",
            comment="CMS web UI security headers (web/security-headers.json)",
            security_headers_behavior=security,
            custom_headers_behavior=custom,
        )

    def _cache_policies(self) -> tuple[cloudfront.ICachePolicy, cloudfront.ICachePolicy]:
        """(entry points, runtime configuration). Neither varies on query strings, headers or
        cookies: S3 would not answer differently, and a query string reaching the bucket
        could turn a request into a listing (the origin may list, for 404s)."""
        entry_points = cloudfront.CachePolicy(
            self, "EntryPointsCachePolicy",
            comment="index.html and top-level files: the origin's Cache-Control (no-cache)",
            min_ttl=Duration.seconds(0), default_ttl=Duration.seconds(0),
            max_ttl=Duration.days(365),
            enable_accept_encoding_gzip=True, enable_accept_encoding_brotli=True)
        runtime_config = cloudfront.CachePolicy(
            self, "RuntimeConfigCachePolicy",
            comment="/config.json: never cached at the edge, so a redeploy of the API's URL "
                    "reaches the next page load",
            min_ttl=Duration.seconds(0), default_ttl=Duration.seconds(0),
            max_ttl=Duration.seconds(0))
        return entry_points, runtime_config

    def _distribution(self) -> cloudfront.Distribution:
        origin = origins.S3BucketOrigin.with_origin_access_control(
            self.bucket,
            origin_access_levels=[cloudfront.AccessLevel.READ, cloudfront.AccessLevel.LIST])
        entry_points, runtime_config = self._cache_policies()

        def behavior(cache_policy: cloudfront.ICachePolicy,
                     *functions: cloudfront.FunctionAssociation) -> cloudfront.BehaviorOptions:
            return cloudfront.BehaviorOptions(
                origin=origin,
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD,
                cache_policy=cache_policy,
                response_headers_policy=self.headers_policy,
                compress=True,
                function_associations=list(functions) or None)

        custom_domain: dict[str, Any] = {}
        if self.deploy.web_domain:
            custom_domain = {
                "domain_names": [self.deploy.web_domain],
                "certificate": acm.Certificate.from_certificate_arn(
                    self, "Certificate", str(self.deploy.web_certificate_arn)),
                "minimum_protocol_version": cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
                "ssl_support_method": cloudfront.SSLMethod.SNI,
            }
        distribution = cloudfront.Distribution(
            self, self.distribution_logical_id,
            comment="CMS web UI",
            default_root_object="index.html",
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            default_behavior=behavior(entry_points, cloudfront.FunctionAssociation(
                function=self.spa_rewrite,
                event_type=cloudfront.FunctionEventType.VIEWER_REQUEST)),
            additional_behaviors={
                f"/{ASSETS_PATTERN}": behavior(cloudfront.CachePolicy.CACHING_OPTIMIZED),
                f"/{RUNTIME_CONFIG}": behavior(runtime_config),
            },
            enable_logging=True,
            log_bucket=self.logs_bucket,
            log_file_prefix="cloudfront/",
            **custom_domain,
        )
        _cfn(distribution).override_logical_id(self.distribution_logical_id)
        Annotations.of(distribution).acknowledge_warning(
            "@aws-cdk/aws-cloudfront-origins:listBucketSecurityRisk",
            "The default root object is index.html and no cache policy forwards a query "
            "string to S3, so the listing permission cannot produce a listing.")
        self._acknowledge_distribution_findings(distribution)
        return distribution

    def _acknowledge_distribution_findings(self, distribution: cloudfront.Distribution) -> None:
        if not self.deploy.web_domain:
            acknowledge(
                distribution, "AwsSolutions-CFR4",
                "No custom domain configured (context web_domain): the *.cloudfront.net "
                "certificate's security policy is fixed by CloudFront and not settable; with "
                "web_domain the distribution requires TLSv1.2_2021 (docs/deploy.md).")
        acknowledge(
            distribution, "AwsSolutions-CFR1",
            "Contract parties and auditors sign in from anywhere; the UI is static files and "
            "every decision is the API's, so a geographic restriction would protect nothing.")
        acknowledge(
            distribution, "AwsSolutions-CFR2",
            "No WAF web ACL: the distribution serves only static files from a private bucket "
            "(GET/HEAD, no query strings); the API it calls is throttled and rate-limited "
            "itself. docs/deploy.md shows where to attach one.")

    # -- Content ------------------------------------------------------------------------------

    def _deployment(self, construct_id: str, sources: list[s3deploy.ISource],
                    **options: Any) -> s3deploy.BucketDeployment:
        return s3deploy.BucketDeployment(
            self, construct_id, destination_bucket=self.bucket, sources=sources,
            memory_limit=DEPLOYMENT_MEMORY_MB, **options)

    def _runtime_config(self, api_url: str) -> s3deploy.BucketDeployment:
        """config.json, written at deploy time from CmsApi's URL (an import of its export)."""
        config: dict[str, str] = {"apiUrl": api_url}
        if self.deploy.web_chain_rpc_url:
            config["chainRpcUrl"] = self.deploy.web_chain_rpc_url
        return self._deployment(
            "RuntimeConfig", [s3deploy.Source.json_data(RUNTIME_CONFIG, config)],
            prune=False, cache_control=[s3deploy.CacheControl.from_string(REVALIDATE)],
            content_type="application/json")

    def _deploy_site(self, dist: Path) -> None:
        """Two passes over the same build asset (uploaded once). Hashed assets first and
        never pruned: a tab still running the previous index.html keeps loading its lazy
        chunks. Then the entry points, pruned (a file dropped from the build goes), with
        assets/ and config.json left alone."""
        build = s3deploy.Source.asset(str(dist))
        assets = self._deployment(
            "WebAssets", [build], exclude=["*"], include=[ASSETS_PATTERN], prune=False,
            cache_control=[s3deploy.CacheControl.from_string(IMMUTABLE)])
        entry_points = self._deployment(
            "WebEntryPoints", [build], exclude=[ASSETS_PATTERN, RUNTIME_CONFIG], prune=True,
            cache_control=[s3deploy.CacheControl.from_string(REVALIDATE)])
        # index.html names the new chunks: they must be there before it is.
        entry_points.node.add_dependency(assets)

    def _refuse_deploy_without_build(self) -> None:
        Annotations.of(self).add_warning_v2("cms:web-dist-missing", MISSING_BUILD)
        # Rules are checked when the change set is created, before any resource changes. The
        # parameter's only allowed value fails the assertion, so no deploy of this template
        # can succeed; its description says why to anyone reading the console.
        build = CfnParameter(
            self, "WebUiBuild", type="String", default="missing", allowed_values=["missing"],
            description="web/dist was not built when this template was synthesized")
        CfnRule(self, "WebUiBuilt", assertions=[CfnRuleAssertion(
            assert_=Fn.condition_equals(build.value_as_string, "built"),
            assert_description=MISSING_BUILD)])

    def _acknowledge_deployment_function(self) -> None:
        """BucketDeployment's own Lambda (one per stack, shared by the deployments)."""
        for child in self.node.children:
            if not child.node.id.startswith("Custom::CDKBucketDeployment"):
                continue
            acknowledge(child, "AwsSolutions-L1",
                        "aws-cdk-lib's BucketDeployment function: its runtime is chosen and "
                        "updated by aws-cdk-lib with the AWS CLI layer it bundles, not here.")
            acknowledge(child, "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:"
                               "policy/service-role/AWSLambdaBasicExecutionRole]",
                        "aws-cdk-lib's BucketDeployment function logs with the AWS managed "
                        "basic execution policy (CloudWatch Logs only).")
            acknowledge(child, f"AwsSolutions-IAM5[{self._asset_bucket_objects()}]",
                        "BucketDeployment reads the build's zip from the CDK bootstrap asset "
                        "bucket; the object key is the asset hash, known only when the CLI "
                        "publishes it.")
            for finding, reason in _DEPLOYMENT_GRANTS.items():
                acknowledge(child, f"AwsSolutions-IAM5[{finding}]", reason)

    def _asset_bucket_objects(self) -> str:
        """cdk-nag's name for the bootstrap asset bucket's objects: the account and region
        are placeholders while unresolved (environment-agnostic), literal otherwise."""
        qualifier = (self.node.try_get_context(BOOTSTRAP_QUALIFIER_CONTEXT)
                     or DefaultStackSynthesizer.DEFAULT_QUALIFIER)
        account = "<AWS::AccountId>" if Token.is_unresolved(self.account) else self.account
        region = "<AWS::Region>" if Token.is_unresolved(self.region) else self.region
        return f"Resource::arn:<AWS::Partition>:s3:::cdk-{qualifier}-assets-{account}-{region}/*"

    def _outputs(self) -> None:
        domain = self.deploy.web_domain or self.distribution.distribution_domain_name
        CfnOutput(self, "WebUrl", value=f"https://{domain}")
        CfnOutput(self, "DistributionId", value=self.distribution.distribution_id)
        CfnOutput(self, "DistributionDomainName",
                  value=self.distribution.distribution_domain_name)
        CfnOutput(self, "WebBucketName", value=self.bucket.bucket_name)


def api_base_url(api: ApiStack) -> str:
    """CmsApi's stage URL without the trailing slash (routes carry /api/v1 themselves)."""
    return (f"https://{api.rest_api.rest_api_id}.execute-api.{api.region}.{api.url_suffix}"
            f"/{STAGE_NAME}")


def check_api_admits_web(deploy: DeployContext) -> None:
    """The API's CORS origin (context cors_allow_origin: preflights, gateway responses, the
    handlers, the upload bucket) must let the UI's origin call it, or every call from the
    browser fails. "*" admits it. A single origin must be the UI's: https://<web_domain>, or,
    without a custom domain, the distribution's *.cloudfront.net name, which exists only after
    the first deploy (docs/deploy.md: deploy with "*", then narrow)."""
    allowed = deploy.cors_allow_origin
    if allowed == "*":
        return
    if deploy.web_domain:
        expected = f"https://{deploy.web_domain}"
        if allowed != expected:
            raise ValueError(f"context 'cors_allow_origin' is {allowed!r} but the web UI is "
                             f"served from {expected}: the browser could not call the API")
    elif not _CLOUDFRONT_ORIGIN.fullmatch(allowed):
        raise ValueError(f"context 'cors_allow_origin' is {allowed!r}, which is not the web "
                         "UI's origin: set web_domain, or use the distribution's "
                         "https://<id>.cloudfront.net name, or '*'")


def _cfn(construct: Construct) -> Any:
    return construct.node.default_child
