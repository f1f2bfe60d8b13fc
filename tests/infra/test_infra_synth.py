"""cdk.synth.synthesize: the helper other code (tests, the local stack) calls."""

from __future__ import annotations

import pytest

from cdk import synth as cdk_synth
from cdk.app import STACK_NAMES
from cdk.synth import synthesize

pytestmark = pytest.mark.infra


def test_returns_every_stack(templates: dict[str, dict]) -> None:
    assert set(templates) == set(STACK_NAMES)
    for template in templates.values():
        assert template["Resources"]


def test_repeated_call_is_served_from_the_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    # Brings the cache up to date first: sources may have changed since the session fixture ran.
    first = synthesize(layer_dependencies=False)

    def app_must_not_run(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the CDK app ran again for unchanged sources")

    monkeypatch.setattr(cdk_synth, "_run_app", app_must_not_run)
    assert synthesize(layer_dependencies=False) == first


def test_stacks_are_environment_agnostic(templates: dict[str, dict]) -> None:
    # Synthesis must not need credentials: nothing may be resolved to a concrete account.
    for template in templates.values():
        assert "123456789012" not in str(template)
        assert "Rules" in template  # the bootstrap version check of the default synthesizer


ADMIN_ONE = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
ADMIN_TWO = "did:pkh:eip155:1:0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"


def _deploy_context(context: dict[str, object]):
    from aws_cdk import App

    from cdk.context import DeployContext

    return DeployContext.from_node(App(context=context).node)


def test_bootstrap_admins_default_to_none_and_accept_a_list() -> None:
    assert _deploy_context({}).bootstrap_admins == ()
    assert _deploy_context({"bootstrap_admins": ""}).bootstrap_admins == ()
    listed = _deploy_context({"bootstrap_admins": [ADMIN_ONE, ADMIN_TWO, ADMIN_ONE]})
    assert listed.bootstrap_admins == (ADMIN_ONE, ADMIN_TWO)


def test_a_bootstrap_admin_that_is_not_a_did_fails_synthesis() -> None:
    with pytest.raises(ValueError, match="'not-a-did' is not a usable DID"):
        _deploy_context({"bootstrap_admins": f"{ADMIN_ONE},not-a-did"})


def test_context_overrides_reach_the_templates() -> None:
    from cdk.synth import DEFAULT_OUTDIR

    templates = synthesize(
        DEFAULT_OUTDIR.with_name("cdk.out-context-test"),
        layer_dependencies=False,
        context={
            "siwe_domain": "cms.example.com",
            "throttle_rate_limit": 7,
            "throttle_burst_limit": 9,
            "alarm_email": "ops@example.com",
            "bootstrap_admins": f" {ADMIN_ONE}, {ADMIN_TWO} ,",
            "cors_allow_origin": "https://app.example.com",
            # The API may narrow CORS to the web UI's origin only (CmsWeb checks they agree).
            "web_domain": "app.example.com",
            "web_certificate_arn": "arn:aws:acm:us-east-1:111122223333:certificate/"
                                   "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
        },
    )
    resources = templates["CmsApi"]["Resources"]
    variables = resources["AuthFunction"]["Properties"]["Environment"]["Variables"]
    assert variables["CMS_SIWE_DOMAIN"] == "cms.example.com"
    assert variables["CMS_SIWE_URI"] == "https://cms.example.com"
    functions = [r for r in resources.values() if r["Type"] == "AWS::Lambda::Function"]
    assert functions
    for function in functions:
        variables = function["Properties"]["Environment"]["Variables"]
        assert variables["CMS_BOOTSTRAP_ADMINS"] == f"{ADMIN_ONE},{ADMIN_TWO}"
        assert variables["CMS_CORS_ALLOW_ORIGIN"] == "https://app.example.com"
    (stage,) = [r for r in resources.values() if r["Type"] == "AWS::ApiGateway::Stage"]
    (settings,) = stage["Properties"]["MethodSettings"]
    assert (settings["ThrottlingRateLimit"], settings["ThrottlingBurstLimit"]) == (7, 9)
    subscriptions = [
        (r["Properties"]["Protocol"], r["Properties"]["Endpoint"])
        for r in templates["CmsObservability"]["Resources"].values()
        if r["Type"] == "AWS::SNS::Subscription"
    ]
    assert subscriptions == [("email", "ops@example.com")]
