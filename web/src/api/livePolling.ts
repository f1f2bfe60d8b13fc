import { present } from "@cms/sdk";
import { useQuery, useQueryClient, type QueryKey } from "@tanstack/react-query";

const POLL_MS = 3_000;
const MAX_POLL_MS = 60_000;

/** Polls only while the tab is visible; each failure in a row doubles the wait (up to a
 * minute), and a success goes back to the normal pace. */
export function pollInterval(visible: boolean, failures: number, everyMs = POLL_MS): number | false {
  if (!visible) return false;
  return Math.min(MAX_POLL_MS, everyMs * 2 ** failures);
}

/** Query options for a screen that stays live: polled every `everyMs` while visible, backing
 * off on failures (no retry on top of that), never in a hidden tab. */
export function livePolling(everyMs = POLL_MS) {
  return {
    retry: false,
    refetchInterval: (query: { state: { fetchFailureCount: number } }) =>
      pollInterval(document.visibilityState === "visible", query.state.fetchFailureCount, everyMs),
    refetchIntervalInBackground: false,
  } as const;
}

/** A representation with the entity tag it came with. */
export interface Tagged<T> { data: T; etag: string | null }

/** What an SDK GET answers (openapi-fetch's shape). */
interface Answer<T> { data?: T; response: Response }
export type ConditionalGet<T> = (header: { "If-None-Match"?: string }) => Promise<Answer<T>>;

/** Ask again with the tag last seen: a 304 gives back `previous` itself (the same object, so
 * nothing re-renders), any other answer its body and new tag. */
export async function revalidate<T>(previous: Tagged<T> | undefined, get: ConditionalGet<T>): Promise<Tagged<T>> {
  const answer = await get(previous?.etag ? { "If-None-Match": previous.etag } : {});
  if (answer.response.status === 304 && previous) return previous;
  return { data: present(answer.data), etag: answer.response.headers.get("ETag") };
}

/** One resource kept live: polled while the tab is visible, each poll conditional on the last
 * entity tag (an unchanged resource costs a 304 and no body). */
export function useLiveResource<T>(queryKey: QueryKey, get: ConditionalGet<T>, everyMs?: number) {
  const queryClient = useQueryClient();
  return useQuery({
    queryKey,
    queryFn: () => revalidate(queryClient.getQueryData<Tagged<T>>(queryKey), get),
    ...livePolling(everyMs),
  });
}
