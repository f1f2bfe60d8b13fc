"""Ledger function: which ledger this deployment anchors on (public) and its status."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from cms.api.http import caller_of, http_entry
from cms.api.operations import COMPUTE, PUBLIC, READ, Api
from cms.api.schemas.ledger import ConfirmedLedgerBatch, Ledger, LedgerBatchList, LedgerStatus
from cms.domain.errors import LedgerMisconfigured
from cms.ports.ledger import RECENT_BATCHES_LIMIT
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


@api.get("/api/v1/ledger/batches", "listLedgerBatches", limit=READ,
         summary="The most recent confirmed anchoring batches, newest first, with their times "
                 "and anchoring lag (from the oldest event's writing to the confirmation)",
         description="Read from the anchor store alone (the chain is not asked): one query of "
                     "the final batches and one read of each batch's oldest event.")
def batches(limit: Annotated[int, Query(ge=1, le=RECENT_BATCHES_LIMIT)] = 20
            ) -> LedgerBatchList:
    caller_of(api)  # any signed-in caller, as the status
    timings = runtime.services.ledger_status.recent_batches(limit)
    return LedgerBatchList(batches=[ConfirmedLedgerBatch.model_validate(timing.flat())
                                    for timing in timings])


handler = http_entry(api, runtime)
