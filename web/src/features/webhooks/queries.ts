import { present, type Schemas } from "@cms/sdk";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useCms } from "../../api/cms";
import { livePolling } from "../../api/livePolling";
import { useSession } from "../../auth/sessionStore";
import { deliveryPollMs } from "./deliveryLog";
import { revealSecret } from "./revealedSecret";
import type { ContractEventType } from "./webhookRules";

export type Webhook = Schemas["Webhook"];
export type WebhookWithSecret = Schemas["WebhookWithSecret"];
export type Delivery = Schemas["Delivery"];

/** Everything cached about the signed-in identity's webhooks (lists and delivery logs). */
function useWebhooksKey() {
  const session = useSession();
  return ["webhooks", session?.did] as const;
}

export function useWebhooks() {
  const cms = useCms();
  const key = useWebhooksKey();
  return useQuery({
    queryKey: [...key, "list"],
    queryFn: async ({ signal }) => present((await cms.GET("/api/v1/webhooks", { signal })).data).items,
  });
}

export const DELIVERY_PAGE_SIZE = 10;
export type DeliveryPage = Schemas["DeliveryPage"];

/** One page of a webhook's deliveries, newest first, from `cursor` (the newest if none). */
function useDeliveryPage(webhookId: string) {
  const cms = useCms();
  return async (cursor: string | undefined, signal: AbortSignal) => present((await cms.GET("/api/v1/webhooks/{webhook_id}/deliveries", {
    params: { path: { webhook_id: webhookId }, query: { limit: DELIVERY_PAGE_SIZE, cursor } },
    signal,
  })).data);
}

/** The newest page of a webhook's deliveries, the only one kept live (see `deliveryPollMs`). */
export function useNewestDeliveries(webhook: Webhook) {
  const page = useDeliveryPage(webhook.id);
  const key = useWebhooksKey();
  const polling = livePolling();
  return useQuery({
    queryKey: [...key, "deliveries", webhook.id, "newest"],
    queryFn: ({ signal }) => page(undefined, signal),
    ...polling,
    refetchInterval: (query) => deliveryPollMs(query.state, webhook.status === "active", polling.refetchInterval(query)),
  });
}

/** Older deliveries, page by page below `from` (the newest page's cursor when the user first
 * asked for them); read once each, never polled. */
export function useOlderDeliveries(webhookId: string, from: string | null) {
  const page = useDeliveryPage(webhookId);
  const key = useWebhooksKey();
  return useInfiniteQuery({
    queryKey: [...key, "deliveries", webhookId, "older", from],
    initialPageParam: from ?? undefined,
    queryFn: ({ pageParam, signal }) => page(pageParam, signal),
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    enabled: from !== null,
    retry: false,
  });
}

/** A change to the caller's webhooks; every webhook query is read again after it. */
function useWebhookChange<Input, Output>(change: (input: Input) => Promise<Output>) {
  const client = useQueryClient();
  const key = useWebhooksKey();
  return useMutation({
    mutationFn: change,
    onSettled: () => client.invalidateQueries({ queryKey: key }),
  });
}

// Registration and rotation hand their secret to `revealSecret` inside the request itself: it
// is shown even if the form or card that asked has unmounted by the answer, and the mutation
// cache only ever holds the webhook without it.
export function useRegisterWebhook() {
  const cms = useCms();
  const did = useSession()?.did ?? "";
  return useWebhookChange(async (body: { url: string; event_types: ContractEventType[] }) =>
    revealSecret(present((await cms.POST("/api/v1/webhooks", { body })).data), did, "registered"));
}

const onePath = (webhookId: string) => ({ params: { path: { webhook_id: webhookId } } });

export function useSetWebhookStatus(webhookId: string) {
  const cms = useCms();
  return useWebhookChange(async (status: Webhook["status"]) =>
    present((await cms.PATCH("/api/v1/webhooks/{webhook_id}", { ...onePath(webhookId), body: { status } })).data));
}

export function useRotateSecret(webhookId: string) {
  const cms = useCms();
  const did = useSession()?.did ?? "";
  return useWebhookChange(async () => {
    return revealSecret(present((await cms.POST("/api/v1/webhooks/{webhook_id}/rotate-secret", onePath(webhookId))).data), did, "rotated");
  });
}

/** `onDeleted` runs from the mutation itself, so also once the deleted webhook's card is gone. */
export function useDeleteWebhook(webhookId: string, onDeleted: () => void) {
  const cms = useCms();
  const client = useQueryClient();
  const key = useWebhooksKey();
  return useMutation({
    mutationFn: async () => { await cms.DELETE("/api/v1/webhooks/{webhook_id}", onePath(webhookId)); },
    // Its log is gone with it: dropped, not read again (that would be a 404 for nothing).
    onSuccess: () => { client.removeQueries({ queryKey: [...key, "deliveries", webhookId] }); onDeleted(); },
    onSettled: () => client.invalidateQueries({ queryKey: [...key, "list"] }),
  });
}

export function useReplayDelivery(webhookId: string) {
  const cms = useCms();
  return useWebhookChange(async (deliveryId: string) =>
    present((await cms.POST("/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/replay", {
      params: { path: { webhook_id: webhookId, delivery_id: deliveryId } },
    })).data));
}
