import { Alert, Button, Group, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import { Link } from "react-router";
import { plainProblem } from "../../api/problemText";
import { RecentEvents } from "./RecentEvents";
import { StateCounts } from "./StateCounts";
import { useOverview } from "./useOverview";
import { WaitingList } from "./WaitingList";

/** What waits for me, my contracts by state, and what happened lately. */
export function Dashboard() {
  const overview = useOverview();
  return (
    <Stack gap="lg">
      <Group justify="space-between" wrap="wrap">
        <Title order={1}>Dashboard</Title>
        <Button component={Link} to="/contracts/new">New contract</Button>
      </Group>
      {overview.isPending && <Text c="dimmed" role="status">Loading your contracts…</Text>}
      {overview.isError && (
        <Alert color="red" role="alert" title={plainProblem(overview.error).title}>
          {plainProblem(overview.error).detail}
        </Alert>
      )}
      {overview.data && (
        <>
          <WaitingList waiting={overview.data.waiting} capped={overview.data.waitingCapped} />
          <SimpleGrid cols={{ base: 1, md: 2 }} spacing="lg">
            <StateCounts counts={overview.data.counts} />
            <RecentEvents overview={overview.data} />
          </SimpleGrid>
        </>
      )}
    </Stack>
  );
}
