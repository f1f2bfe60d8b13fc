"""The whole system on 127.0.0.1: moto as AWS, the template's resources, its functions behind
a local API Gateway, and its schedules. Used by ``make run`` and by the end-to-end tests.
"""

from __future__ import annotations

import json
import os
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from local_stack.template import REGION, Templates

Log = Callable[[str], Any]
RULE_ATTEMPTS = 3  # deliveries of one event to a rule's function before it is dropped


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def aws_environment(moto_port: int) -> dict[str, str]:
    return {
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{moto_port}",
        "MOTO_PORT": str(moto_port),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
    }


def local_overrides(api_port: int) -> dict[str, str]:
    """What differs from the cloud configuration when everything runs on this machine."""
    return {
        "CMS_SIWE_DOMAIN": f"localhost:{api_port}",
        "CMS_SIWE_URI": f"http://localhost:{api_port}",
        "CMS_CHAIN_ID": os.environ.get("CMS_CHAIN_ID", "31337"),
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": os.environ.get("CMS_LOG_LEVEL", "WARNING"),
        "POWERTOOLS_DEV": "false",
        # `CMS_BOOTSTRAP_ADMINS=did:… make run` makes that DID an admin when it registers.
        "CMS_BOOTSTRAP_ADMINS": os.environ.get("CMS_BOOTSTRAP_ADMINS", ""),
        # Webhook receivers on this machine (loopback) are fine here, never in the cloud.
        "CMS_WEBHOOKS_ALLOW_PRIVATE": "true",
    }


def lifted_request_limits() -> dict[str, str]:
    """Variables that put every identity's per-class request limits (cms.api.limits) out of
    the way, for tests and benchmarks that send many requests as one identity. The limits
    themselves are tested with small values (tests/unit/test_limits_per_identity.py)."""
    from cms.domain.ratelimit import RequestClass

    return {f"CMS_RATE_LIMIT_{kind.value.upper()}_{part}": "1000000"
            for kind in RequestClass if kind is not RequestClass.PUBLIC
            for part in ("BURST", "PER_MINUTE")}


@dataclass
class LocalStack:
    api_port: int = 8080
    schedule_every_s: float = 5.0
    log: Log = print
    access_log: Log | None = None
    moto_port: int = field(default_factory=free_port)
    extra_env: dict[str, str] = field(default_factory=dict)
    # Where anvil keeps its chain and the ledger's address between runs (None: throw away).
    chain_dir: Path | None = None

    def __post_init__(self) -> None:
        self._stopping = threading.Event()
        self._moto: Any = None
        self._anvil: Any = None
        self._paused: set[str] = set()
        self.gateway: Any = None
        self.functions: dict = {}
        self.ledger: Any = None
        self.enclave: Any = None

    @property
    def url(self) -> str:
        return f"http://localhost:{self.api_port}"

    def start(self) -> LocalStack:
        os.environ.update(aws_environment(self.moto_port))
        # Before anything imports the handlers (synthesis does): Powertools reads its
        # settings when a module creates its Logger and Metrics.
        os.environ.update(self._overrides())
        self._start_moto()
        templates = self._synthesize()
        from local_stack.provision import provision

        self.log("Creating resources from the template in moto:")
        tables = provision(templates, log=self.log)
        os.environ.update(tables)
        os.environ.update(self._overrides())
        self._start_chain(templates)
        self._start_enclave()
        self._start_functions(templates)
        self._start_integrations(templates)
        self._start_parent()
        self._start_gateway(templates)
        self._start_schedules(templates)
        self._start_event_rules(templates)
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self.enclave is not None:
            self.enclave.stop()
        if self.gateway is not None:
            self.gateway.stop()
        if self._anvil is not None:
            self._anvil.stop()
        if self._moto is not None:
            self._moto.stop()

    @contextmanager
    def paused(self, function_name: str) -> Iterator[None]:
        """Hold a scheduled function (tests that drive it themselves)."""
        self._paused.add(function_name)
        try:
            yield
        finally:
            self._paused.discard(function_name)

    def _overrides(self) -> dict[str, str]:
        return {**local_overrides(self.api_port), **self.extra_env}

    def services(self, function_name: str) -> Any:
        """Services wired as the function ``function_name`` has them (tests and benchmarks
        that call services directly against the stack's AWS)."""
        from cms.bootstrap import Services

        function = next(f for f in self.functions.values() if f.name == function_name)
        return Services(function.settings())

    def invoke(self, function_name: str, event: dict[str, Any]) -> Any:
        function = next(f for f in self.functions.values() if f.name == function_name)
        return function.invoke(event)

    # ---------------------------------------------------------------- steps

    def _start_moto(self) -> None:
        import logging

        from local_stack.moto_server import LocalMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)

        self.log(f"Starting moto (local AWS) on 127.0.0.1:{self.moto_port}")
        self._moto = LocalMotoServer(ip_address="127.0.0.1", port=self.moto_port,
                                     verbose=False)
        self._moto.start()

    def _synthesize(self) -> Templates:
        from cdk.synth import synthesize

        self.log("Synthesizing the CDK app (cached when sources are unchanged)")
        # The local stack runs the code from the repository, so the Lambda layer does not
        # need its dependency wheels (no downloads on `make run`).
        return Templates(synthesize(layer_dependencies=False))

    def _start_chain(self, templates: Templates) -> None:
        from local_stack.anvil import Anvil
        from local_stack.ledger import start_ledger

        state = None if self.chain_dir is None else self.chain_dir / "anvil-state.json"
        self.log("Starting anvil (Ethereum node)" + (f", state in {state}" if state else ""))
        self._anvil = Anvil(free_port(), state_file=state).start()
        [parameter] = [templates.physical[(r.stack, r.logical_id)]
                       for r in templates.resources("AWS::SSM::Parameter")]
        [secret] = [templates.physical[(r.stack, r.logical_id)]
                    for r in templates.resources("AWS::SecretsManager::Secret")
                    if "Ledger" in r.logical_id]
        self.ledger = start_ledger(
            self._anvil, parameter=parameter, signer_secret=secret, log=self.log,
            address_file=None if self.chain_dir is None else self.chain_dir / "ledger.json")

    def _start_functions(self, templates: Templates) -> None:
        from local_stack import iam
        from local_stack.lambdas import load_functions

        iam.install()  # each function's AWS calls are checked against its role
        self.functions = load_functions(templates, self._overrides())
        for function in self.functions.values():
            function.warm()
            self.log(f"  function  {function.name:<11} {function.handler}")

    def _start_enclave(self) -> None:
        """The enclave app starts now (torch imports while the rest comes up); its
        development root's file is known before the functions read their environment."""
        import tempfile

        from enclave_app.attestation_module import local_measurements
        from local_stack.enclave import LocalEnclave

        state = self.chain_dir or Path(tempfile.mkdtemp(prefix="cms-enclave-"))
        state.mkdir(parents=True, exist_ok=True)
        self.enclave = LocalEnclave(free_port(), state, self.log).start()
        self.extra_env["CMS_ATTESTATION_DEV_ROOT"] = str(self.enclave.root_file)
        # The image circuit contracts may name: the local app's (its PCR0 hashes its source).
        self.extra_env["CMS_ENCLAVE_PCR0S"] = local_measurements()[0].hex()
        os.environ.update(self._overrides())

    def _start_parent(self) -> None:
        from local_stack.enclave import parent_environment, run_circuit_parent, run_parent

        threading.Thread(target=run_parent, daemon=True, name="training-parent", args=(
            self.enclave, parent_environment(self.functions), self._stopping,
            lambda: "training-parent" in self._paused, self.log)).start()
        # Circuit evaluations: their own queue and loop (held with the training parent).
        threading.Thread(target=run_circuit_parent, daemon=True, name="circuits-parent", args=(
            self.enclave, parent_environment(self.functions), self._stopping,
            lambda: "training-parent" in self._paused, self.log)).start()

    def _start_integrations(self, templates: Templates) -> None:
        from local_stack.integrations import (
            Dispatch,
            Pollers,
            create_state_machines,
            route_lambda_invocations,
        )

        dispatch = Dispatch(self.functions)
        route_lambda_invocations(dispatch)
        create_state_machines(templates, self.functions, self.moto_port, self.log)
        Pollers(dispatch, self._stopping, self.log).start(templates)

    def _start_gateway(self, templates: Templates) -> None:
        from local_stack.gateway import Gateway, RouteTable
        from local_stack.static_site import StaticSite

        routes = RouteTable(templates, self.functions)
        # The UI's runtime configuration, public by nature: the API on the same origin, and
        # the local chain as the in-browser receipt verifier's default RPC URL.
        site = StaticSite.built({"apiUrl": "", "chainRpcUrl": self.ledger.rpc_url})
        self.gateway = Gateway(routes, self.api_port, self.access_log, site)
        self.api_port = self.gateway.port
        self.gateway.start()
        self.log(f"API Gateway (local) on {self.url} with {len(routes.methods)} methods"
                 + ("" if site else "; the web UI is not built (make run builds it)"))

    def _start_schedules(self, templates: Templates) -> None:
        from local_stack.template import referenced_logical_id

        for rule in templates.resources("AWS::Events::Rule"):
            expression = rule.properties.get("ScheduleExpression")
            for target in rule.properties.get("Targets", []) if expression else []:
                function = self.functions.get((rule.stack, referenced_logical_id(target["Arn"])))
                if function is not None:
                    self.log(f"  schedule  {function.name} ({expression} in the cloud, every "
                             f"{self.schedule_every_s:g}s here)")
                    threading.Thread(target=self._every, args=(function,), daemon=True,
                                     name=f"schedule-{function.name}").start()

    def _start_event_rules(self, templates: Templates) -> None:
        """Rules with an event pattern: moto matches events (S3's included) against them and
        delivers to SQS, not to Lambda, so each rule gets a queue that a thread drains into
        the rule's function, as EventBridge would invoke it."""
        import boto3

        from local_stack.template import referenced_logical_id

        events, sqs = boto3.client("events"), boto3.client("sqs")
        for rule in templates.resources("AWS::Events::Rule"):
            pattern = rule.properties.get("EventPattern")
            for target in rule.properties.get("Targets", []) if pattern else []:
                function = self.functions.get((rule.stack, referenced_logical_id(target["Arn"])))
                if function is None:
                    continue
                queue = sqs.create_queue(QueueName=f"rule-{rule.logical_id}"[:80])["QueueUrl"]
                arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])[
                    "Attributes"]["QueueArn"]
                bus = templates.resolve(rule.stack, rule.properties.get("EventBusName",
                                                                        "default"))
                events.put_rule(Name=rule.logical_id[:64], State="ENABLED", EventBusName=bus,
                                EventPattern=json.dumps(templates.resolve(rule.stack, pattern)))
                events.put_targets(Rule=rule.logical_id[:64], EventBusName=bus,
                                   Targets=[{"Id": "local", "Arn": arn}])
                self.log(f"  rule      {rule.logical_id} → {function.name}")
                threading.Thread(target=self._drain, args=(queue, function), daemon=True,
                                 name=f"rule-{function.name}").start()

    def _drain(self, queue_url: str, function: Any) -> None:
        import boto3

        sqs = boto3.client("sqs")
        while not self._stopping.is_set():
            try:
                messages = sqs.receive_message(
                    QueueUrl=queue_url, WaitTimeSeconds=1, MaxNumberOfMessages=10,
                    VisibilityTimeout=5, AttributeNames=["ApproximateReceiveCount"],
                ).get("Messages", [])
            except Exception:  # moto stopping
                if self._stopping.wait(0.5):
                    return
                continue
            for message in messages:
                try:
                    function.invoke(json.loads(message["Body"]))
                except Exception as error:  # EventBridge retries, then gives up
                    attempts = int(message["Attributes"]["ApproximateReceiveCount"])
                    self.log(f"[rule] {function.name} failed (attempt {attempts}): {error!r}")
                    if attempts < RULE_ATTEMPTS:
                        continue
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])

    def _every(self, function: Any) -> None:
        event = {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}
        while not self._stopping.wait(self.schedule_every_s):
            if function.name in self._paused:
                continue
            try:
                function.invoke(event)
            except Exception as error:
                self.log(f"[schedule] {function.name} failed: {error!r}")
