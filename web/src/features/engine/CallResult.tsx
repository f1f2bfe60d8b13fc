import { Code, List, Stack, Text } from "@mantine/core";
import { Notice } from "../../app/Notice";
import { eventWords, failureWords, valueText, type ExecutionResult } from "./outcomeWords";

/** One call's outcome in words: the result and events, or why it failed. */
export function CallResult({ result }: { result: ExecutionResult }) {
  if (!result.success) {
    return (
      <Notice color="red" title={`${result.function} failed`}>
        {result.error ? failureWords(result.error) : "The call failed."}
      </Notice>
    );
  }
  return (
    <Notice color="green" title={`${result.function} succeeded`}>
      <Stack gap={4}>
        <Text size="sm">Result: <Code>{valueText(result.return_value)}</Code></Text>
        <Text size="sm">Gas used: {result.gas_used.toLocaleString("en")} of {result.gas_limit.toLocaleString("en")}
          {result.cached ? " (served from the cache)" : ""}</Text>
        {result.events.length > 0 ? (
          <>
            <Text size="sm">Events:</Text>
            <List size="sm">{result.events.map((event, index) => <List.Item key={index}>{eventWords(event)}</List.Item>)}</List>
          </>
        ) : <Text size="sm">No events.</Text>}
      </Stack>
    </Notice>
  );
}
