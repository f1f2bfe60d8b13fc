"""One function's runtime: its settings and services, made once per container.

A handler module creates a ``FunctionRuntime`` at import, which reads nothing. In Lambda the
first invocation builds the settings from the function's environment; the local stack instead
hands each function the settings of its own definition (``configure``), as Lambda would give
each its own environment, so a variable one function lacks fails there too.
"""

from __future__ import annotations

import os
import threading

from cms.bootstrap import Services
from cms.config import Settings


class FunctionRuntime:
    def __init__(self) -> None:
        self._services: Services | None = None
        self._lock = threading.Lock()

    def configure(self, settings: Settings) -> None:
        self.use(Services(settings))

    def use(self, services: Services) -> None:
        """Serve with these services (the local stack's, or a test's in-memory ones)."""
        with self._lock:
            self._services = services

    @property
    def services(self) -> Services:
        if self._services is None:
            with self._lock:
                if self._services is None:
                    # Lambda: the function's own environment, read at the first invocation.
                    self._services = Services(Settings.from_environ(os.environ))
        return self._services

    @property
    def settings(self) -> Settings:
        return self.services.settings
