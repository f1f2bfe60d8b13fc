import { present, type Schemas } from "@cms/sdk";
import { keepPreviousData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useCms } from "../../api/cms";
import { useSession } from "../../auth/sessionStore";
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

// While a log is open its pending deliveries change under it (attempts, retries): it is read
// again every few seconds, only while the tab is visible (TanStack pauses hidden tabs).
const DELIVERY_LOG_POLL_MS = 3_000;
export const DELIVERY_PAGE_SIZE = 10;

/** A webhook's deliveries, newest first, page by page through the API's cursor. */
export function useDeliveries(webhookId: string) {
  const cms = useCms();
  const key = useWebhooksKey();
  return useInfiniteQuery({
    queryKey: [...key, "deliveries", webhookId],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam, signal }) => present((await cms.GET("/api/v1/webhooks/{webhook_id}/deliveries", {
      params: { path: { webhook_id: webhookId }, query: { limit: DELIVERY_PAGE_SIZE, cursor: pageParam } },
      signal,
    })).data),
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    placeholderData: keepPreviousData,
    refetchInterval: DELIVERY_LOG_POLL_MS,
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

export function useRegisterWebhook() {
  const cms = useCms();
  return useWebhookChange(async (body: { url: string; event_types: ContractEventType[] }) =>
    present((await cms.POST("/api/v1/webhooks", { body })).data));
}

const onePath = (webhookId: string) => ({ params: { path: { webhook_id: webhookId } } });

export function useSetWebhookStatus(webhookId: string) {
  const cms = useCms();
  return useWebhookChange(async (status: Webhook["status"]) =>
    present((await cms.PATCH("/api/v1/webhooks/{webhook_id}", { ...onePath(webhookId), body: { status } })).data));
}

export function useRotateSecret(webhookId: string) {
  const cms = useCms();
  return useWebhookChange(async () =>
    present((await cms.POST("/api/v1/webhooks/{webhook_id}/rotate-secret", onePath(webhookId))).data));
}

export function useDeleteWebhook(webhookId: string) {
  const cms = useCms();
  const client = useQueryClient();
  const key = useWebhooksKey();
  return useMutation({
    mutationFn: async () => { await cms.DELETE("/api/v1/webhooks/{webhook_id}", onePath(webhookId)); },
    // Its log is gone with it: dropped, not read again (that would be a 404 for nothing).
    onSuccess: () => { client.removeQueries({ queryKey: [...key, "deliveries", webhookId] }); },
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
