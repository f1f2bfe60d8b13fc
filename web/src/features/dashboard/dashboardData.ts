import type { CmsApi, Schemas } from "@cms/sdk";
import { STATUSES, type Contract, type ContractStatus } from "../../contracts/lifecycle";
import { waitsFor, type Waiting } from "../../contracts/rules";

export type AuditEvent = Schemas["PlacedAuditEvent"];

/** Contracts per request; a state with more than were read shows its count with a "+". */
export const PER_STATE = 100;
/** The states whose contracts may wait for me to sign or to activate. The server reads a
 * bounded stretch of each party's contracts per status-filtered page, so a first page holds
 * only the newest of them (possibly fewer than PER_STATE, with more to read): these states
 * follow next_cursor, so an older contract in review is not missed. */
export const FOLLOWED_STATES: readonly ContractStatus[] = ["review", "signed"];
/** Pages read at most per followed state: the overview costs at most
 * STATUSES.length + FOLLOWED_STATES.length × (MAX_FOLLOWED_PAGES − 1) requests. */
export const MAX_FOLLOWED_PAGES = 5;
/** Recent events come from the most recently changed contracts, a few events each. */
export const RECENT_CONTRACTS = 5;
export const EVENTS_PER_CONTRACT = 3;

export interface StateCount { status: ContractStatus; count: number; more: boolean }

export interface Overview {
  counts: StateCount[];
  waiting: { contract: Contract; waiting: Waiting }[];
  /** A followed state had more pages than were read: older contracts may wait unseen. */
  waitingCapped: boolean;
  recent: Contract[];
}

interface StatePages { status: ContractStatus; items: Contract[]; more: boolean }

/** A state's contracts, newest first: one page, or up to MAX_FOLLOWED_PAGES for a followed
 * state; `more` when a next_cursor remained. */
async function readState(cms: CmsApi, status: ContractStatus, signal: AbortSignal): Promise<StatePages> {
  const pages = FOLLOWED_STATES.includes(status) ? MAX_FOLLOWED_PAGES : 1;
  const items: Contract[] = [];
  let cursor: string | undefined;
  for (let read = 0; read < pages; read += 1) {
    const query = { status, limit: PER_STATE, ...(cursor === undefined ? {} : { cursor }) };
    const { data } = await cms.GET("/api/v1/contracts", { params: { query }, signal });
    items.push(...(data?.items ?? []));
    cursor = data?.next_cursor ?? undefined;
    if (cursor === undefined) break;
  }
  return { status, items, more: cursor !== undefined };
}

/** Each state's contracts: counts, what waits for me, and what changed last. */
export async function loadOverview(cms: CmsApi, did: string, now: Date, signal: AbortSignal): Promise<Overview> {
  const states = await Promise.all(STATUSES.map((status) => readState(cms, status, signal)));
  const contracts = states.flatMap((state) => state.items);
  const waiting = contracts.flatMap((contract) => {
    const what = waitsFor(contract, did, now);
    return what ? [{ contract, waiting: what }] : [];
  });
  const recent = [...contracts].sort((a, b) => b.updated_at.localeCompare(a.updated_at)).slice(0, RECENT_CONTRACTS);
  return {
    counts: states.map(({ status, items, more }) => ({ status, count: items.length, more })),
    waiting,
    waitingCapped: states.some(({ status, more }) => more && FOLLOWED_STATES.includes(status)),
    recent,
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

