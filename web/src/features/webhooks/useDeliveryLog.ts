import { useState } from "react";
import { mergeDeliveries } from "./deliveryLog";
import { useNewestDeliveries, useOlderDeliveries, type Delivery, type Webhook } from "./queries";

/** A webhook's delivery log: its newest page, kept live, and older pages on demand. */
export function useDeliveryLog(webhook: Webhook) {
  const newest = useNewestDeliveries(webhook);
  // Older pages go on below the newest page as it was when first asked for; what it held then
  // is kept too, so deliveries pushed off it by new ones since stay in the log.
  const [olderFrom, setOlderFrom] = useState<{ cursor: string; kept: Delivery[] } | null>(null);
  const older = useOlderDeliveries(webhook.id, olderFrom?.cursor ?? null);
  const olderItems = older.data?.pages.flatMap((page) => page.items) ?? [];
  return {
    deliveries: mergeDeliveries(newest.data?.items ?? [], olderFrom?.kept ?? [], olderItems),
    loaded: newest.isSuccess,
    error: newest.error ?? older.error,
    refreshing: newest.isFetching || (older.isFetching && !older.isFetchingNextPage),
    loadingOlder: older.isFetchingNextPage || (older.isPending && olderFrom !== null),
    hasOlder: olderFrom ? older.hasNextPage : Boolean(newest.data?.next_cursor),
    refresh: () => { void newest.refetch(); if (olderFrom) void older.refetch(); },
    showOlder: () => {
      if (olderFrom) void older.fetchNextPage();
      else if (newest.data?.next_cursor) setOlderFrom({ cursor: newest.data.next_cursor, kept: newest.data.items });
    },
  };
}
