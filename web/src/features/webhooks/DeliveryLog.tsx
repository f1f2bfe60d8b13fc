import { Button, Group, Stack, Table, Text, Title, VisuallyHidden } from "@mantine/core";
import { StateBadge } from "../contract-page/StateBadge";
import { useState } from "react";
import { eventLabel } from "../../contracts/eventTypes";
import { ProblemAlert } from "../contract-page/ProblemAlert";
import { DELIVERY_STATUS, formatTime, redeliverBlocked } from "./deliveryWords";
import { useDeliveries, useReplayDelivery, type Delivery, type Webhook } from "./queries";

/** One webhook's deliveries, newest first, with a redeliver button on each finished one. */
export function DeliveryLog({ webhook }: { webhook: Webhook }) {
  const pages = useDeliveries(webhook.id);
  const replay = useReplayDelivery(webhook.id);
  const [announced, setAnnounced] = useState("");
  const deliveries = pages.data?.pages.flatMap((page) => page.items) ?? [];
  const titleId = `deliveries-${webhook.id}`;

  function redeliver(delivery: Delivery) {
    replay.mutate(delivery.id, {
      onSuccess: () => { setAnnounced(`${eventLabel(delivery.event_type)} is being delivered again.`); },
    });
  }

  return (
    <Stack gap="xs">
      <Group justify="space-between">
        <Title order={4} id={titleId}>Deliveries</Title>
        <Button size="xs" variant="default" loading={pages.isFetching && !pages.isFetchingNextPage}
          onClick={() => { void pages.refetch(); }}>Refresh</Button>
      </Group>
      {pages.isError && <ProblemAlert error={pages.error} />}
      {replay.isError && <ProblemAlert error={replay.error} />}
      <Text size="sm" role="status" aria-live="polite">{announced}</Text>
      {pages.isPending && <Text size="sm" role="status">Loading deliveries…</Text>}
      {pages.isSuccess && deliveries.length === 0 && (
        <Text size="sm" c="dimmed">No deliveries yet: each event of your contracts that this webhook listens to makes one.</Text>
      )}
      {deliveries.length > 0 && (
        <Table.ScrollContainer minWidth={760}>
          <Table aria-labelledby={titleId} striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Event</Table.Th><Table.Th>Created</Table.Th><Table.Th>Status</Table.Th>
                <Table.Th>Attempts</Table.Th><Table.Th>Last answer</Table.Th><Table.Th>Last error</Table.Th>
                <Table.Th>Next attempt</Table.Th><Table.Th><VisuallyHidden>Action</VisuallyHidden></Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {deliveries.map((delivery) => (
                <DeliveryRow key={delivery.id} delivery={delivery} webhookActive={webhook.status === "active"}
                  busy={replay.isPending && replay.variables === delivery.id} onRedeliver={redeliver} />
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {pages.hasNextPage && (
        <Group>
          <Button size="xs" variant="default" loading={pages.isFetchingNextPage}
            onClick={() => { void pages.fetchNextPage(); }}>Show older deliveries</Button>
        </Group>
      )}
    </Stack>
  );
}

function DeliveryRow({ delivery, webhookActive, busy, onRedeliver }: {
  delivery: Delivery; webhookActive: boolean; busy: boolean; onRedeliver: (delivery: Delivery) => void;
}) {
  const status = DELIVERY_STATUS[delivery.status];
  const blocked = redeliverBlocked(delivery, webhookActive);
  return (
    <Table.Tr data-delivery-id={delivery.id}>
      <Table.Td>{eventLabel(delivery.event_type)}<Text size="xs" c="dimmed" ff="monospace">{delivery.event_type}</Text></Table.Td>
      <Table.Td>{formatTime(delivery.created_at)}</Table.Td>
      <Table.Td><StateBadge color={status.color} miw="max-content">{status.label}</StateBadge></Table.Td>
      <Table.Td>{delivery.attempts}</Table.Td>
      <Table.Td>{delivery.last_status_code ?? "—"}</Table.Td>
      <Table.Td style={{ maxWidth: 260, overflowWrap: "anywhere" }}>{delivery.last_error ?? "—"}</Table.Td>
      <Table.Td>{formatTime(delivery.next_attempt_at)}</Table.Td>
      <Table.Td>
        <Button size="xs" variant="default" loading={busy} disabled={blocked !== null} title={blocked ?? undefined}
          aria-label={`Redeliver ${eventLabel(delivery.event_type)} of ${formatTime(delivery.created_at)}${blocked ? ` (${blocked})` : ""}`}
          onClick={() => { onRedeliver(delivery); }}>
          Redeliver
        </Button>
      </Table.Td>
    </Table.Tr>
  );
}
