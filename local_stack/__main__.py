"""``make run``: start the local stack, play the demo, print where everything is, serve."""

from __future__ import annotations

import os
import signal
import sys
import threading
from pathlib import Path

from local_stack.demo import run_demo
from local_stack.stack import LocalStack

LOCAL = Path(__file__).resolve().parents[1] / ".local"


DEMO_KEY_FILE = "demo-consumer-key.json"


def _ui_hint(stack: LocalStack, result: dict) -> str:
    """Where a newcomer starts: the UI, and the demo consumer's key to open its contract."""
    if stack.gateway.site is None:
        return "  Web UI          not built (make run builds it; or: cd web && npm run build)\n"
    key_file = (LOCAL / DEMO_KEY_FILE).relative_to(LOCAL.parent)
    return f"""  Web UI          {stack.url}/
  API reference   {stack.url}/api-docs
  Demo key        {key_file} (the demo consumer's Ed25519 key; only you can read it)
                  to act as the consumer: open the UI, choose "Use a key in this browser",
                  import this file, then open the demo contract:
  Demo contract   {stack.url}/contracts/{result['contract_id']}
"""


def _cli_hint(stack: LocalStack, result: dict) -> str:
    """The same contract from the command line, as the demo consumer (docs/cli.md)."""
    key_file = (LOCAL / DEMO_KEY_FILE).relative_to(LOCAL.parent)
    return ("\nOr with the CLI, as the demo consumer (its key goes into your own key store, "
            "encrypted with a passphrase you choose):\n"
            f"  export CMS_URL={stack.url}\n"
            f"  .venv/bin/cms key import demo-consumer {key_file}\n"
            "  .venv/bin/cms login\n"
            f"  .venv/bin/cms -o table contract get {result['contract_id']}\n"
            f"  .venv/bin/cms -o table contract events {result['contract_id']}\n")


def _verify_hint(receipt: Path | None, stack: LocalStack) -> str:
    if receipt is None:
        return ""
    shown = receipt.relative_to(LOCAL.parent)  # make run runs from the repository root
    return ("\nVerify the demo contract's receipt without the API (any JSON-RPC URL of the "
            f"chain will do; the ledger pin is published at {stack.url}/api/v1/ledger):\n"
            f"  .venv/bin/cms verify-receipt {shown} \\\n"
            f"      --rpc {stack.ledger.rpc_url} --ledger {stack.ledger.chain_id}:"
            f"{stack.ledger.address}\n")


def _training_hint(result: Path | None, stack: LocalStack) -> str:
    if result is None:
        return ""
    shown = result.relative_to(LOCAL.parent)
    root = Path(stack.enclave.root_file)
    return ("\nVerify the demo's training result without the API (the development root "
            "stands in for AWS's: the local enclave is simulated):\n"
            f"  .venv/bin/cms verify-training {shown} --development-root {root}\n")


def main() -> int:
    port = int(os.environ.get("CMS_PORT", "8080"))
    stack = LocalStack(api_port=port, schedule_every_s=float(
        os.environ.get("CMS_SCHEDULE_EVERY_S", "5")), chain_dir=LOCAL)
    print("Starting the Contract Management System locally (no AWS account, no Docker)")
    try:
        stack.start()
    except OSError as error:
        print(f"Could not start: {error}. Is port {port} free? Set CMS_PORT to change it.",
              file=sys.stderr)
        return 1
    # Whatever happens in the demo or while serving, the chain, moto and the enclave go too.
    try:
        _demo_and_serve(stack)
    finally:
        print("\nStopping.")
        stack.stop()
    return 0


def _demo_and_serve(stack: LocalStack) -> None:
    print("\nDemo: sign in with DIDs, a contract from a template with an attachment, submit, "
          "both sign, activate, verify, anchor, receipt, DP training in the enclave, the "
          "contract engine")
    result = run_demo(stack.url, stack.ledger.rpc_url, LOCAL / "receipts",
                      consumer_key_file=LOCAL / DEMO_KEY_FILE)
    token = result["provider_token"]
    print(f"""
Everything is running:
{_ui_hint(stack, result)}
  API             {stack.url}/api/v1
  Health          {stack.url}/health
  OpenAPI         {stack.url}/api/v1/openapi.json
  JWKS            {stack.url}/.well-known/jwks.json
  Local AWS       http://127.0.0.1:{stack.moto_port} (moto; dashboard at /moto-api/)
  Contract (API)  {stack.url}/api/v1/contracts/{result['contract_id']}
  Engine          {stack.url}/api/v1/engine/contracts/{result['engine']['wasm']} (and /info,
                  /metrics; the demo's ERC20, WebAssembly and circuit contracts)

Try:  curl -s -H "Authorization: Bearer {token}" \\
        {stack.url}/api/v1/contracts/{result['contract_id']}
(the token is valid for 15 minutes)
{_cli_hint(stack, result)}{_verify_hint(result["receipt"], stack)}\
{_training_hint(result["training"], stack)}
Serving until Ctrl-C.""", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()


if __name__ == "__main__":
    sys.exit(main())
