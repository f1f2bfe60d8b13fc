import { Button, Loader, Table, Text } from "@mantine/core";
import { ProblemAlert } from "../../app/ProblemAlert";
import { Section } from "../contract-page/Section";
import { ScrollableTable } from "./ScrollableTable";
import { failureWords } from "./outcomeWords";
import { useEngineHistory } from "./queries";
import { formatInstant } from "../../contracts/lifecycle";

/** The contract's executions, newest first, a page at a time. */
export function HistorySection({ address }: { address: string }) {
  const history = useEngineHistory(address);
  const records = history.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <Section title="Execution history">
      {history.isPending ? <Loader size="sm" aria-label="Loading the history" role="status" /> : null}
      {history.error ? <ProblemAlert error={history.error} /> : null}
      {records.length > 0 ? (
        <ScrollableTable label="Execution history table">
          <Table striped aria-label="Executions, newest first">
            <Table.Thead><Table.Tr>
              <Table.Th>When</Table.Th><Table.Th>Function</Table.Th><Table.Th>Outcome</Table.Th><Table.Th>Gas</Table.Th>
            </Table.Tr></Table.Thead>
            <Table.Tbody>
              {records.map((record) => (
                <Table.Tr key={record.execution_id}>
                  <Table.Td>{formatInstant(record.timestamp)}</Table.Td>
                  <Table.Td>{record.function}{record.dry_run ? " (estimate)" : ""}</Table.Td>
                  <Table.Td>{record.success ? <Text size="sm">succeeded</Text>
                    : <Text size="sm">{record.error ? failureWords(record.error) : "failed"}</Text>}</Table.Td>
                  <Table.Td>{record.gas_used.toLocaleString("en")}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </ScrollableTable>
      ) : history.data ? <Text size="sm">No executions yet.</Text> : null}
      {history.hasNextPage ? (
        <Button variant="light" loading={history.isFetchingNextPage} onClick={() => { void history.fetchNextPage(); }}>
          Show older executions</Button>
      ) : null}
    </Section>
  );
}
