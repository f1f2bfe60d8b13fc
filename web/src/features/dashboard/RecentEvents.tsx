import { Anchor, Paper, Stack, Text, Title } from "@mantine/core";
import { Link } from "react-router";
import { plainProblem } from "../../api/problemText";
import { useSession } from "../../auth/sessionStore";
import { contractPath, formatInstant, shortDid } from "../../contracts/lifecycle";
import { eventDone } from "../../contracts/eventTypes";
import type { Overview } from "./dashboardData";
import { useRecentEvents } from "./useOverview";

const SHOWN = 10;

export function RecentEvents({ overview }: { overview: Overview }) {
  const events = useRecentEvents(overview);
  const did = useSession()?.did ?? "";
  return (
    <section aria-labelledby="events-heading">
      <Title order={2} size="h3" id="events-heading" mb="xs">Recent events</Title>
      <Paper withBorder p="sm">
        {events.isPending && <Text c="dimmed" role="status">Loading events…</Text>}
        {events.isError && <Text c="red.9" role="alert">{plainProblem(events.error).title}</Text>}
        {events.data?.length === 0 && <Text c="dimmed">No events yet.</Text>}
        <Stack component="ol" gap={6} p={0} m={0} style={{ listStyle: "none" }}>
          {events.data?.slice(0, SHOWN).map(({ contract, event }) => (
            <li key={event.event_id}>
              <Text size="sm" style={{ overflowWrap: "anywhere" }}>
                <Anchor component={Link} to={contractPath(contract.id)}>{contract.title}</Anchor>
                {" "}{eventDone(event.type)} by {event.actor === did ? "you" : shortDid(event.actor)}
              </Text>
              <Text size="xs" c="dimmed"><time dateTime={event.at}>{formatInstant(event.at)}</time></Text>
            </li>
          ))}
        </Stack>
      </Paper>
    </section>
  );
}
