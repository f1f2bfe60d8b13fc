import { Anchor, Group, Paper, Stack, Title } from "@mantine/core";
import { Link } from "react-router";
import { STATUS_COLOR, STATUS_LABEL } from "../../contracts/lifecycle";
import type { StateCount } from "./dashboardData";
import { StateBadge } from "../contract-page/StateBadge";

export function StateCounts({ counts }: { counts: StateCount[] }) {
  return (
    <section aria-labelledby="states-heading">
      <Title order={2} size="h3" id="states-heading" mb="xs">My contracts by state</Title>
      <Paper withBorder p="sm">
        <Stack component="ul" gap={6} p={0} m={0} style={{ listStyle: "none" }}>
          {counts.map(({ status, count, more }) => (
            <Group component="li" key={status} justify="space-between">
              <Anchor component={Link} to={`/contracts?status=${status}`}>{STATUS_LABEL[status]}</Anchor>
              <StateBadge color={STATUS_COLOR[status]}>{count}{more ? "+" : ""}</StateBadge>
            </Group>
          ))}
        </Stack>
      </Paper>
    </section>
  );
}
