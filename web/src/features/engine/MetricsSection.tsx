import { BarChart } from "@mantine/charts";
import { Loader, SimpleGrid, Stack, Table, Text } from "@mantine/core";
import { useId } from "react";
import { ProblemAlert } from "../../app/ProblemAlert";
import { Section } from "../contract-page/Section";
import { ScrollableTable } from "./ScrollableTable";
import { percent, percentText } from "./percent";
import { useEngineMetrics } from "./queries";
import type { Schemas } from "@cms/sdk";

type Metrics = Schemas["EngineMetrics"];
// The charts repeat the table below them: hidden from assistive technology and out of the tab
// order (recharts' keyboard layer would make a hidden element focusable).
const DECORATIVE = { "aria-hidden": true, barChartProps: { accessibilityLayer: false } } as const;

/** The rates as chart rows (percent) and the counts beside them: the data behind both charts
 * and the table, so the three never disagree (`tableRows` carries every chart value). */
export function metricRows(metrics: Metrics) {
  return {
    rates: [
      { measure: "Success rate", percent: percent(metrics.success_rate) },
      { measure: "Cache hit rate", percent: percent(metrics.cache_hit_rate) },
      { measure: `Error rate, last ${String(metrics.window_minutes)} min`, percent: percent(metrics.recent_error_rate) },
      { measure: "Cache use", percent: percent(metrics.cache_utilization) },
    ],
    executions: [
      { measure: "All executions", count: metrics.total_executions },
      { measure: `Last ${String(metrics.window_minutes)} min`, count: metrics.recent_executions },
    ],
    figures: [
      ["Gas consumed", metrics.total_gas_consumed.toLocaleString("en")],
      ["Average execution time", `${metrics.avg_execution_time_ms.toFixed(2)} ms`],
      ["Contracts (active)", `${String(metrics.contracts)} (${String(metrics.active_contracts)})`],
      ["Cache hits / misses (this instance)", `${String(metrics.cache.hits)} / ${String(metrics.cache.misses)}`],
    ] as const,
  };
}

/** The table: every value both charts show (the charts are hidden from assistive technology),
 * then the figures no chart shows. */
export function tableRows(metrics: Metrics): (readonly [string, string])[] {
  const rows = metricRows(metrics);
  return [
    ...rows.rates.map((row) => [row.measure, percentText(row.percent / 100)] as const),
    ...rows.executions.map((row) => [row.measure, row.count.toLocaleString("en")] as const),
    ...rows.figures,
  ];
}

function Figure({ title, children }: { title: string; children: React.ReactNode }) {
  const id = useId();
  return (
    <figure aria-labelledby={id} style={{ margin: 0 }}>
      <Text component="figcaption" id={id} fw={600} size="sm" mb="xs">{title}</Text>
      {children}
    </figure>
  );
}

/** The engine's figures across the deployment: two charts and the same numbers as a table. */
export function MetricsSection() {
  const metrics = useEngineMetrics();
  return (
    <Section title="Engine metrics">
      {metrics.isPending ? <Loader size="sm" aria-label="Loading the metrics" role="status" /> : null}
      {metrics.error ? <ProblemAlert error={metrics.error} /> : null}
      {metrics.data ? <MetricsView metrics={metrics.data} /> : null}
    </Section>
  );
}

function MetricsView({ metrics }: { metrics: Metrics }) {
  const rows = metricRows(metrics);
  return (
    <Stack gap="md">
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="lg">
        <Figure title="Rates (percent)">
          <BarChart h={220} data={rows.rates} dataKey="measure" yAxisProps={{ domain: [0, 100] }} unit="%"
            series={[{ name: "percent", label: "Percent", color: "teal.7" }]} {...DECORATIVE} />
        </Figure>
        <Figure title="Executions">
          <BarChart h={220} data={rows.executions} dataKey="measure"
            series={[{ name: "count", label: "Executions", color: "indigo.6" }]} {...DECORATIVE} />
        </Figure>
      </SimpleGrid>
      <ScrollableTable label="Engine metrics table">
        <Table aria-label="Engine metrics as figures">
          <Table.Thead><Table.Tr><Table.Th>Measure</Table.Th><Table.Th>Value</Table.Th></Table.Tr></Table.Thead>
          <Table.Tbody>
            {tableRows(metrics).map(([label, value]) => <Table.Tr key={label}><Table.Td>{label}</Table.Td><Table.Td>{value}</Table.Td></Table.Tr>)}
          </Table.Tbody>
        </Table>
      </ScrollableTable>
    </Stack>
  );
}
