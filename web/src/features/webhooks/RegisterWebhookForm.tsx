import { Button, Checkbox, Group, SimpleGrid, Stack, Text, TextInput, Title } from "@mantine/core";
import { useState } from "react";
import { plainProblem } from "../../api/problemText";
import { eventLabel } from "../../contracts/eventTypes";
import { ProblemAlert } from "../../app/ProblemAlert";
import { draftKey, useStoredDraft } from "../contract-form/useStoredDraft";
import { useRegisterWebhook } from "./queries";
import { registrationErrors } from "./serverErrors";
import { CONTRACT_EVENT_TYPES, MAX_URL_LENGTH, webhookUrlProblem, type ContractEventType } from "./webhookRules";

interface Draft { url: string; eventTypes: ContractEventType[] }
const EMPTY: Draft = { url: "", eventTypes: [] };

/** Register an HTTPS receiver; the URL is checked as it is typed by the rules the API applies
 * everywhere (where its host resolves is the server's to say). */
export function RegisterWebhookForm({ did }: { did: string }) {
  // Kept under the user's drafts (forgotten at sign-out) so a half-typed URL survives a reload.
  const draft = useStoredDraft<Draft>(draftKey(did, "webhook-registration"), EMPTY);
  const [submitted, setSubmitted] = useState(false);
  const register = useRegisterWebhook();
  const { url, eventTypes } = draft.value;
  const typedProblem = url || submitted ? webhookUrlProblem(url.trim()) : null;
  const server = register.isError ? registrationErrors(plainProblem(register.error)) : null;

  function submit() {
    setSubmitted(true);
    if (webhookUrlProblem(url.trim())) return;
    register.mutate({ url: url.trim(), event_types: eventTypes }, {
      onSuccess: () => { draft.reset(); setSubmitted(false); },
    });
  }

  return (
    <Stack gap="sm" component="form" aria-labelledby="register-webhook-title"
      onSubmit={(event) => { event.preventDefault(); submit(); }}>
      <Title order={2} size="h4" id="register-webhook-title">Register a webhook</Title>
      <TextInput label="Receiver URL" withAsterisk value={url} maxLength={MAX_URL_LENGTH} inputMode="url"
        placeholder="https://hooks.example.com/cms" autoComplete="off" spellCheck={false}
        description="https only, without user name, password or fragment. The server also checks that the host resolves to public addresses only."
        error={typedProblem ?? server?.url}
        onChange={(event) => { register.reset(); draft.update({ ...draft.value, url: event.currentTarget.value }); }} />
      <Checkbox.Group label="Events" description="None chosen: every event of your contracts."
        value={eventTypes} error={server?.eventTypes}
        onChange={(chosen) => { register.reset(); draft.update({ ...draft.value, eventTypes: chosen }); }}>
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing={6} mt={6}>
          {CONTRACT_EVENT_TYPES.map((type) => (
            <Checkbox key={type} value={type} label={<>{eventLabel(type)} <Text span size="xs" c="dimmed" ff="monospace">{type}</Text></>} />
          ))}
        </SimpleGrid>
      </Checkbox.Group>
      {server?.unplaced && <ProblemAlert error={register.error} />}
      <Group>
        <Button type="submit" loading={register.isPending}>Register webhook</Button>
        {draft.restored && url && <Text size="xs" c="dimmed">Restored what you typed earlier.</Text>}
      </Group>
    </Stack>
  );
}
