"""The web UI's security headers as a CloudFront response headers policy.

``web/security-headers.json`` is the one definition, shared with the local gateway
(local_stack/static_site.py); it is read at synth time, so a change there reaches CloudFront
with the next deploy. CloudFront types five of those headers (``SecurityHeadersConfig``) and
refuses them as custom headers; every other header becomes a custom header. Every value
overrides whatever the origin sends.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from aws_cdk import Duration
from aws_cdk import aws_cloudfront as cloudfront

SECURITY_HEADERS_FILE = Path(__file__).resolve().parent.parent / "web" / "security-headers.json"
# CloudFront's limit on a Content-Security-Policy value (ResponseHeadersPolicy quotas).
CSP_MAX_LENGTH = 1783
_MAX_AGE = re.compile(r"max-age=(\d+)", re.IGNORECASE)


def read_security_headers(path: Path = SECURITY_HEADERS_FILE) -> dict[str, str]:
    """Header name -> value; keys starting with "_" are comments."""
    document = json.loads(path.read_text(encoding="utf-8"))
    return {name: str(value) for name, value in document.items() if not name.startswith("_")}


@dataclass(frozen=True)
class Hsts:
    max_age_s: int
    include_subdomains: bool
    preload: bool


def parse_hsts(value: str) -> Hsts:
    directives = [part.strip() for part in value.split(";") if part.strip()]
    match = next((m for d in directives if (m := _MAX_AGE.fullmatch(d))), None)
    if match is None:
        raise ValueError(f"Strict-Transport-Security without max-age: {value!r}")
    flags = {d.lower() for d in directives if not _MAX_AGE.fullmatch(d)}
    unknown = flags - {"includesubdomains", "preload"}
    if unknown:
        raise ValueError(f"Strict-Transport-Security directives CloudFront cannot express: "
                         f"{sorted(unknown)}")
    return Hsts(int(match.group(1)), "includesubdomains" in flags, "preload" in flags)


def _csp(value: str) -> cloudfront.ResponseHeadersContentSecurityPolicy:
    if len(value) > CSP_MAX_LENGTH:
        raise ValueError(f"Content-Security-Policy is {len(value)} characters; CloudFront "
                         f"takes at most {CSP_MAX_LENGTH}")
    return cloudfront.ResponseHeadersContentSecurityPolicy(content_security_policy=value,
                                                           override=True)


def _hsts(value: str) -> cloudfront.ResponseHeadersStrictTransportSecurity:
    hsts = parse_hsts(value)
    return cloudfront.ResponseHeadersStrictTransportSecurity(
        access_control_max_age=Duration.seconds(hsts.max_age_s),
        include_subdomains=hsts.include_subdomains, preload=hsts.preload, override=True)


def _content_type_options(value: str) -> cloudfront.ResponseHeadersContentTypeOptions:
    if value.strip().lower() != "nosniff":
        raise ValueError(f"X-Content-Type-Options can only be nosniff, got {value!r}")
    return cloudfront.ResponseHeadersContentTypeOptions(override=True)


def _frame_options(value: str) -> cloudfront.ResponseHeadersFrameOptions:
    option = value.strip().upper()
    if option not in ("DENY", "SAMEORIGIN"):
        raise ValueError(f"X-Frame-Options must be DENY or SAMEORIGIN, got {value!r}")
    return cloudfront.ResponseHeadersFrameOptions(
        frame_option=cloudfront.HeadersFrameOption[option], override=True)


def _referrer_policy(value: str) -> cloudfront.ResponseHeadersReferrerPolicy:
    name = value.strip().upper().replace("-", "_")
    if name not in cloudfront.HeadersReferrerPolicy.__members__:
        raise ValueError(f"Referrer-Policy {value!r} is not one CloudFront supports")
    return cloudfront.ResponseHeadersReferrerPolicy(
        referrer_policy=cloudfront.HeadersReferrerPolicy[name], override=True)


# The headers CloudFront types, by lower-case name: (its SecurityHeadersConfig field, parser).
_TYPED = {
    "content-security-policy": ("content_security_policy", _csp),
    "strict-transport-security": ("strict_transport_security", _hsts),
    "x-content-type-options": ("content_type_options", _content_type_options),
    "x-frame-options": ("frame_options", _frame_options),
    "referrer-policy": ("referrer_policy", _referrer_policy),
}
# Typed by CloudFront too, so refused as a custom header; not mapped because the UI does not
# send it (modern browsers ignore it; the CSP is the protection).
_TYPED_UNMAPPED = {"x-xss-protection"}


def response_headers(headers: Mapping[str, str]) -> tuple[
        cloudfront.ResponseSecurityHeadersBehavior, cloudfront.ResponseCustomHeadersBehavior]:
    """The policy's security and custom header behaviours for ``headers``."""
    typed: dict[str, object] = {}
    custom: list[cloudfront.ResponseCustomHeader] = []
    for name, value in headers.items():
        key = name.lower()
        if key in _TYPED_UNMAPPED:
            raise ValueError(f"{name} is a CloudFront security header this app does not map")
        if key in _TYPED:
            field, parse = _TYPED[key]
            typed[field] = parse(value)
        else:
            custom.append(cloudfront.ResponseCustomHeader(header=name, value=value,
                                                          override=True))
    return (cloudfront.ResponseSecurityHeadersBehavior(**typed),  # type: ignore[arg-type]
            cloudfront.ResponseCustomHeadersBehavior(custom_headers=custom))


def csp_directive(csp: str, directive: str) -> list[str]:
    """The sources of one CSP directive (empty if absent)."""
    for part in csp.split(";"):
        tokens = part.split()
        if tokens and tokens[0].lower() == directive.lower():
            return tokens[1:]
    return []
