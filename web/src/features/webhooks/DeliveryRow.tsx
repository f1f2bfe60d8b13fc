import { Button, Table, Text } from "@mantine/core";
import { eventLabel } from "../../contracts/eventTypes";
import { formatInstant } from "../../contracts/lifecycle";
import { StateBadge } from "../contract-page/StateBadge";
import { DELIVERY_STATUS, redeliverBlocked } from "./deliveryWords";
import type { Delivery } from "./queries";

export function DeliveryRow({ delivery, webhookActive, busy, onRedeliver }: {
  delivery: Delivery; webhookActive: boolean; busy: boolean; onRedeliver: (delivery: Delivery) => void;
}) {
  const status = DELIVERY_STATUS[delivery.status];
  const blocked = redeliverBlocked(delivery, webhookActive);
  const reasonId = `redeliver-${delivery.id}-reason`;
  return (
    <Table.Tr data-delivery-id={delivery.id}>
      <Table.Td>{eventLabel(delivery.event_type)}<Text size="xs" c="dimmed" ff="monospace">{delivery.event_type}</Text></Table.Td>
      <Table.Td>{formatInstant(delivery.created_at)}</Table.Td>
      <Table.Td><StateBadge color={status.color} miw="max-content">{status.label}</StateBadge></Table.Td>
      <Table.Td>{delivery.attempts}</Table.Td>
      <Table.Td>{delivery.last_status_code ?? "—"}</Table.Td>
      <Table.Td style={{ maxWidth: 260, overflowWrap: "anywhere" }}>{delivery.last_error ?? "—"}</Table.Td>
      <Table.Td>{formatInstant(delivery.next_attempt_at)}</Table.Td>
      <Table.Td>
        {/* Unavailable but still focusable (aria-disabled, not disabled), with the reason
            written beside it: keyboard and screen-reader users reach the reason too. */}
        <Button size="xs" variant="default" loading={busy} data-disabled={blocked !== null || undefined}
          aria-disabled={blocked !== null} aria-describedby={blocked ? reasonId : undefined}
          aria-label={`Redeliver ${eventLabel(delivery.event_type)} of ${formatInstant(delivery.created_at)}`}
          onClick={() => { if (!blocked) onRedeliver(delivery); }}>
          Redeliver
        </Button>
        {blocked && <Text id={reasonId} size="xs" c="dimmed" mt={4}>{blocked}</Text>}
      </Table.Td>
    </Table.Tr>
  );
}
