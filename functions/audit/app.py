"""Audit function: a contract's hash-chained events, its verification report and its receipt."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from cms.api.http import caller_of, http_entry
from cms.api.operations import Api
from cms.domain.errors import (
    LedgerMisconfigured,
    LedgerUnavailable,
    NotFound,
    ReceiptTooLarge,
)
from cms.runtime import FunctionRuntime

api = Api("audit")
runtime = FunctionRuntime()
ONE = "/api/v1/contracts/<contract_id>"


@api.get(ONE + "/events", "listContractEvents", summary="The contract's audit events, in order",
         errors=(NotFound,))
def events(
    contract_id: str,
    after: Annotated[int, Query(ge=-1, description="return events with seq > after")] = -1,
    limit: Annotated[int, Query(ge=1, le=100)] = 100,
) -> dict:
    items = runtime.services.contracts.placed_events(caller_of(api), contract_id, after=after,
                                                     limit=limit)
    more = len(items) == limit
    return {"contract_id": contract_id, "events": items,
            "next_after": items[-1]["seq"] if more else None}


@api.post(ONE + "/verify", "verifyContract",
          summary="Check the audit chain, the digest and every signature",
          errors=(NotFound,))
def verify(contract_id: str) -> dict:
    return runtime.services.contracts.verify(caller_of(api), contract_id)


@api.get(ONE + "/receipt", "getContractReceipt",
         errors=(NotFound, ReceiptTooLarge, LedgerMisconfigured, LedgerUnavailable),
         summary="A self-contained receipt (RFC 8785 JSON) to verify offline against the chain",
         description="The contract, every audit event (sign events carry the DID document "
                     "used), each event's Merkle inclusion proof, and per batch the root, "
                     "transaction hash and block, with the ledger's chain id and address. "
                     "Verify it with `cms verify-receipt FILE --rpc URL`; keep the bytes as "
                     "served (the verifier requires the canonical form).")
def receipt(contract_id: str) -> Response[str]:
    body = runtime.services.contracts.receipt(caller_of(api), contract_id)
    return Response(status_code=200, content_type="application/json", body=body.decode(),
                    headers={"Content-Disposition":
                             f'attachment; filename="receipt-{contract_id}.json"'})


handler = http_entry(api, runtime)
