import { present, type CmsApi, type Schemas } from "@cms/sdk";
import { useMutation, useQuery, useQueryClient, type Query } from "@tanstack/react-query";
import { useCms } from "../../api/cms";
import type { Contract } from "./model";

export type PlacedEvent = Schemas["PlacedAuditEvent"];

export const contractKeys = {
  one: (id: string) => ["contract", id] as const,
  events: (id: string) => ["contract", id, "events"] as const,
};

// The SDK's; re-exported for this feature's modules.
export { present };

export function useContract(id: string) {
  const cms = useCms();
  return useQuery({
    queryKey: contractKeys.one(id),
    queryFn: async (): Promise<Contract> => present((await cms.GET("/api/v1/contracts/{contract_id}",
      { params: { path: { contract_id: id } } })).data),
  });
}

/** The timeline as last seen, with the entity tag to ask whether it changed. */
export interface EventsState { events: PlacedEvent[]; etag: string | null }

const POLL_MS = 3_000;
const MAX_POLL_MS = 60_000;

/** Polls only while the tab is visible; each failure in a row doubles the wait (up to a
 * minute), and a success goes back to the normal pace. */
export function pollInterval(visible: boolean, failures: number): number | false {
  if (!visible) return false;
  return Math.min(MAX_POLL_MS, POLL_MS * 2 ** failures);
}

/** The contract's audit events with their anchoring state, kept live: the first page is asked
 * for with If-None-Match, so an unchanged timeline costs a 304 and no body. */
export function useContractEvents(id: string) {
  const cms = useCms();
  const queryClient = useQueryClient();
  const key = contractKeys.events(id);
  return useQuery({
    queryKey: key,
    queryFn: () => fetchEvents(cms, id, queryClient.getQueryData<EventsState>(key)),
    retry: false,
    refetchInterval: (query: Query<EventsState>) =>
      pollInterval(document.visibilityState === "visible", query.state.fetchFailureCount),
    refetchIntervalInBackground: false,
  });
}

async function fetchEvents(cms: CmsApi, id: string, previous: EventsState | undefined): Promise<EventsState> {
  const path = { contract_id: id };
  const first = await cms.GET("/api/v1/contracts/{contract_id}/events", {
    params: { path, query: { limit: 100 },
      header: previous?.etag ? { "If-None-Match": previous.etag } : {} },
  });
  if (first.response.status === 304 && previous) return previous;
  const page = present(first.data);
  const events = [...page.events];
  // A long history spans pages; only the first carries the entity tag worth asking about.
  for (let after = page.next_after; after !== null;) {
    const next = present((await cms.GET("/api/v1/contracts/{contract_id}/events",
      { params: { path, query: { limit: 100, after } } })).data);
    events.push(...next.events);
    after = next.next_after;
  }
  return { events, etag: first.response.headers.get("ETag") };
}

/** A change to the contract (a transition, a signature, an upload): afterwards the contract
 * and its timeline are read again. */
export function useContractChange(id: string) {
  const cms = useCms();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (change: (client: CmsApi) => Promise<unknown>) => change(cms),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: contractKeys.one(id) }),
  });
}
