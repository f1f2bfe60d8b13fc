"""Shared fixtures. The local stack (moto + functions + gateway) starts once per test worker."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# jsii reads a list of Node major versions whose end-of-life banner to silence.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")


@pytest.fixture(scope="session")
def vectors() -> Path:
    from tests.vectors import VECTORS_DIR

    assert VECTORS_DIR.is_dir(), f"test vectors missing: {VECTORS_DIR} (../shared beside it)"
    return VECTORS_DIR


@dataclass
class Party:
    signer: object
    client: object

    @property
    def did(self) -> str:
        return self.signer.did  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def admin_signer():
    from cms_client import EthereumSigner

    return EthereumSigner(chain_id=31337)


@pytest.fixture(scope="session")
def webhook_tls(tmp_path_factory) -> tuple[str, str, str]:
    """(CA, certificate, key) for local HTTPS webhook receivers; the stack trusts the CA."""
    from tests.integration.test_did_web_fetch import _write_certificates

    return tuple(map(str, _write_certificates(tmp_path_factory.mktemp("webhook-tls"))))


@pytest.fixture(scope="session")
def stack(admin_signer, webhook_tls) -> Iterator[object]:
    from local_stack.stack import LocalStack, free_port, lifted_request_limits

    # CMS_TEST_STACK_LOG=path keeps the stack's own log (pollers, schedules) for debugging.
    log_path = os.environ.get("CMS_TEST_STACK_LOG")

    def log(line: str) -> None:
        if log_path:
            with open(log_path, "a") as out:
                out.write(f"{line}\n")

    local = LocalStack(
        api_port=free_port(), schedule_every_s=1.0, log=log,
        extra_env={
            # Every test request comes from 127.0.0.1: keep the per-address limit out of the
            # way; the per-DID limit keeps its production value and is tested as such.
            "CMS_SIGNIN_IP_BURST": "100000", "CMS_SIGNIN_IP_PER_MINUTE": "100000",
            # One identity sends the suites' (and the fuzzer's) many requests: the per-class
            # request limits are tested with small values of their own.
            **lifted_request_limits(),
            "CMS_BOOTSTRAP_ADMINS": admin_signer.did,
            # moto answers one call at a time: on a loaded 2-core machine /health's probes can
            # outlast production's 2 s together (the deadline is tested in the health unit tests).
            "CMS_HEALTH_PROBE_TIMEOUT_S": "15",
            # Reminders a few seconds ahead, so lifecycle tests with near deadlines see them.
            "CMS_SIGNING_REMINDER_S": "4", "CMS_EXPIRY_REMINDER_S": "4",
            "CMS_WEBHOOKS_CA_BUNDLE": webhook_tls[0],
            "POWERTOOLS_LOG_LEVEL": "ERROR",
        })
    local.start()
    yield local
    local.stop()


@pytest.fixture
def new_party(stack):
    """Factory: a freshly keyed party, registered and signed in."""
    from cms_client import CmsClient, Ed25519Signer, EthereumSigner

    clients = []

    def make(kind: str = "eth") -> Party:
        signer = EthereumSigner(chain_id=31337) if kind == "eth" else Ed25519Signer()
        client = CmsClient(stack.url)
        clients.append(client)
        client.register(signer)
        client.sign_in(signer)
        return Party(signer, client)

    yield make
    for client in clients:
        client.close()


@pytest.fixture(scope="session")
def _admin_session(stack, admin_signer) -> Iterator[dict]:
    from cms_client import CmsClient

    client = CmsClient(stack.url)
    client.register(admin_signer)
    yield {"client": client, "signed_in_at": None}
    client.close()


@pytest.fixture
def admin(_admin_session, admin_signer) -> Party:
    """The bootstrap admin, signed in once per 10 minutes (tokens last 15): signing in for
    every test would spend the per-DID sign-in budget, which is tested at its real value."""
    import time

    client, signed_in_at = _admin_session["client"], _admin_session["signed_in_at"]
    if signed_in_at is None or time.monotonic() - signed_in_at > 600:
        client.sign_in(admin_signer)
        _admin_session["signed_in_at"] = time.monotonic()
    return Party(admin_signer, client)
