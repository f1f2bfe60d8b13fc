"""Ledger function: which ledger this deployment anchors on (public) and its status."""

from __future__ import annotations

from cms.api.http import SECURED, caller_of, create_resolver, lambda_entry
from cms.services import container
from cms.services.ledger_status import ledger_status

app = create_resolver()


@app.get("/api/v1/ledger", summary="The chain and ContractLedger this deployment anchors on: "
                                   "what receipt verifiers pin (--ledger CHAIN_ID:ADDRESS)")
def identity() -> dict:
    config = container.ledger_config()  # the address comes back in EIP-55 case
    return {"chain_id": config.chain_id, "address": config.address,
            "pin": f"{config.chain_id}:{config.address}"}


@app.get("/api/v1/ledger/status", security=SECURED,
         summary="Chain, ledger, signer balance, last batch, un-anchored events and their age")
def status() -> dict:
    caller_of(app)  # any signed-in caller; the route is behind the authorizer anyway
    return ledger_status()


handler = lambda_entry(app)
