"""The two offline verifiers agree: `cms verify-receipt --json` (Python) and the SDK's
`scripts/verify-receipt.ts` (TypeScript, what the browser runs) say the same of a receipt
issued by the local stack and anchored on its anvil, and of every tampered copy
(tests/vectors/receipt_tampering.py): same exit code, same verdict, same checks in the same
order with the same outcome."""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from local_stack.stack import free_port
from tests.e2e.test_receipts import issued  # noqa: F401 - the module fixture: one anchored receipt
from tests.vectors.receipt_tampering import TAMPERINGS

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SDK = ROOT / "sdk" / "typescript"
TSX = SDK / "node_modules" / ".bin" / "tsx"


def python_cli(path: Path, rpc: str, ledger: str | None) -> subprocess.CompletedProcess[str]:
    pin = ["--ledger", ledger] if ledger else []
    return subprocess.run([sys.executable, "-m", "cms_client.cli", "verify-receipt", str(path),
                           "--rpc", rpc, "--timeout", "5", "--json", *pin],
                          check=False, capture_output=True, text=True, timeout=180)


def typescript_cli(path: Path, rpc: str, ledger: str | None) -> subprocess.CompletedProcess[str]:
    pin = ["--ledger", ledger] if ledger else []
    return subprocess.run([str(TSX), "scripts/verify-receipt.ts", str(path), "--rpc", rpc,
                           "--timeout", "5", "--json", *pin],
                          cwd=SDK, check=False, capture_output=True, text=True, timeout=180)


def outcome(result: subprocess.CompletedProcess[str]) -> dict:
    """What must agree: the exit code, the verdict and each check's name and result."""
    assert result.returncode in (0, 2, 3), result.stdout + result.stderr
    report = json.loads(result.stdout)
    return {"exit": result.returncode, "valid": report["valid"],
            "incomplete": report["incomplete"] is not None,
            "checks": [(check["name"], check["ok"]) for check in report["checks"]]}


def both(path: Path, rpc: str, ledger: str | None) -> tuple[dict, dict]:
    with ThreadPoolExecutor(2) as pool:
        python = pool.submit(python_cli, path, rpc, ledger)
        typescript = pool.submit(typescript_cli, path, rpc, ledger)
        return outcome(python.result()), outcome(typescript.result())


@pytest.fixture(scope="module")
def receipt_files(issued, tmp_path_factory):  # noqa: F811 - the imported fixture
    *_, raw = issued
    directory = tmp_path_factory.mktemp("receipts")
    files = {}
    for name, tamper in TAMPERINGS.items():
        files[name] = directory / f"{name}.receipt"
        files[name].write_bytes(tamper(raw))
    return files


@pytest.mark.parametrize("kind", list(TAMPERINGS))
def test_both_verifiers_agree(kind, receipt_files, stack):
    pin = f"31337:{stack.ledger.address}"
    python, typescript = both(receipt_files[kind], stack.ledger.rpc_url, pin)
    assert typescript == python
    if kind == "valid":
        assert python["exit"] == 0 and python["valid"]
    else:  # every tampering is caught, and by a named check
        assert python["exit"] == 2 and any(not ok for _, ok in python["checks"])


def test_without_a_pin_both_are_incomplete(receipt_files, stack):
    python, typescript = both(receipt_files["valid"], stack.ledger.rpc_url, None)
    assert typescript == python
    assert python["exit"] == 3 and ("ledger.trusted", False) in python["checks"]


def test_a_tampered_receipt_without_a_pin_is_invalid_for_both(receipt_files, stack):
    python, typescript = both(receipt_files["signature_altered"], stack.ledger.rpc_url, None)
    assert typescript == python
    assert python["exit"] == 2 and not python["incomplete"]


def test_an_unreachable_chain_is_incomplete_for_both(receipt_files, stack):
    rpc = f"http://127.0.0.1:{free_port()}"
    python, typescript = both(receipt_files["valid"], rpc, f"31337:{stack.ledger.address}")
    assert typescript == python
    assert python["exit"] == 3 and python["checks"][-1] == ("ledger", False)


@pytest.mark.parametrize("args", [["--ledger", "nonsense"], []])
def test_usage_errors_exit_1_in_both(args, tmp_path, stack):
    missing = tmp_path / "missing.receipt"
    target = missing if not args else Path(__file__)
    python = subprocess.run([sys.executable, "-m", "cms_client.cli", "verify-receipt",
                             str(target), "--rpc", stack.ledger.rpc_url, *args],
                            check=False, capture_output=True, text=True, timeout=120)
    typescript = subprocess.run([str(TSX), "scripts/verify-receipt.ts", str(target), "--rpc",
                                 stack.ledger.rpc_url, *args],
                                cwd=SDK, check=False, capture_output=True, text=True, timeout=120)
    assert python.returncode == typescript.returncode == 1
