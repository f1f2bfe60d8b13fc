"""moto's server (the local stack's, with its DynamoDB lock) in a process of its own.

moto keeps its state in module globals, shared by every server in a process: a second server
in the local stack's process would see the stack's tables, named as the platform names them.
A process of its own also keeps its work off the client's interpreter lock (benchmarks).
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from local_stack.stack import free_port

_SERVE = ("import sys, threading; from local_stack.moto_server import LocalMotoServer; "
          "LocalMotoServer(ip_address='127.0.0.1', port=int(sys.argv[1]), verbose=False)"
          ".start(); threading.Event().wait()")
_REPO = Path(__file__).resolve().parents[1]


@contextmanager
def moto_in_own_process(start_timeout_s: float = 30.0) -> Iterator[int]:
    """The port of a moto server running in a child process until the block ends."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-c", _SERVE, str(port)], cwd=_REPO,  # noqa: S603
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + start_timeout_s
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("moto did not start") from None
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)
