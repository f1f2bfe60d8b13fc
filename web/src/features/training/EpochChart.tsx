import { LineChart } from "@mantine/charts";
import { Table, Text, Title } from "@mantine/core";
import { useId } from "react";
import type { TrainingJob } from "./queries";

type Epoch = NonNullable<TrainingJob["metrics"]>["epochs"][number];

/** Test accuracy and epsilon spent so far, per epoch, as a chart with its data as a table
 * beside it (the chart's text equivalent for screen readers and exact reading). */
export function EpochChart({ epochs }: { epochs: Epoch[] }) {
  const titleId = useId();
  const data = epochs.map((epoch) => ({
    epoch: `Epoch ${String(epoch.epoch)}`,
    accuracy: Math.round(epoch.test_accuracy * 10_000) / 100,
    epsilon: epoch.epsilon ?? 0,
  }));
  const last = epochs.at(-1);
  return (
    <figure aria-labelledby={titleId} style={{ margin: 0 }}>
      <Title order={3} size="h4" id={titleId}>Test accuracy and epsilon per epoch</Title>
      {last && (
        <Text size="sm" role="status" aria-live="polite">
          After epoch {last.epoch}: test accuracy {percent(last.test_accuracy)}, epsilon spent {last.epsilon ?? "not private"},
          {" "}{Math.round(last.samples_per_second).toLocaleString()} examples per second.
        </Text>
      )}
      {epochs.length === 0 ? <Text size="sm" c="dimmed">No epoch has finished yet.</Text> : (
        <div role="img" aria-label={`Chart of test accuracy (left axis, percent) and epsilon spent (right axis) over ${String(epochs.length)} epochs; the table below has the figures.`}>
          <LineChart h={240} data={data} dataKey="epoch" withRightYAxis withLegend
            yAxisLabel="Test accuracy (%)" rightYAxisLabel="Epsilon spent"
            yAxisProps={{ domain: [0, 100] }} curveType="linear" withDots
            series={[
              { name: "accuracy", label: "Test accuracy (%)", color: "blue.6" },
              { name: "epsilon", label: "Epsilon spent", color: "orange.6", yAxisId: "right" },
            ]} />
        </div>
      )}
      {epochs.length > 0 && (
        <Table.ScrollContainer minWidth={0}>
          <Table verticalSpacing={2} aria-label="Per-epoch figures" data-testid="epoch-table">
            <Table.Thead>
              <Table.Tr><Table.Th>Epoch</Table.Th><Table.Th>Test accuracy</Table.Th><Table.Th>Epsilon so far</Table.Th><Table.Th>Examples/s</Table.Th></Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {epochs.map((epoch) => (
                <Table.Tr key={epoch.epoch}>
                  <Table.Td>{epoch.epoch}</Table.Td><Table.Td>{percent(epoch.test_accuracy)}</Table.Td>
                  <Table.Td>{epoch.epsilon ?? "—"}</Table.Td><Table.Td>{Math.round(epoch.samples_per_second).toLocaleString()}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </figure>
  );
}

function percent(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}
