"""Audit function: a contract's hash-chained events, its verification report and its receipt."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from cms.api.http import SECURED, caller_of, create_resolver, lambda_entry
from cms.services import container

app = create_resolver()
ONE = "/api/v1/contracts/<contract_id>"


@app.get(ONE + "/events", security=SECURED, summary="The contract's audit events, in order")
def events(
    contract_id: str,
    after: Annotated[int, Query(ge=-1, description="return events with seq > after")] = -1,
    limit: Annotated[int, Query(ge=1, le=100)] = 100,
) -> dict:
    items = container.contracts().placed_events(caller_of(app), contract_id, after=after,
                                                limit=limit)
    more = len(items) == limit
    return {"contract_id": contract_id, "events": items,
            "next_after": items[-1]["seq"] if more else None}


@app.post(ONE + "/verify", security=SECURED,
          summary="Check the audit chain, the digest and every signature")
def verify(contract_id: str) -> dict:
    return container.contracts().verify(caller_of(app), contract_id)


@app.get(ONE + "/receipt", security=SECURED,
         summary="A self-contained receipt (RFC 8785 JSON) to verify offline against the chain",
         description="The contract, every audit event (sign events carry the DID document "
                     "used), each event's Merkle inclusion proof, and per batch the root, "
                     "transaction hash and block, with the ledger's chain id and address. "
                     "Verify it with `cms verify-receipt FILE --rpc URL`; keep the bytes as "
                     "served (the verifier requires the canonical form).")
def receipt(contract_id: str) -> Response[str]:
    body = container.contracts().receipt(caller_of(app), contract_id)
    return Response(status_code=200, content_type="application/json", body=body.decode(),
                    headers={"Content-Disposition":
                             f'attachment; filename="receipt-{contract_id}.json"'})


handler = lambda_entry(app)
