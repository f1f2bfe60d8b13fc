"""Run the template's Lambda functions in this process.

Like Lambda, each instance of a function handles one request at a time; concurrent requests get
more instances (up to a cap), each a fresh import of the handler module, because Powertools
resolvers keep per-request state on the resolver object. Each instance gets the settings of
its own function's environment (the template's variables, resolved), never the process's: a
variable missing from one function's definition fails here as it would in Lambda.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import queue
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from cms.config import Settings
from local_stack.background import GATE
from local_stack.iam import FunctionPolicy, acting_as, function_policies
from local_stack.template import ACCOUNT, REGION, Templates

REPO = Path(__file__).resolve().parents[1]
MAX_INSTANCES = 4


@dataclass
class LambdaContext:
    function_name: str
    memory_limit_in_mb: int
    timeout_s: int
    aws_request_id: str
    started: float

    function_version = "$LATEST"

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{self.function_name}"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    log_stream_name = "local"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.started + self.timeout_s - time.monotonic()) * 1000))


class LocalFunction:
    def __init__(self, name: str, handler: str, environment: dict[str, str], memory_mb: int,
                 timeout_s: int, *, policy: FunctionPolicy | None = None) -> None:
        self.name = name
        self.policy = policy  # its role's IAM policies: what its AWS calls may do
        self.handler = handler
        self.environment = environment
        self.memory_mb = memory_mb
        self.timeout_s = timeout_s
        self._idle: queue.Queue[ModuleType] = queue.Queue()
        self._count = 0
        self._lock = threading.Lock()
        self._instances: list[ModuleType] = []
        self._varied: dict[str, str] = {}

    @property
    def module_name(self) -> str:
        return self.handler.rsplit(".", 1)[0]

    def warm(self) -> None:
        """Import one instance now (fails early on import errors, like an INIT phase)."""
        with self._lock:
            self._count += 1
            number = self._count
        self._idle.put(self._instance(number))

    def invoke(self, event: dict[str, Any]) -> Any:
        instance = self._acquire()
        context = LambdaContext(self.name, self.memory_mb, self.timeout_s,
                                str(uuid.uuid4()), time.monotonic())
        try:
            with GATE.passage(), acting_as(self.policy):
                return getattr(instance, self.handler.rsplit(".", 1)[1])(event, context)
        finally:
            self._idle.put(instance)

    def _acquire(self) -> ModuleType:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            number = self._count + 1 if self._count < MAX_INSTANCES else None
            if number is not None:
                self._count = number
        return self._idle.get() if number is None else self._instance(number)

    def _instance(self, number: int) -> ModuleType:
        # Powertools reads its own variables (service name, log level) when the module first
        # creates its logger; everything of ours comes from the settings handed over below.
        with _Environment(_powertools_only(self.environment)):
            if number == 1:
                module = importlib.import_module(self.module_name)
            else:
                module = fresh_instance(self.module_name, f"{self.module_name}__{number}")
        runtime = getattr(module, "runtime", None)
        if runtime is not None:
            runtime.configure(self.settings())
        self._instances.append(module)
        return module

    def settings(self) -> Settings:
        """This function's settings: the AWS endpoint of the process (moto) and its own
        variables."""
        aws = {key: value for key, value in os.environ.items() if key.startswith("AWS_")}
        return Settings.from_environ({**aws, **self.environment, **self._varied})

    @contextmanager
    def varied(self, variables: dict[str, str]) -> Iterator[None]:
        """Serve with ``variables`` over the function's own for a while (a test of a setting
        through the gateway): every instance is configured again on the way in and out."""
        self._varied = dict(variables)
        self._configure_instances()
        try:
            yield
        finally:
            self._varied = {}
            self._configure_instances()

    def _configure_instances(self) -> None:
        for module in list(self._instances):
            runtime = getattr(module, "runtime", None)
            if runtime is not None:
                runtime.configure(self.settings())


def _powertools_only(environment: dict[str, str]) -> dict[str, str]:
    return {key: value for key, value in environment.items()
            if key.startswith("POWERTOOLS_")}


_env_lock = threading.Lock()


class _Environment:
    """Apply a function's own variables while its module initialises (e.g. service name)."""

    def __init__(self, variables: dict[str, str]) -> None:
        self._variables = variables
        self._saved: dict[str, str | None] = {}

    def __enter__(self) -> None:
        _env_lock.acquire()
        for key, value in self._variables.items():
            self._saved[key] = os.environ.get(key)
            os.environ[key] = value

    def __exit__(self, *_: object) -> None:
        for key, value in self._saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        _env_lock.release()


def fresh_instance(module_name: str, alias: str | None = None) -> ModuleType:
    """Another instance of a handler module (its own resolver and runtime), as Lambda runs
    each concurrent request in a container of its own."""
    alias = alias or f"{module_name}__{uuid.uuid4().hex}"
    path = REPO / (module_name.replace(".", "/") + ".py")
    spec = importlib.util.spec_from_file_location(alias, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[alias] = module
    spec.loader.exec_module(module)
    return module


def load_functions(templates: Templates, overrides: dict[str, str]) -> dict[tuple[str, str],
                                                                         LocalFunction]:
    """Every AWS::Lambda::Function of the app, keyed by (stack, logical id), each acting
    under its role's policies."""
    policies = function_policies(templates)
    functions = {}
    for resource in templates.resources("AWS::Lambda::Function"):
        handler = resource.properties.get("Handler", "")
        if not handler.startswith("functions."):
            continue  # CDK's own helper functions (e.g. log retention) do not run locally
        variables = templates.resolve(
            resource.stack, resource.properties.get("Environment", {}).get("Variables", {}))
        environment = {key: str(value) for key, value in variables.items()}
        environment.update(overrides)
        name = environment.get("POWERTOOLS_SERVICE_NAME") or resource.logical_id
        functions[(resource.stack, resource.logical_id)] = LocalFunction(
            name, handler, environment, int(resource.properties.get("MemorySize", 128)),
            int(resource.properties.get("Timeout", 3)),
            policy=policies.get((resource.stack, resource.logical_id)))
    return functions
