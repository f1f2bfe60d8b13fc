"""docs/api.md must list every stable error code the code can produce."""

from __future__ import annotations

import re
from pathlib import Path

import cms.adapters.contract_store
import cms.adapters.ledger_client
import cms.api.idempotency
import cms.domain.contracts  # noqa: F401
from cms.domain.errors import DomainError

DOCS = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from all_subclasses(sub)


def test_every_error_code_is_documented():
    documented = set(re.findall(r"`([a-z_]+)`", DOCS.read_text()))
    codes = {cls.code for cls in all_subclasses(DomainError)}
    codes |= {"internal_error"}  # produced in cms.api.http
    codes |= {"bad_request", "gateway_error"}  # API Gateway's default responses (cdk/)
    assert codes - documented == set()
