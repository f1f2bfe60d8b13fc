import type { Schemas } from "@cms/sdk";
import { useCms } from "../../api/cms";
import { useLiveResource } from "../../api/livePolling";
import { useSession } from "../../auth/sessionStore";

export type LedgerStatus = Schemas["LedgerStatus"];
export type ConfirmedBatch = Schemas["ConfirmedLedgerBatch"];

// The status asks the chain on every read (a compute-class request): every 10 s is live
// enough for a block number and a queue, and well within the class's quota.
const STATUS_EVERY_MS = 10_000;
export const RECENT_BATCHES = 30;

// Keyed by who reads, as every cached answer is: one identity's reading is never another's.
const ledgerKeys = {
  status: (did: string) => ["ledger", did, "status"] as const,
  batches: (did: string) => ["ledger", did, "batches", RECENT_BATCHES] as const,
};

export function useLedgerStatus() {
  const cms = useCms();
  return useLiveResource(ledgerKeys.status(useSession()?.did ?? ""),
    (header) => cms.GET("/api/v1/ledger/status", { params: { header } }), STATUS_EVERY_MS);
}

export function useRecentBatches() {
  const cms = useCms();
  return useLiveResource(ledgerKeys.batches(useSession()?.did ?? ""),
    (header) => cms.GET("/api/v1/ledger/batches", { params: { query: { limit: RECENT_BATCHES }, header } }),
    STATUS_EVERY_MS);
}
