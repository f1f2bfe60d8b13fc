"""In-memory services whose background work reports as it does when all is well: the anchor
function after a run (its signer funded) and one enclave parent whose enclave answers."""

from __future__ import annotations

from datetime import datetime

from cms.bootstrap import MemoryServices
from cms.domain.canonical import iso_utc, utc_now
from cms.domain.health import AnchorReport, ParentReport

SIGNER = "0x" + "5A" * 20
PCR0 = "ab" * 48


def reporting(services: MemoryServices, at: datetime | None = None,
              balance_wei: int = 10**18) -> MemoryServices:
    moment = iso_utc(at or utc_now())
    services.memory_chain.balances[SIGNER.lower()] = balance_wei
    services.heartbeats.beat(AnchorReport(moment, signer_address=SIGNER,
                                          signer_balance_wei=balance_wei,
                                          block_number=7).heartbeat())
    services.heartbeats.beat(ParentReport("parent-1", moment, True, PCR0, True).heartbeat())
    return services
