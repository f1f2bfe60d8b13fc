import { present, type CmsApi, type Schemas } from "@cms/sdk";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useCms } from "../../api/cms";
import { livePolling, pollInterval } from "../../api/livePolling";
import { useSession } from "../../auth/sessionStore";
import type { Contract } from "../../contracts/lifecycle";

export type PlacedEvent = Schemas["PlacedAuditEvent"];

// Keyed by who reads as well: what one identity was shown is never served to another.
export const contractKeys = {
  one: (did: string, id: string) => ["contract", did, id] as const,
  events: (did: string, id: string) => ["contract", did, id, "events"] as const,
};

/** This tab's identity, for the query keys. */
export function useReader(): string {
  return useSession()?.did ?? "";
}

// The SDK's; re-exported for this feature's modules.
export { present };

export function useContract(id: string) {
  const cms = useCms();
  return useQuery({
    queryKey: contractKeys.one(useReader(), id),
    queryFn: async (): Promise<Contract> => present((await cms.GET("/api/v1/contracts/{contract_id}",
      { params: { path: { contract_id: id } } })).data),
  });
}

/** One page of the timeline as last read, with its entity tag. */
interface TimelinePage { after: number | null; events: PlacedEvent[]; nextAfter: number | null; etag: string | null }

/** The timeline as last seen: every page, each with the entity tag to ask whether it changed. */
export interface EventsState { events: PlacedEvent[]; pages: TimelinePage[] }

const PAGE_SIZE = 100;

// Shared with the other live screens; re-exported for this feature's modules.
export { pollInterval };

/** The contract's audit events with their anchoring state, kept live: every page is asked for
 * with its If-None-Match, so an unchanged timeline costs 304s and no body, while new events
 * past the first page and the anchoring of older ones still show. */
export function useContractEvents(id: string) {
  const cms = useCms();
  const queryClient = useQueryClient();
  const key = contractKeys.events(useReader(), id);
  return useQuery({
    queryKey: key,
    queryFn: () => readTimeline(cms, id, queryClient.getQueryData<EventsState>(key)),
    ...livePolling(),
  });
}

/** Read the timeline page by page to its end; a page unchanged since `previous` (304) is
 * taken from it. */
export async function readTimeline(cms: CmsApi, id: string, previous: EventsState | undefined): Promise<EventsState> {
  const known = new Map((previous?.pages ?? []).map((page) => [page.after, page]));
  const pages: TimelinePage[] = [];
  let after: number | null = null;
  do {
    const cached = known.get(after);
    const answer = await cms.GET("/api/v1/contracts/{contract_id}/events", {
      params: { path: { contract_id: id }, query: after === null ? { limit: PAGE_SIZE } : { limit: PAGE_SIZE, after },
        header: cached?.etag ? { "If-None-Match": cached.etag } : {} },
    });
    let page: TimelinePage;
    if (answer.response.status === 304 && cached) page = cached;
    else {
      const body = present(answer.data);
      page = { after, events: body.events, nextAfter: body.next_after, etag: answer.response.headers.get("ETag") };
    }
    // A cursor that does not move forward would page for ever.
    if (page.nextAfter !== null && after !== null && page.nextAfter <= after) {
      throw new Error("The server's timeline pages do not advance.");
    }
    pages.push(page);
    after = page.nextAfter;
  } while (after !== null);
  const unchanged = previous !== undefined && pages.length === previous.pages.length
    && pages.every((page, index) => page === previous.pages[index]);
  // The same object when nothing changed: the page re-renders nothing and announces nothing.
  return unchanged ? previous : { events: pages.flatMap((page) => page.events), pages };
}

/** A change to the contract (a transition, a signature, an upload): afterwards the contract
 * and its timeline are read again. */
export function useContractChange(id: string) {
  const cms = useCms();
  const queryClient = useQueryClient();
  const key = contractKeys.one(useReader(), id);
  return useMutation({
    mutationFn: (change: (client: CmsApi) => Promise<unknown>) => change(cms),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: key }),
  });
}
