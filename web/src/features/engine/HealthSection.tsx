import { Group, List, Loader, Text } from "@mantine/core";
import { ProblemAlert } from "../../app/ProblemAlert";
import { Section } from "../contract-page/Section";
import { percentText as percent } from "./percent";
import { useEngineHealth } from "./queries";

const STATUS_LABEL = { healthy: "Healthy", warning: "Warning", critical: "Critical" } as const;

/** The engine's health report: score, status, recent errors, what to do about them. */
export function HealthSection({ address }: { address: string }) {
  const health = useEngineHealth(address);
  return (
    <Section title="Health">
      {health.isPending ? <Loader size="sm" aria-label="Loading the health report" role="status" /> : null}
      {health.error ? <ProblemAlert error={health.error} /> : null}
      {health.data ? (
        <>
          <Group gap="sm">
            <Text>Score {percent(health.data.health_score)}</Text>
            <Text fw={700}>{STATUS_LABEL[health.data.status]}</Text>
          </Group>
          <Text size="sm">
            {health.data.total_executions} executions; {percent(health.data.success_rate)} succeeded
            ({percent(health.data.recent_success_rate)} recently); {health.data.avg_execution_time_ms.toFixed(2)} ms on
            average; gas efficiency {percent(health.data.gas_efficiency)}.
          </Text>
          {Object.keys(health.data.recent_errors).length > 0 ? (
            <Text size="sm">Recent errors: {Object.entries(health.data.recent_errors).map(([code, count]) => `${code} ×${String(count)}`).join(", ")}</Text>
          ) : null}
          {health.data.recommendations.length > 0 ? (
            <List size="sm" aria-label="Recommendations">
              {health.data.recommendations.map((text) => <List.Item key={text}>{text}</List.Item>)}
            </List>
          ) : <Text size="sm">No recommendations.</Text>}
        </>
      ) : null}
    </Section>
  );
}
