import { CmsProblem } from "@cms/sdk";
import { Button, Card, Group, Stack, Text, Title } from "@mantine/core";
import { StateBadge } from "../contract-page/StateBadge";
import { useState } from "react";
import { eventLabel } from "../../contracts/eventTypes";
import { formatInstant } from "../../contracts/lifecycle";
import { ProblemAlert } from "../../app/ProblemAlert";
import { ConfirmButton } from "./ConfirmButton";
import { DeliveryLog } from "./DeliveryLog";
import { useDeleteWebhook, useRotateSecret, useSetWebhookStatus, type Webhook } from "./queries";

/** One webhook: what it receives, its state, its actions and (on demand) its delivery log. */
export function WebhookCard({ webhook, onDeleted }: { webhook: Webhook; onDeleted: () => void }) {
  const [logOpen, setLogOpen] = useState(false);
  const [announced, setAnnounced] = useState("");
  const setStatus = useSetWebhookStatus(webhook.id);
  const rotate = useRotateSecret(webhook.id);
  const remove = useDeleteWebhook(webhook.id, onDeleted);
  const active = webhook.status === "active";
  const titleId = `webhook-${webhook.id}`;
  const failure = setStatus.error ?? rotate.error ?? remove.error;

  return (
    <Card withBorder component="section" aria-labelledby={titleId}>
      <Stack gap="xs">
        <Group justify="space-between" align="flex-start" wrap="nowrap">
          <Title order={3} size="h5" id={titleId} ff="monospace" style={{ wordBreak: "break-all" }}>{webhook.url}</Title>
          <StateBadge color={active ? "green" : "gray"} miw="max-content">{active ? "Active" : "Disabled"}</StateBadge>
        </Group>
        <Text size="sm">
          Receives: {webhook.event_types.length === 0 ? "every event" : webhook.event_types.map(eventLabel).join(", ")}
        </Text>
        <Text size="xs" c="dimmed">Registered {formatInstant(webhook.created_at)}</Text>
        {!active && (
          <Text size="sm">Disabled: no new deliveries are made, and pending ones are given up at their next attempt while it is disabled. Events that happen meanwhile are not sent later.</Text>
        )}
        <Group gap="xs">
          <Button size="xs" variant="default" aria-expanded={logOpen} aria-controls={`${titleId}-log`}
            onClick={() => { setLogOpen(!logOpen); }}>
            {logOpen ? "Hide deliveries" : "Show deliveries"}
          </Button>
          <Button size="xs" variant="default" loading={setStatus.isPending}
            onClick={() => {
              const next = active ? "disabled" : "active";
              setStatus.mutate(next, { onSuccess: () => { setAnnounced(next === "active" ? "Webhook enabled." : "Webhook disabled."); } });
            }}>
            {active ? "Disable" : "Enable"}
          </Button>
          <ConfirmButton size="xs" variant="default" label="Rotate secret" loading={rotate.isPending}
            title="Rotate the signing secret?" confirmLabel="Rotate secret"
            explanation={<>
              <p>A new secret replaces the current one at once: your receiver must use the new one for every delivery from now on,
                retries of earlier deliveries included. The new secret is shown once.</p>
            </>}
            onConfirm={() => { rotate.mutate(); }} />
          <ConfirmButton size="xs" color="red" variant="light" label="Delete" loading={remove.isPending}
            title="Delete this webhook?" confirmLabel="Delete webhook"
            explanation={<p>Nothing more is sent to <code style={{ wordBreak: "break-all" }}>{webhook.url}</code>; pending deliveries are dropped. This cannot be undone.</p>}
            onConfirm={() => { remove.mutate(); }} />
        </Group>
        <Text size="sm" role="status" aria-live="polite">{announced}</Text>
        {failure && <ProblemAlert error={failure} />}
        {rotate.isError && answerUnknown(rotate.error) && (
          <Text size="sm">The secret may already have changed: rotate again to get one you can see.</Text>
        )}
        <div id={`${titleId}-log`}>{logOpen && <DeliveryLog webhook={webhook} />}</div>
      </Stack>
    </Card>
  );
}

/** The request may have reached the server even though no answer came back (network failure,
 * gateway error). */
function answerUnknown(error: unknown): boolean {
  return !(error instanceof CmsProblem) || error.status === 0 || error.status >= 500;
}
