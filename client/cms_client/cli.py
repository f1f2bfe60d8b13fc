"""``cms``: a command-line client. Keys stay local; tokens come from sign-in.

  cms keygen [--type eth|ed25519]          print a new key and its DID
  cms health                               dependency health of a deployment
  cms contract get|events|verify ID        needs CMS_TOKEN
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from cms_client.client import ApiError, CmsClient
from cms_client.signers import Ed25519Signer, EthereumSigner


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cms", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=os.environ.get("CMS_URL", "http://localhost:8080"))
    commands = parser.add_subparsers(dest="command", required=True)
    keygen = commands.add_parser("keygen", help="create a key pair and print its DID")
    keygen.add_argument("--type", choices=["eth", "ed25519"], default="eth")
    commands.add_parser("health", help="dependency health")
    contract = commands.add_parser("contract", help="read a contract (needs CMS_TOKEN)")
    contract.add_argument("action", choices=["get", "events", "verify"])
    contract.add_argument("contract_id")
    args = parser.parse_args(argv)
    try:
        result = _run(args)
    except ApiError as error:
        print(json.dumps(error.problem, indent=2), file=sys.stderr)
        return 1
    print(json.dumps(result, indent=2))
    return 0 if not (isinstance(result, dict) and result.get("valid") is False) else 2


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
        return client.health()
    calls = {"get": client.get_contract, "events": client.events, "verify": client.verify}
    return calls[args.action](args.contract_id)


if __name__ == "__main__":
    sys.exit(main())
