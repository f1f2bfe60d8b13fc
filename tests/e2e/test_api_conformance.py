"""schemathesis, every check it has, against the local stack: the API answers as its OpenAPI
document says, signed in as a party that owns real resources (api_world.py) so that the
success paths are fuzzed too, not only the refusals.

About 25 examples an operation here; ``make fuzz`` runs the same with more
(CMS_FUZZ_MAX_EXAMPLES) and asks for at least CMS_FUZZ_MIN_REQUESTS requests. CMS_FUZZ_SEED
replays a run (each run prints its seed). The configuration, the output and the reports of the
last run are kept in build/api-conformance/.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from tests.conftest import REPO
from tests.e2e.api_world import SignInRelay, World, build_world, webhook_receiver
from tests.e2e.conformance import DOCUMENT_PATH, configuration, run, wfc_document

pytestmark = pytest.mark.e2e

MAX_EXAMPLES = int(os.environ.get("CMS_FUZZ_MAX_EXAMPLES", "25"))
MIN_REQUESTS = int(os.environ.get("CMS_FUZZ_MIN_REQUESTS", "0"))
SEED = int(os.environ["CMS_FUZZ_SEED"]) if os.environ.get("CMS_FUZZ_SEED") else None
WORKDIR = REPO / "build" / "api-conformance"


@pytest.fixture(scope="module")
def world(stack: Any, admin_signer: Any, webhook_tls: tuple[str, str, str]) -> Iterator[World]:
    _, certificate, key = webhook_tls
    # Jobs stay pending while the fuzzer runs (a pending job is what `stop` acts on); once the
    # parent service runs again they fail at once: no local enclave has their measurement.
    with webhook_receiver(certificate, key) as port, stack.paused("training-parent"):
        yield build_world(stack.url, admin_signer, port)


class _Counter:
    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()

    def __call__(self, _line: str) -> None:
        with self._lock:
            self.count += 1


@contextmanager
def answered_requests(stack: Any) -> Iterator[_Counter]:
    """Count what the local API Gateway answers (its access log hook) while in the block."""
    counter, before = _Counter(), stack.gateway.access_log
    stack.gateway.access_log = counter
    try:
        yield counter
    finally:
        stack.gateway.access_log = before


# make fuzz runs as long as its request count takes; the suite's run gets a bound.
@pytest.mark.timeout(0 if MIN_REQUESTS else 900)
def test_the_api_answers_as_its_document_says_under_schemathesis(
        stack: Any, world: World, capsys: pytest.CaptureFixture[str]) -> None:
    document = httpx.get(stack.url + DOCUMENT_PATH, timeout=30).json()
    WORKDIR.mkdir(parents=True, exist_ok=True)
    with SignInRelay(world) as relay, answered_requests(stack) as answered:
        wfc_path = WORKDIR / "auth.json"
        wfc_path.write_text(json.dumps(wfc_document(world, relay.url)))
        config = configuration(document, world, wfc_path=wfc_path, max_examples=MAX_EXAMPLES,
                               seed=SEED)
        outcome = run(stack.url, config, WORKDIR)
    summary = outcome.summary()
    # The gateway's count has the checks' own probes; the test cases include methods its HTTP
    # server refuses before the handler sees them. Either way, these many were answered.
    requests = max(outcome.requests, answered.count)
    with capsys.disabled():  # the count and the result, whatever pytest captures
        print(f"\n{summary}\n{requests} requests in "
              f"{outcome.report.get('running_time', 0):.0f} s ({outcome.requests} test cases; "
              f"the gateway's handler served {answered.count}, the checks' probes included); "
              f"seed {outcome.report.get('seed')}")
    assert outcome.report, f"schemathesis did not finish:\n{outcome.output[-5000:]}"
    assert requests >= MIN_REQUESTS, (
        f"{requests} requests, fewer than the {MIN_REQUESTS} asked for")
    assert outcome.exit_code == 0 and not outcome.failures, summary
