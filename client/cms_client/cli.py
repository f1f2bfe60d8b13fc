"""``cms``: a command-line client. Keys stay local; tokens come from sign-in.

  cms keygen [--type eth|ed25519]          print a new key and its DID
  cms health [--details]                   dependency health of a deployment (--details:
                                           why and what was probed; admins, CMS_TOKEN)
  cms chain-health                         the chain, its latest block, the anchoring lag
  cms logout                               revoke CMS_TOKEN (other sessions go on)
  cms revoke-sessions [DID]                end every session of DID (default: CMS_TOKEN's
                                           own identity; another's only as an admin)
  cms contract get|events|verify ID        needs CMS_TOKEN
  cms contract receipt ID [--out FILE]     the contract's receipt, as issued (needs CMS_TOKEN)
  cms verify-receipt FILE --rpc URL --ledger CHAIN_ID:ADDRESS
                                           check a receipt against the chain, without our API
  cms verify-training FILE [--model FILE] [--development-root PEM]
                                           check a training result (GET …/verification's
                                           "result") offline: the attestation chain to the
                                           AWS Nitro root, the image the contract allows, the
                                           binding of model, job and contract, the epsilon

verify-receipt trusts only the ledger you name (the operator publishes it: GET /api/v1/ledger)
and the RPC endpoint you choose. It exits 0 if every check passes, 2 if any fails, 3 if the
verdict is incomplete (the chain could not be read, or no --ledger was given, and no other
check failed), 1 for a usage
or file error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from cms_client.client import ApiError, CmsClient
from cms_client.signers import Ed25519Signer, EthereumSigner

VALID, INVALID, INCOMPLETE = 0, 2, 3


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "verify-receipt":
        return verify_receipt(args.file, args.rpc, args.ledger, as_json=args.json,
                              timeout_s=args.timeout)
    if args.command == "verify-training":
        return verify_training(args.file, args.model, args.development_root,
                               as_json=args.json)
    try:
        result = _run(args)
    except ApiError as error:
        print(json.dumps(error.problem, indent=2), file=sys.stderr)
        return 1
    if isinstance(result, bytes):
        if args.out:
            Path(args.out).write_bytes(result)
        else:
            sys.stdout.buffer.write(result)
        return 0
    print(json.dumps(result, indent=2))
    return 0 if not (isinstance(result, dict) and result.get("valid") is False) else 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cms", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=os.environ.get("CMS_URL", "http://localhost:8080"))
    commands = parser.add_subparsers(dest="command", required=True)
    keygen = commands.add_parser("keygen", help="create a key pair and print its DID")
    keygen.add_argument("--type", choices=["eth", "ed25519"], default="eth")
    health = commands.add_parser("health", help="dependency health")
    health.add_argument("--details", action="store_true",
                        help="each dependency's reason and resource (admins; needs CMS_TOKEN)")
    commands.add_parser("chain-health", help="the chain and how anchoring does")
    commands.add_parser("logout", help="revoke CMS_TOKEN")
    revoke = commands.add_parser("revoke-sessions",
                                 help="end every session of an identity (needs CMS_TOKEN)")
    revoke.add_argument("did", nargs="?", help="default: CMS_TOKEN's own identity")
    contract = commands.add_parser("contract", help="read a contract (needs CMS_TOKEN)")
    contract.add_argument("action", choices=["get", "events", "verify", "receipt"])
    contract.add_argument("contract_id")
    contract.add_argument("--out", help="receipt: write it to this file instead of stdout")
    check = commands.add_parser("verify-receipt", help="verify a receipt against the chain")
    check.add_argument("file", help="the receipt, as issued ('-' reads standard input)")
    check.add_argument("--rpc", default=os.environ.get("CMS_RPC_URL"), required=not os.environ
                       .get("CMS_RPC_URL"), help="an Ethereum JSON-RPC URL you trust "
                                                 "(default $CMS_RPC_URL)")
    check.add_argument("--ledger", default=os.environ.get("CMS_LEDGER"),
                       help="the operator's published ledger, CHAIN_ID:ADDRESS "
                            "(default $CMS_LEDGER); without it the verdict is incomplete")
    check.add_argument("--json", action="store_true", help="print the report as JSON")
    check.add_argument("--timeout", type=float, default=10.0, help="seconds per RPC call")
    training = commands.add_parser("verify-training", help="verify a training result offline")
    training.add_argument("file", help="the result bundle ('-' reads standard input)")
    training.add_argument("--model", help="the model file, to check it is the attested one")
    training.add_argument("--development-root", help="also trust this development root (a "
                                                     "local simulated enclave; never production)")
    training.add_argument("--json", action="store_true", help="print the report as JSON")
    return parser


def _run(args: argparse.Namespace) -> object:
    if args.command == "keygen":
        if args.type == "eth":
            signer = EthereumSigner()
            return {"did": signer.did, "address": signer.public_key,
                    "private_key": signer.private_key}
        seed = os.urandom(32)
        return {"did": Ed25519Signer(seed).did, "seed_hex": seed.hex()}
    client = CmsClient(args.url, token=os.environ.get("CMS_TOKEN"))
    if args.command == "health":
        return client.health_details() if args.details else client.health()
    if args.command == "chain-health":
        return client.chain_health()
    if args.command == "logout":
        client.logout()
        return {"logged_out": True}
    if args.command == "revoke-sessions":
        return {"did": client.revoke_sessions(args.did), "sessions_revoked": True}
    calls = {"get": client.get_contract, "events": client.events, "verify": client.verify,
             "receipt": client.receipt}
    return calls[args.action](args.contract_id)


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
    """Receipt text made inert for a terminal: control characters (escape sequences, carriage
    returns that would overwrite a FAIL line) are printed as escapes."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii")
                   for c in text)


if __name__ == "__main__":
    sys.exit(main())
