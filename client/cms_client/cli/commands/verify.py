"""Offline checks that need no account and trust nothing of ours: a receipt against the
chain (``cms verify-receipt``), a training result against the AWS Nitro root
(``cms verify-training``).

verify-receipt trusts only the ledger you name (the operator publishes it: GET /api/v1/ledger)
and the RPC endpoint you choose. Both exit 0 if every check passes, 2 if any fails; 3 if the
receipt's verdict is incomplete (the chain could not be read, or no --ledger was given, and no
other check failed); 1 for a usage or file error.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from cms_client.cli.exit_codes import ExitCode
from cms_client.cli.output import inert

VALID, INVALID, INCOMPLETE = ExitCode.OK, ExitCode.INVALID, ExitCode.INCOMPLETE


def register(root: typer.Typer) -> None:
    root.command("verify-receipt")(verify_receipt_command)
    root.command("verify-training")(verify_training_command)


def verify_receipt_command(
    file: str = typer.Argument(..., help="The receipt, as issued ('-' reads standard input)."),
    rpc: str = typer.Option(..., "--rpc", envvar="CMS_RPC_URL",
                            help="An Ethereum JSON-RPC URL you trust."),
    ledger: str | None = typer.Option(
        None, "--ledger", envvar="CMS_LEDGER",
        help="The operator's published ledger, CHAIN_ID:ADDRESS; without it the verdict is "
             "incomplete."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    timeout: float = typer.Option(10.0, "--timeout", help="Seconds per RPC call."),
) -> int:
    """Verify a receipt against the chain, without our API."""
    return verify_receipt(file, rpc, ledger, as_json=as_json, timeout_s=timeout)


def verify_training_command(
    file: str = typer.Argument(..., help="The result bundle ('-' reads standard input)."),
    model: str | None = typer.Option(None, "--model",
                                     help="The model file, to check it is the attested one."),
    development_root: str | None = typer.Option(
        None, "--development-root",
        help="Also trust this development root (a local simulated enclave; never "
             "production)."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> int:
    """Verify a training result offline: the attestation chain to the AWS Nitro root, the
    image the contract allows, the binding of model, job and contract, the epsilon."""
    return verify_training(file, model, development_root, as_json=as_json)


def verify_receipt(file: str, rpc_url: str, ledger: str | None, *, as_json: bool = False,
                   timeout_s: float = 10.0) -> int:
    # Imported here: the other commands need neither web3 nor the compiled ledger.
    from cms.adapters.ledger_view import LedgerView, ledger_runtime_code
    from cms.domain.receipts import TrustedLedger
    from cms.domain.receipts import verify_receipt as verify

    try:
        trusted = TrustedLedger.parse(ledger) if ledger else None
        raw = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
    except ValueError as error:
        print(f"--ledger: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"cannot read {file}: {error.strerror or error}", file=sys.stderr)
        return 1
    report = verify(raw, LedgerView.connector(rpc_url, timeout_s), ledger_runtime_code(),
                    trusted)
    code = VALID if report.valid else INCOMPLETE if report.incomplete else INVALID
    if as_json:
        print(json.dumps({"valid": report.valid, "incomplete": report.incomplete,
                          "checks": [check.to_json() for check in report.checks]}, indent=2))
        return code
    _print_checks(report.checks)
    failed = sum(1 for check in report.checks if not check.ok)
    print({VALID: f"VALID: all {len(report.checks)} checks passed",
           INVALID: f"INVALID: {failed} of {len(report.checks)} checks failed",
           INCOMPLETE: f"INCOMPLETE: {_shown(report.incomplete or '')}"}[code])
    return code


def verify_training(file: str, model: str | None, development_root: str | None, *,
                    as_json: bool = False) -> int:
    from cms.domain import strict_json
    from cms.domain.attestation import development_root as dev_root
    from cms.domain.training_result import verify_result

    try:
        raw = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
        bundle = strict_json.loads(raw)  # bounded nesting and numbers, no NaN
        roots = [dev_root(Path(development_root).read_bytes())] if development_root else []
        model_bytes = Path(model).read_bytes() if model else None
    except (OSError, ValueError) as error:
        print(f"cannot read the inputs: {error}", file=sys.stderr)
        return 1
    report = verify_result(bundle, roots=roots, model=model_bytes)
    if as_json:
        print(json.dumps(report.to_json(), indent=2))
    else:
        _print_checks(report.checks)
        failed = sum(1 for check in report.checks if not check.ok)
        print(f"VALID: all {len(report.checks)} checks passed" if report.valid else
              f"INVALID: {failed} of {len(report.checks)} checks failed")
    return VALID if report.valid else INVALID


def _print_checks(checks: list) -> None:
    width = min(16, max(len(check.name) for check in checks))  # DIDs run long
    for check in checks:
        name, detail = _shown(check.name), _shown(check.detail)
        print(f"{'ok  ' if check.ok else 'FAIL'}  {name:<{width}}  {detail}")


def _shown(text: str) -> str:
    return inert(text)
