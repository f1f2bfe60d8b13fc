"""Audit function: a contract's hash-chained events, its verification report and its receipt."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from cms.api.http import caller_of, http_entry
from cms.api.operations import COMPUTE, READ, Api
from cms.api.schemas.contracts import UUID_PATTERN
from cms.api.schemas.evidence import ContractEvents, Receipt, VerificationReport
from cms.domain.errors import LedgerMisconfigured, NotFound, ReceiptTooLarge
from cms.domain.strict_json import MAX_SAFE_INTEGER
from cms.ports.contracts import CorruptSnapshot
from cms.runtime import FunctionRuntime
from cms.services.contracts.results import PlacedEvent
from cms.services.contracts.results import VerificationReport as Report

api = Api("audit")
runtime = FunctionRuntime()
ONE = "/api/v1/contracts/<contract_id>"
ContractId = Annotated[str, Path(pattern=UUID_PATTERN,
                                 description="The contract's id (a lower-case UUID)")]
READ_ERRORS = (NotFound, CorruptSnapshot)


@api.get(ONE + "/events", "listContractEvents", limit=READ,
         summary="The contract's audit events, in order, each with its anchoring state",
         errors=READ_ERRORS)
def events(
    contract_id: ContractId,
    after: Annotated[int, Query(ge=-1, le=MAX_SAFE_INTEGER,
                                description="Return events with seq > after")] = -1,
    limit: Annotated[int, Query(ge=1, le=100)] = 100,
) -> ContractEvents:
    items = runtime.services.contracts.placed_events(caller_of(api), contract_id, after=after,
                                                     limit=limit)
    return ContractEvents(contract_id=contract_id, events=[_event(item) for item in items],
                          next_after=items[-1].event.seq if len(items) == limit else None)


def _event(placed: PlacedEvent) -> dict[str, Any]:
    return {**placed.event.to_json(), "anchor": asdict(placed.anchor)}


@api.post(ONE + "/verify", "verifyContract", limit=COMPUTE,
          summary="Check the audit chain, the digest, every signature and the anchoring",
          description="A party or an overseer gets a report even for a contract whose stored "
                      "record was edited into something unreadable (the report names it).",
          errors=(NotFound,))
def verify(contract_id: ContractId) -> VerificationReport:
    report: Report = runtime.services.contracts.verify(caller_of(api), contract_id)
    return VerificationReport(
        contract_id=report.contract_id, valid=report.valid, status=report.status,
        digest=report.digest, checked_at=report.checked_at,
        checks=[check.to_json() for check in report.checks])


@api.get(ONE + "/receipt", "getContractReceipt", limit=COMPUTE, response_model=Receipt,
         errors=(*READ_ERRORS, ReceiptTooLarge, LedgerMisconfigured),
         summary="A self-contained receipt (RFC 8785 JSON) to verify offline against the chain",
         description="The contract, every audit event (sign events carry the DID document "
                     "used), each event's Merkle inclusion proof, and per batch the root, "
                     "transaction hash and block, with the ledger's chain id and address. "
                     "Verify it with `cms verify-receipt FILE --rpc URL`; keep the bytes as "
                     "served (the verifier requires the canonical form).")
def receipt(contract_id: ContractId) -> Response[Any]:
    # The canonical bytes go out as they are: the declared Receipt schema documents them.
    body = runtime.services.contracts.receipt(caller_of(api), contract_id)
    return Response(status_code=200, content_type="application/json", body=body.decode(),
                    headers={"Content-Disposition":
                             f'attachment; filename="receipt-{contract_id}.json"'})


handler = http_entry(api, runtime)
