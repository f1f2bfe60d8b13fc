import { Button, Group, Stack, Table, Text, Title, VisuallyHidden } from "@mantine/core";
import { useState } from "react";
import { eventLabel } from "../../contracts/eventTypes";
import { ProblemAlert } from "../../app/ProblemAlert";
import { DeliveryRow } from "./DeliveryRow";
import { useReplayDelivery, type Delivery, type Webhook } from "./queries";
import { useDeliveryLog } from "./useDeliveryLog";

/** One webhook's deliveries, newest first, with a redeliver button on each finished one. */
export function DeliveryLog({ webhook }: { webhook: Webhook }) {
  const log = useDeliveryLog(webhook);
  const replay = useReplayDelivery(webhook.id);
  const [announced, setAnnounced] = useState("");
  const { deliveries } = log;
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
        <Button size="xs" variant="default" loading={log.refreshing}
          onClick={log.refresh}>Refresh</Button>
      </Group>
      {log.error && <ProblemAlert error={log.error} />}
      {replay.isError && <ProblemAlert error={replay.error} />}
      <Text size="sm" role="status" aria-live="polite">{announced}</Text>
      {!log.loaded && !log.error && <Text size="sm" role="status">Loading deliveries…</Text>}
      {log.loaded && deliveries.length === 0 && (
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
      {log.hasOlder && (
        <Group>
          <Button size="xs" variant="default" loading={log.loadingOlder}
            onClick={log.showOlder}>Show older deliveries</Button>
        </Group>
      )}
    </Stack>
  );
}
