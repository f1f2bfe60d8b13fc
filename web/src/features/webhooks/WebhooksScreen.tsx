import { Stack, Text, Title } from "@mantine/core";
import { useState } from "react";
import { useSession } from "../../auth/sessionStore";
import { ProblemAlert } from "../contract-page/ProblemAlert";
import { useWebhooks, type WebhookWithSecret } from "./queries";
import { RegisterWebhookForm } from "./RegisterWebhookForm";
import { SecretNotice, type ShownSecret } from "./SecretNotice";
import { WebhookCard } from "./WebhookCard";

/** The caller's webhooks: register one, see and act on each, read its delivery log. */
export function WebhooksScreen() {
  const session = useSession();
  const webhooks = useWebhooks();
  const [shown, setShown] = useState<ShownSecret | null>(null);
  if (!session) return null;
  const reveal = (cause: ShownSecret["cause"]) => (webhook: WebhookWithSecret) => {
    setShown({ webhookId: webhook.id, url: webhook.url, secret: webhook.secret, cause });
  };

  return (
    <Stack gap="lg" maw={980}>
      <Title order={1}>Webhooks</Title>
      <Text size="sm">
        Your HTTPS endpoints receive the events of your contracts as they happen: a signed <code>POST</code> per event,
        retried with backoff until the receiver answers 2xx. Each delivery carries its id (<code>CMS-Delivery-Id</code>) for
        de-duplication and a <code>CMS-Signature</code> made with the webhook&apos;s secret.
      </Text>
      {shown && <SecretNotice shown={shown} onDismiss={() => { setShown(null); }} />}
      <RegisterWebhookForm did={session.did} onRegistered={reveal("registered")} />
      <Stack gap="sm" component="section" aria-labelledby="your-webhooks-title">
        <Title order={2} size="h4" id="your-webhooks-title">Your webhooks</Title>
        {webhooks.isPending && <Text size="sm" role="status">Loading webhooks…</Text>}
        {webhooks.isError && <ProblemAlert error={webhooks.error} />}
        {webhooks.data?.length === 0 && <Text size="sm" c="dimmed">None yet.</Text>}
        {webhooks.data?.map((webhook) => (
          <WebhookCard key={webhook.id} webhook={webhook} onRotated={reveal("rotated")} />
        ))}
      </Stack>
    </Stack>
  );
}
