"""CmsWeb: a private bucket read only by CloudFront (origin access control), HTTPS only, the
security headers of web/security-headers.json, the SPA rewrite, the runtime configuration."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from cdk.context import DeployContext
from cdk.web_headers import (
    CSP_MAX_LENGTH,
    csp_directive,
    parse_hsts,
    read_security_headers,
    response_headers,
)
from cdk.web_stack import (
    IMMUTABLE,
    MISSING_BUILD,
    REVALIDATE,
    SPA_REWRITE_CODE,
    WebStack,
    check_api_admits_web,
)

pytestmark = pytest.mark.infra

CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"  # CloudFront's managed policy id
CERTIFICATE = "arn:aws:acm:us-east-1:111122223333:certificate/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
CUSTOM_DOMAIN = {"web_domain": "cms.example.com", "web_certificate_arn": CERTIFICATE,
                 "web_chain_rpc_url": "https://rpc.example.org"}


def _of_type(template: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return {logical_id: body for logical_id, body in template["Resources"].items()
            if body["Type"] == resource_type}


def _distribution_config(template: dict[str, Any]) -> dict[str, Any]:
    return template["Resources"][WebStack.distribution_logical_id]["Properties"][
        "DistributionConfig"]


def _behaviors(config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {"default": config["DefaultCacheBehavior"],
            **{b["PathPattern"]: b for b in config.get("CacheBehaviors", [])}}


def _deployments(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {logical_id.split("CustomResource")[0]: body["Properties"]
            for logical_id, body in _of_type(template, "Custom::CDKBucketDeployment").items()}


@pytest.fixture(scope="module")
def web(templates: dict[str, dict]) -> dict[str, Any]:
    return templates["CmsWeb"]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    """CmsWeb alone, synthesized in this process with cdk-nag, from a built UI and a custom
    domain: (template, cloud assembly directory)."""
    dist = tmp_path_factory.mktemp("dist")
    (dist / "assets").mkdir()
    (dist / "index.html").write_text("<!doctype html><title>CMS</title>")
    (dist / "assets" / "index-abc123.js").write_text("export {};")
    return _synth(tmp_path_factory.mktemp("cdk.out"), dist, CUSTOM_DOMAIN)


@pytest.fixture(scope="module")
def unbuilt(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return _synth(tmp_path_factory.mktemp("cdk.out"), tmp_path_factory.mktemp("no-dist"), {})[0]


def _synth(outdir: Path, dist: Path, context: dict[str, str],
           env: Any = None) -> tuple[dict[str, Any], Path]:
    from aws_cdk import App, Fn

    from cdk.context import cdk_json_context
    from cdk.nag import add_checks

    app = App(outdir=str(outdir), context={**cdk_json_context(), **context})
    deploy = DeployContext.from_node(app.node)
    WebStack(app, "CmsWeb", api_url=Fn.import_value("CmsApi:ApiUrl"), deploy=deploy, dist=dist,
             env=env)
    add_checks(app)  # raises on any unacknowledged finding
    assembly = app.synth()
    return assembly.get_stack_by_name("CmsWeb").template, outdir


# -- The bucket ------------------------------------------------------------------------------


def test_the_bucket_is_private_encrypted_versioned_and_logged(web) -> None:
    bucket = web["Resources"][WebStack.bucket_logical_id]["Properties"]
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True}
    assert "WebsiteConfiguration" not in bucket  # never a public website endpoint
    assert bucket["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    [rule] = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    assert bucket["LoggingConfiguration"]["DestinationBucketName"] == {
        "Ref": WebStack.logs_bucket_logical_id}


def _bucket_statements(template: dict[str, Any], bucket: str) -> list[dict[str, Any]]:
    [policy] = [body["Properties"] for body in _of_type(template, "AWS::S3::BucketPolicy").values()
                if body["Properties"]["Bucket"] == {"Ref": bucket}]
    return policy["PolicyDocument"]["Statement"]


def test_only_this_distribution_may_read_the_bucket_and_only_over_tls(web) -> None:
    statements = _bucket_statements(web, WebStack.bucket_logical_id)
    allows = [s for s in statements if s["Effect"] == "Allow"]
    assert allows == [{
        "Action": ["s3:GetObject", "s3:ListBucket"],
        "Condition": {"StringEquals": {"AWS:SourceArn": {"Fn::Join": ["", [
            "arn:", {"Ref": "AWS::Partition"}, ":cloudfront::", {"Ref": "AWS::AccountId"},
            ":distribution/", {"Ref": WebStack.distribution_logical_id}]]}}},
        "Effect": "Allow",
        "Principal": {"Service": "cloudfront.amazonaws.com"},
        "Resource": allows[0]["Resource"],
    }]
    assert {"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}.items() <= (
        next(s for s in statements if s["Effect"] == "Deny").items())


def test_the_logs_bucket_is_private_and_tls_only(web) -> None:
    logs = web["Resources"][WebStack.logs_bucket_logical_id]["Properties"]
    assert all(logs["PublicAccessBlockConfiguration"].values())
    assert "AccessControl" not in logs  # S3 access logs arrive through the bucket policy
    statements = _bucket_statements(web, WebStack.logs_bucket_logical_id)
    assert any(s["Effect"] == "Deny" and s["Condition"] == {
        "Bool": {"aws:SecureTransport": "false"}} for s in statements)


# -- The distribution ------------------------------------------------------------------------


def test_the_distribution_reads_through_origin_access_control_not_an_oai(web) -> None:
    [(control_id, control)] = _of_type(web, "AWS::CloudFront::OriginAccessControl").items()
    assert control["Properties"]["OriginAccessControlConfig"] == {
        "Name": control["Properties"]["OriginAccessControlConfig"]["Name"],
        "OriginAccessControlOriginType": "s3", "SigningBehavior": "always",
        "SigningProtocol": "sigv4"}
    assert not _of_type(web, "AWS::CloudFront::CloudFrontOriginAccessIdentity")
    [origin] = _distribution_config(web)["Origins"]
    assert origin["DomainName"] == {"Fn::GetAtt": [WebStack.bucket_logical_id,
                                                   "RegionalDomainName"]}
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": [control_id, "Id"]}
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}


def test_viewers_get_https_http2_and_3_and_the_app_at_the_root(web) -> None:
    config = _distribution_config(web)
    assert config["HttpVersion"] == "http2and3"
    assert config["DefaultRootObject"] == "index.html"
    assert config["Logging"]["Bucket"] == {"Fn::GetAtt": [WebStack.logs_bucket_logical_id,
                                                          "RegionalDomainName"]}
    for behavior in _behaviors(config).values():
        assert behavior["ViewerProtocolPolicy"] == "redirect-to-https"
        assert behavior["AllowedMethods"] == ["GET", "HEAD"]
    assert "CustomErrorResponses" not in config  # missing files stay 404 (see the function)


def test_without_a_custom_domain_the_default_certificate_is_acknowledged(web) -> None:
    config = _distribution_config(web)
    assert "Aliases" not in config and "ViewerCertificate" not in config
    rules = web["Resources"][WebStack.distribution_logical_id]["Metadata"]["cdk_nag"][
        "rules_to_suppress"]
    assert "AwsSolutions-CFR4" in {rule["id"] for rule in rules}


def test_a_custom_domain_requires_tls_1_2_by_sni(built) -> None:
    template, _ = built
    config = _distribution_config(template)
    assert config["Aliases"] == ["cms.example.com"]
    assert config["ViewerCertificate"] == {"AcmCertificateArn": CERTIFICATE,
                                           "MinimumProtocolVersion": "TLSv1.2_2021",
                                           "SslSupportMethod": "sni-only"}
    rules = template["Resources"][WebStack.distribution_logical_id]["Metadata"]["cdk_nag"][
        "rules_to_suppress"]
    assert "AwsSolutions-CFR4" not in {rule["id"] for rule in rules}
    assert template["Outputs"]["WebUrl"]["Value"] == "https://cms.example.com"


def test_hashed_assets_are_cached_long_and_entry_points_are_revalidated(web) -> None:
    behaviors = _behaviors(_distribution_config(web))
    assert set(behaviors) == {"default", "/assets/*", "/config.json"}
    assert behaviors["/assets/*"]["CachePolicyId"] == CACHING_OPTIMIZED
    policies = {logical_id: body["Properties"]["CachePolicyConfig"]
                for logical_id, body in _of_type(web, "AWS::CloudFront::CachePolicy").items()}
    entry = policies[behaviors["default"]["CachePolicyId"]["Ref"]]
    config = policies[behaviors["/config.json"]["CachePolicyId"]["Ref"]]
    assert entry["MinTTL"] == entry["DefaultTTL"] == 0  # the origin's no-cache decides
    assert config["MinTTL"] == config["DefaultTTL"] == config["MaxTTL"] == 0
    for policy in (entry, config):
        # Nothing from the query reaches S3: with s3:ListBucket granted, "?list-type=2"
        # must not turn into a listing.
        keys = policy["ParametersInCacheKeyAndForwardedToOrigin"]
        assert keys["QueryStringsConfig"] == {"QueryStringBehavior": "none"}
        assert keys["HeadersConfig"] == {"HeaderBehavior": "none"}
        assert keys["CookiesConfig"] == {"CookieBehavior": "none"}
    for behavior in behaviors.values():
        assert "OriginRequestPolicyId" not in behavior


def test_the_build_is_deployed_with_its_cache_headers_assets_first(built) -> None:
    template, _ = built
    deployments = _deployments(template)
    assets, entry_points = deployments["WebAssets"], deployments["WebEntryPoints"]
    assert (assets["Include"], assets["Exclude"], assets["Prune"]) == (["assets/*"], ["*"], False)
    assert assets["SystemMetadata"] == {"cache-control": IMMUTABLE}
    assert entry_points["Exclude"] == ["assets/*", "config.json"]
    assert entry_points["Prune"] is True
    assert entry_points["SystemMetadata"] == {"cache-control": REVALIDATE}
    [entry_id] = [logical_id for logical_id in template["Resources"]
                  if logical_id.startswith("WebEntryPointsCustomResource")]
    [assets_id] = [logical_id for logical_id in template["Resources"]
                   if logical_id.startswith("WebAssetsCustomResource")]
    assert assets_id in template["Resources"][entry_id]["DependsOn"]


# -- Security headers ------------------------------------------------------------------------


def test_every_behavior_sends_the_security_headers_of_the_shared_file(web) -> None:
    [(policy_id, policy)] = _of_type(web, "AWS::CloudFront::ResponseHeadersPolicy").items()
    for behavior in _behaviors(_distribution_config(web)).values():
        assert behavior["ResponseHeadersPolicyId"] == {"Ref": policy_id}
    config = policy["Properties"]["ResponseHeadersPolicyConfig"]
    security = config["SecurityHeadersConfig"]
    headers = read_security_headers()
    assert security["ContentSecurityPolicy"] == {
        "ContentSecurityPolicy": headers["Content-Security-Policy"], "Override": True}
    hsts = parse_hsts(headers["Strict-Transport-Security"])
    assert security["StrictTransportSecurity"] == {
        "AccessControlMaxAgeSec": hsts.max_age_s, "IncludeSubdomains": hsts.include_subdomains,
        "Preload": hsts.preload, "Override": True}
    assert security["ContentTypeOptions"] == {"Override": True}
    assert security["FrameOptions"] == {"FrameOption": headers["X-Frame-Options"],
                                        "Override": True}
    assert security["ReferrerPolicy"] == {"ReferrerPolicy": headers["Referrer-Policy"],
                                          "Override": True}
    custom = {item["Header"]: item["Value"] for item in config["CustomHeadersConfig"]["Items"]}
    assert custom == {name: headers[name] for name in ("Permissions-Policy",
                                                       "Cross-Origin-Opener-Policy")}
    assert all(item["Override"] for item in config["CustomHeadersConfig"]["Items"])


def test_the_csp_is_strict_and_admits_the_api_origin(web) -> None:
    csp = read_security_headers()["Content-Security-Policy"]
    assert csp_directive(csp, "script-src") == ["'self'"]  # no inline scripts, no eval
    assert csp_directive(csp, "frame-ancestors") == ["'none'"]
    assert csp_directive(csp, "object-src") == ["'none'"]
    # The API is another origin (https://<id>.execute-api...): the https: source admits it.
    assert "https:" in csp_directive(csp, "connect-src")
    [marker] = _deployments(web)["RuntimeConfig"]["SourceMarkers"][0].values()
    assert marker["Fn::Join"][1][0] == '"https://'


def test_headers_policy_mapping_refuses_what_cloudfront_cannot_express() -> None:
    with pytest.raises(ValueError, match="X-XSS-Protection"):
        response_headers({"X-XSS-Protection": "0"})
    with pytest.raises(ValueError, match="at most"):
        response_headers({"Content-Security-Policy": "default-src 'self';" * CSP_MAX_LENGTH})
    with pytest.raises(ValueError, match="max-age"):
        parse_hsts("includeSubDomains")
    with pytest.raises(ValueError, match="DENY or SAMEORIGIN"):
        response_headers({"X-Frame-Options": "ALLOW-FROM https://example.com"})


# -- The single-page app's routes ------------------------------------------------------------


def test_the_spa_function_runs_on_viewer_requests_of_the_default_behavior_only(web) -> None:
    [(function_id, function)] = _of_type(web, "AWS::CloudFront::Function").items()
    assert function["Properties"]["FunctionConfig"]["Runtime"] == "cloudfront-js-2.0"
    assert function["Properties"]["FunctionCode"] == SPA_REWRITE_CODE.read_text()
    behaviors = _behaviors(_distribution_config(web))
    assert behaviors["default"]["FunctionAssociations"] == [{
        "EventType": "viewer-request",
        "FunctionARN": {"Fn::GetAtt": [function_id, "FunctionARN"]}}]
    assert all("FunctionAssociations" not in behaviors[path]
               for path in ("/assets/*", "/config.json"))


def _shared_rewrites() -> dict[str, str]:
    """The cases the local gateway is tested on too (tests/unit/test_static_site.py): the
    app's paths become /index.html, a path that names a file goes to S3 as it is, a build
    page to its folder's index.html."""
    cases = json.loads(SPA_PATHS.read_text())
    return {**dict.fromkeys(cases["app"], "/index.html"),
            **{path: path for path in cases["files"]}, **cases["pages"]}


SPA_PATHS = Path(__file__).resolve().parent.parent / "vectors" / "spa_paths.json"
REWRITES = {**_shared_rewrites(), "/config.json": "/config.json"}

_NODE_HARNESS = """
const fs = require("fs");
const vm = require("vm");
const context = vm.createContext({});
vm.runInContext(fs.readFileSync(process.argv[1], "utf8"), context);
const uris = JSON.parse(process.argv[2]);
const rewritten = uris.map((uri) => context.handler({
  version: "1.0", context: {eventType: "viewer-request"}, viewer: {ip: "192.0.2.1"},
  request: {method: "GET", uri, querystring: {}, headers: {}, cookies: {}},
}).uri);
process.stdout.write(JSON.stringify(rewritten));
"""


def test_the_spa_function_rewrites_only_paths_that_name_no_file() -> None:
    node = shutil.which("node")
    assert node, "node runs the CloudFront Function's code"
    uris = list(REWRITES)
    result = subprocess.run([node, "-e", _NODE_HARNESS, str(SPA_REWRITE_CODE), json.dumps(uris)],
                            capture_output=True, text=True, check=True, timeout=60)
    assert dict(zip(uris, json.loads(result.stdout), strict=True)) == REWRITES


# -- Runtime configuration -------------------------------------------------------------------


def test_config_json_carries_the_api_url_from_the_api_stack(templates, web) -> None:
    deployment = _deployments(web)["RuntimeConfig"]
    assert deployment["Prune"] is False
    assert deployment["SystemMetadata"] == {"cache-control": REVALIDATE,
                                            "content-type": "application/json"}
    [marker] = deployment["SourceMarkers"][0].values()
    pieces = marker["Fn::Join"][1]
    [imported] = [piece["Fn::ImportValue"] for piece in pieces if "Fn::ImportValue" in piece]
    exports = {output["Export"]["Name"]: output["Value"]
               for output in templates["CmsApi"]["Outputs"].values() if "Export" in output}
    assert exports[imported] == {"Ref": "RestApi"}
    assert pieces[-1] == '/prod"'  # the stage, no trailing slash: routes carry /api/v1


def test_config_json_holds_the_api_url_and_the_public_rpc_url_when_configured(built) -> None:
    template, outdir = built
    deployment = _deployments(template)["RuntimeConfig"]
    [marker_name] = deployment["SourceMarkers"][0]
    [config_file] = [path for path in outdir.glob("asset.*/config.json")]
    config = json.loads(config_file.read_text().replace(marker_name, '"https://api.test"'))
    assert config == {"apiUrl": "https://api.test", "chainRpcUrl": "https://rpc.example.org"}


def test_without_a_build_synthesis_works_and_the_deploy_is_refused(unbuilt) -> None:
    from cfnlint.api import lint

    assert set(_deployments(unbuilt)) == {"RuntimeConfig"}  # no placeholder site
    rule = unbuilt["Rules"]["WebUiBuilt"]
    [assertion] = rule["Assertions"]
    assert assertion["AssertDescription"] == MISSING_BUILD
    assert assertion["Assert"] == {"Fn::Equals": [{"Ref": "WebUiBuild"}, "built"]}
    assert unbuilt["Parameters"]["WebUiBuild"]["AllowedValues"] == ["missing"]
    assert not [m for m in lint(json.dumps(unbuilt)) if m.rule.id != "W3005"]


def test_the_checks_pass_in_a_concrete_environment_too(tmp_path) -> None:
    """With credentials the CLI resolves the account and region, and the bootstrap asset
    bucket's name in the deployment function's policy (so cdk-nag's finding) with them."""
    from aws_cdk import Environment

    template, _ = _synth(tmp_path / "cdk.out", tmp_path / "no-dist", {},
                         env=Environment(account="111122223333", region="eu-west-1"))
    rules = {rule["id"] for body in template["Resources"].values()
             for rule in body.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", [])}
    assert ("AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-"
            "111122223333-eu-west-1/*]") in rules


# -- Agreement with the API and context ------------------------------------------------------


def _deploy(context: dict[str, str]) -> DeployContext:
    from aws_cdk import App

    return DeployContext.from_node(App(context=context).node)


@pytest.mark.parametrize("context", [
    {"cors_allow_origin": "*"},
    {"cors_allow_origin": "https://cms.example.com", **CUSTOM_DOMAIN},
    {"cors_allow_origin": "https://d111111abcdef8.cloudfront.net"},
])
def test_the_api_cors_origin_admits_the_web_origin(context) -> None:
    check_api_admits_web(_deploy(context))


@pytest.mark.parametrize("context", [
    {"cors_allow_origin": "https://other.example.com", **CUSTOM_DOMAIN},
    {"cors_allow_origin": "https://app.example.com"},
])
def test_a_cors_origin_that_shuts_out_the_web_ui_fails_synthesis(context) -> None:
    with pytest.raises(ValueError, match="cors_allow_origin"):
        check_api_admits_web(_deploy(context))


def test_web_context_is_checked_and_binds_sign_in_to_the_ui_domain() -> None:
    deploy = _deploy(CUSTOM_DOMAIN)
    assert deploy.siwe_domain == "cms.example.com"
    assert _deploy({**CUSTOM_DOMAIN, "siwe_domain": "login.example.com"}).siwe_domain == (
        "login.example.com")
    assert _deploy({}).web_domain is None and _deploy({}).siwe_domain is None
    with pytest.raises(ValueError, match="go together"):
        _deploy({"web_domain": "cms.example.com"})
    with pytest.raises(ValueError, match="us-east-1"):
        _deploy({**CUSTOM_DOMAIN,
                 "web_certificate_arn": CERTIFICATE.replace("us-east-1", "eu-west-1")})
    with pytest.raises(ValueError, match="host name"):
        _deploy({**CUSTOM_DOMAIN, "web_domain": "https://cms.example.com"})
    for url in ("http://rpc.example.org", "https://user:key@rpc.example.org"):
        with pytest.raises(ValueError, match="web_chain_rpc_url"):
            _deploy({"web_chain_rpc_url": url})
