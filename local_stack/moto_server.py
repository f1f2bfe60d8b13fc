"""moto's threaded server, with DynamoDB requests serialised.

moto's DynamoDB backend is not thread-safe: under concurrent TransactWriteItems it fails with
"dictionary changed size during iteration" (HTTP 500), where real DynamoDB would serialise
conflicting transactions itself. One lock around DynamoDB calls restores that guarantee
locally; other services keep running concurrently.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def serialise_dynamodb(app: WsgiApp) -> WsgiApp:
    lock = threading.Lock()

    def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        # DynamoDB and its streams (which read the same tables).
        if environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB"):
            with lock:
                return list(app(environ, start_response))
        return app(environ, start_response)

    return wrapped


class LocalMotoServer(ThreadedMotoServer):
    def _server_entry(self) -> None:
        app = serialise_dynamodb(DomainDispatcherApplication(create_backend_app))
        self._server = make_server(self._ip_address, self._port, app, True,
                                   request_handler=MotoRequestHandler)
        self._server_ready_event.set()
        self._server.serve_forever()
