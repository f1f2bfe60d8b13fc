import { Anchor, Button, Loader, Table, Text } from "@mantine/core";
import { Link } from "react-router";
import { ProblemAlert } from "../../app/ProblemAlert";
import { Section } from "../contract-page/Section";
import { useOwnedContracts } from "./queries";
import { ScrollableTable } from "./ScrollableTable";
import { KIND_LABEL } from "./SummarySection";
import { formatInstant } from "../../contracts/lifecycle";

/** The contracts the caller deployed, newest first, each a link to its page. */
export function OwnedContracts() {
  const owned = useOwnedContracts();
  const contracts = owned.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <Section title="My deployed contracts">
      {owned.isPending ? <Loader size="sm" aria-label="Loading your contracts" role="status" /> : null}
      {owned.error ? <ProblemAlert error={owned.error} /> : null}
      {owned.data && contracts.length === 0 ? <Text size="sm">You have not deployed a contract yet.</Text> : null}
      {contracts.length > 0 ? (
        <ScrollableTable label="My deployed contracts table">
          <Table striped aria-label="My deployed contracts, newest first">
            <Table.Thead><Table.Tr>
              <Table.Th>Name</Table.Th><Table.Th>Kind</Table.Th><Table.Th>Deployed</Table.Th><Table.Th>Executions</Table.Th>
            </Table.Tr></Table.Thead>
            <Table.Tbody>
              {contracts.map((contract) => (
                <Table.Tr key={contract.address}>
                  <Table.Td><Anchor component={Link} to={`/engine/${contract.address}`}>{contract.name}</Anchor></Table.Td>
                  <Table.Td>{KIND_LABEL[contract.kind]}</Table.Td>
                  <Table.Td>{formatInstant(contract.created_at)}</Table.Td>
                  <Table.Td>{contract.executions.toLocaleString("en")}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </ScrollableTable>
      ) : null}
      {owned.hasNextPage ? (
        <Button variant="light" loading={owned.isFetchingNextPage} onClick={() => { void owned.fetchNextPage(); }}>
          Show older contracts</Button>
      ) : null}
    </Section>
  );
}
