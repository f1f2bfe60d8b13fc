import { Card, Code, Stack, Table, Text, Title } from "@mantine/core";
import { ProblemAlert } from "../../app/ProblemAlert";
import { shortDid } from "../../auth/shortDid";
import { formatInstant } from "../../contracts/lifecycle";
import { useIdentityEvents } from "./useIdentity";

/** The identity's audit events, newest first; each event's data shown as text. */
export function EventsCard({ did }: { did: string }) {
  const events = useIdentityEvents(did);
  const items = [...(events.data?.events ?? [])].reverse();
  return (
    <Card withBorder>
      <Stack gap="xs">
        <Title order={2} size="h4">Audit events</Title>
        <ProblemAlert error={events.error} />
        {events.isPending && <Text size="sm">Loading events…</Text>}
        {events.data && (
          <Table.ScrollContainer minWidth={0}>
            <Table aria-label="Audit events of this identity">
              <Table.Thead>
                <Table.Tr><Table.Th>#</Table.Th><Table.Th>Event</Table.Th><Table.Th>By</Table.Th><Table.Th>When</Table.Th><Table.Th>Details</Table.Th></Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((event) => (
                  <Table.Tr key={event.seq}>
                    <Table.Td>{event.seq}</Table.Td>
                    <Table.Td>{event.type}</Table.Td>
                    <Table.Td ff="monospace" title={event.actor}>{event.actor.startsWith("did:") ? shortDid(event.actor) : event.actor}</Table.Td>
                    <Table.Td>{formatInstant(event.at)}</Table.Td>
                    <Table.Td><Code style={{ whiteSpace: "pre-wrap", wordBreak: "break-all" }}>{JSON.stringify(event.data)}</Code></Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Stack>
    </Card>
  );
}
