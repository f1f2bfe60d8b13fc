import { Button, CloseButton, Code, Group, List, Stack, Text } from "@mantine/core";
import { Notice } from "../../app/Notice";
import { Section } from "../contract-page/Section";
import { CallResult } from "./CallResult";
import { callFailureWords } from "./outcomeWords";
import { useBatch, type EngineCall } from "./queries";

const callText = (call: EngineCall) => `${call.function}(${Object.values(call.args ?? {}).map((value) => JSON.stringify(value)).join(", ")})`;

/** Calls queued from the call form, run in order, each atomic on its own: every call's
 * outcome, failures included. */
export function BatchSection({ address, calls, onRemove, onClear }: {
  address: string; calls: EngineCall[]; onRemove: (index: number) => void; onClear: () => void;
}) {
  const batch = useBatch(address);
  return (
    <Section title="Batch">
      {calls.length === 0 ? <Text size="sm" c="dimmed">No calls queued. Fill the call form and choose “Add to batch”.</Text> : (
        <List type="ordered" size="sm" aria-label="Queued calls">
          {calls.map((call, index) => (
            <List.Item key={index}>
              <Group gap="xs" wrap="nowrap"><Code style={{ overflowWrap: "anywhere" }}>{callText(call)}</Code>
                <CloseButton aria-label={`Remove call ${String(index + 1)}`} onClick={() => { onRemove(index); }} /></Group>
            </List.Item>
          ))}
        </List>
      )}
      <Group>
        <Button disabled={calls.length === 0} loading={batch.isPending}
          onClick={() => { batch.mutate(calls, { onSuccess: onClear }); }}>Run the batch</Button>
      </Group>
      <div aria-live="polite">
        {batch.error ? <Notice color="red" title="The batch did not run" role="alert">{callFailureWords(batch.error)}</Notice> : null}
        {batch.data ? (
          <Stack gap="xs">
            <Text>{batch.data.succeeded} succeeded, {batch.data.failed} failed.</Text>
            {batch.data.results.map((result, index) => <CallResult key={index} result={result} />)}
          </Stack>
        ) : null}
      </div>
    </Section>
  );
}
