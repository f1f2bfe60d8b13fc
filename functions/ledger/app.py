"""Ledger function: which ledger this deployment anchors on (public) and its status."""

from __future__ import annotations

from cms.api.http import caller_of, http_entry
from cms.api.operations import COMPUTE, PUBLIC, Api
from cms.api.schemas.ledger import Ledger, LedgerStatus
from cms.domain.errors import LedgerMisconfigured
from cms.runtime import FunctionRuntime

api = Api("ledger")
runtime = FunctionRuntime()


@api.get("/api/v1/ledger", "getLedger", limit=PUBLIC, secured=False,
         summary="The chain and ContractLedger this deployment anchors on: what receipt "
                 "verifiers pin (--ledger CHAIN_ID:ADDRESS)",
         errors=(LedgerMisconfigured,))
def identity() -> Ledger:
    config = runtime.services.ledger_config()  # the address comes back in EIP-55 case
    return Ledger(chain_id=config.chain_id, address=config.address,
                  pin=f"{config.chain_id}:{config.address}")


@api.get("/api/v1/ledger/status", "getLedgerStatus", limit=COMPUTE,
         summary="Chain, ledger, signer balance, last batch, un-anchored events and their age")
def status() -> LedgerStatus:
    caller_of(api)  # any signed-in caller; the route is behind the authorizer anyway
    return LedgerStatus.model_validate(runtime.services.ledger_status.status(),
                                       from_attributes=True)


handler = http_entry(api, runtime)
