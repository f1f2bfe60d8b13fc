import type { CmsApi, Schemas } from "@cms/sdk";
import { STATUSES, type Contract, type ContractStatus } from "../../contracts/lifecycle";
import { waitsFor, type Waiting } from "../../contracts/rules";

export type AuditEvent = Schemas["PlacedAuditEvent"];

/** One request per state, at most this many contracts each: counts above show as "100+". */
export const PER_STATE = 100;
/** Recent events come from the most recently changed contracts, a few events each. */
export const RECENT_CONTRACTS = 5;
export const EVENTS_PER_CONTRACT = 3;

export interface StateCount { status: ContractStatus; count: number; more: boolean }

export interface Overview {
  counts: StateCount[];
  waiting: { contract: Contract; waiting: Waiting }[];
  recent: Contract[];
}

/** The first page of each state: counts, what waits for me, and what changed last. */
export async function loadOverview(cms: CmsApi, did: string, now: Date, signal: AbortSignal): Promise<Overview> {
  const pages = await Promise.all(STATUSES.map(async (status) => {
    const { data } = await cms.GET("/api/v1/contracts", { params: { query: { status, limit: PER_STATE } }, signal });
    return { status, items: data?.items ?? [], more: Boolean(data?.next_cursor) };
  }));
  const contracts = pages.flatMap((page) => page.items);
  const waiting = contracts.flatMap((contract) => {
    const what = waitsFor(contract, did, now);
    return what ? [{ contract, waiting: what }] : [];
  });
  const recent = [...contracts].sort((a, b) => b.updated_at.localeCompare(a.updated_at)).slice(0, RECENT_CONTRACTS);
  return {
    counts: pages.map(({ status, items, more }) => ({ status, count: items.length, more })),
    waiting, recent,
  };
}

export interface RecentEvent { contract: Contract; event: AuditEvent }

/** The last few events of each recently changed contract, newest first. The API has no
 * cross-contract feed; this costs RECENT_CONTRACTS small requests. */
export async function loadRecentEvents(cms: CmsApi, recent: Contract[], signal: AbortSignal): Promise<RecentEvent[]> {
  const perContract = await Promise.all(recent.map(async (contract) => {
    // A contract at version v has events 0..v-1: ask for the last few.
    const after = Math.max(-1, contract.version - 1 - EVENTS_PER_CONTRACT);
    const { data } = await cms.GET("/api/v1/contracts/{contract_id}/events", {
      params: { path: { contract_id: contract.id }, query: { after, limit: EVENTS_PER_CONTRACT } }, signal });
    return (data?.events ?? []).map((event) => ({ contract, event }));
  }));
  return perContract.flat().sort((a, b) => b.event.at.localeCompare(a.event.at));
}

const EVENT_WORDS: Record<string, string> = {
  "contract.created": "created", "contract.updated": "edited", "contract.submitted": "submitted for signing",
  "contract.changes_requested": "sent back for changes", "contract.signed": "signed",
  "contract.activated": "activated", "contract.completed": "completed", "contract.terminated": "terminated",
  "contract.expired": "expired", "contract.attachment_added": "given an attachment",
};

/** An event in words ("signed"); an unknown type is shown as it is named. */
export function eventWords(type: string): string {
  return EVENT_WORDS[type] ?? type;
}
