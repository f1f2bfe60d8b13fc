import { Stack, Text, Title } from "@mantine/core";
import { useRef } from "react";
import { useSession } from "../../auth/sessionStore";
import { ProblemAlert } from "../../app/ProblemAlert";
import { useWebhooks } from "./queries";
import { RegisterWebhookForm } from "./RegisterWebhookForm";
import { dismissSecret, useShownSecret } from "./revealedSecret";
import { SecretNotice } from "./SecretNotice";
import { WebhookCard } from "./WebhookCard";

/** The caller's webhooks: register one, see and act on each, read its delivery log. */
export function WebhooksScreen() {
  const session = useSession();
  const webhooks = useWebhooks();
  const shown = useShownSecret(session?.did);
  const heading = useRef<HTMLHeadingElement>(null);
  if (!session) return null;

  return (
    <Stack gap="lg" maw={980}>
      <Title order={1}>Webhooks</Title>
      <Text size="sm">
        Your HTTPS endpoints receive the events of your contracts as they happen: a signed <code>POST</code> per event,
        retried with backoff until the receiver answers 2xx. Each delivery carries its id (<code>CMS-Delivery-Id</code>) for
        de-duplication and a <code>CMS-Signature</code> made with the webhook&apos;s secret.
      </Text>
      {shown && <SecretNotice shown={shown} onDismiss={dismissSecret} />}
      <RegisterWebhookForm did={session.did} />
      <Stack gap="sm" component="section" aria-labelledby="your-webhooks-title">
        {/* Where focus goes after a delete: the deleted card and its Delete button are gone. */}
        <Title order={2} size="h4" id="your-webhooks-title" ref={heading} tabIndex={-1}>Your webhooks</Title>
        {webhooks.isPending && <Text size="sm" role="status">Loading webhooks…</Text>}
        {webhooks.isError && <ProblemAlert error={webhooks.error} />}
        {webhooks.data?.length === 0 && <Text size="sm" c="dimmed">None yet.</Text>}
        {webhooks.data?.map((webhook) => (
          <WebhookCard key={webhook.id} webhook={webhook} onDeleted={() => { heading.current?.focus(); }} />
        ))}
      </Stack>
    </Stack>
  );
}
