"""Ledger function: the anchoring status of the deployment."""

from __future__ import annotations

from cms.api.http import SECURED, caller_of, create_resolver, lambda_entry
from cms.services.ledger_status import ledger_status

app = create_resolver()


@app.get("/api/v1/ledger/status", security=SECURED,
         summary="Chain, ledger, signer balance, last batch, un-anchored events and their age")
def status() -> dict:
    caller_of(app)  # any signed-in caller; the route is behind the authorizer anyway
    return ledger_status()


handler = lambda_entry(app)
