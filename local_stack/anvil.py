"""anvil, the Ethereum node from the pinned npm package, as a child process on 127.0.0.1."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BINARY = REPO / "node_modules" / ".bin" / "anvil"


class Anvil:
    def __init__(self, port: int, *, state_file: Path | None = None,
                 chain_id: int = 31337) -> None:
        self.port = port
        self.chain_id = chain_id
        self._state_file = state_file
        self._process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 30.0) -> Anvil:
        binary = str(BINARY) if BINARY.exists() else shutil.which("anvil")
        if binary is None:
            raise RuntimeError("anvil not found: run `make install` (npm @foundry-rs/anvil)")
        command = [binary, "--host", "127.0.0.1", "--port", str(self.port),
                   "--chain-id", str(self.chain_id), "--silent"]
        if self._state_file is not None:
            command += ["--state", str(self._state_file)]  # persisted across restarts
        self._process = subprocess.Popen(command, stdout=subprocess.DEVNULL,  # noqa: S603
                                         stderr=subprocess.PIPE)
        self._wait_ready(timeout_s)
        return self

    def stop(self) -> None:
        stop_process(self._process)

    def _wait_ready(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        request = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId",
                              "params": []}).encode()
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise RuntimeError(f"anvil exited: {self._process.stderr.read().decode()}")
            try:
                call = urllib.request.Request(self.url, data=request,  # noqa: S310 - loopback
                                              headers={"Content-Type": "application/json"})
                with urllib.request.urlopen(call, timeout=1):  # noqa: S310
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("anvil did not answer in time")


def stop_process(process: subprocess.Popen | None, grace_s: float = 10) -> None:
    """Terminate a child the local stack started, killing it if it ignores that."""
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            process.kill()
