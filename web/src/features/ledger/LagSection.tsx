import { BarChart } from "@mantine/charts";
import { Code, Table, Text } from "@mantine/core";
import { useId } from "react";
import { formatInstant } from "../../contracts/lifecycle";
import { ProblemAlert } from "../../app/ProblemAlert";
import { Section } from "../contract-page/Section";
import { StaleNotice } from "./stale";
import { durationText, lagSeries, lagSummary, rangeText } from "./lag";
import classes from "./ledger.module.css";
import type { ConfirmedBatch } from "./queries";

/** How long events waited to be anchored, batch by batch: a chart, the same in a sentence,
 * and the batches in a table (the chart's data for those who do not see it). */
export function LagSection({ batches, error, updatedAt = 0 }: {
  batches: ConfirmedBatch[] | undefined; error: unknown; updatedAt?: number;
}) {
  return (
    <Section title="Anchoring lag">
      {error !== null && !batches && <ProblemAlert error={error} />}
      {error !== null && batches && <StaleNotice what="list of batches" updatedAt={updatedAt} error={error} />}
      {!batches && error === null && <Text c="dimmed" role="status">Loading the recent batches…</Text>}
      {batches && batches.length === 0 && <Text c="dimmed">No batch has been confirmed yet.</Text>}
      {batches && batches.length > 0 && <LagChart batches={batches} />}
      {batches && batches.length > 0 && <BatchTable batches={batches} />}
    </Section>
  );
}

function LagChart({ batches }: { batches: ConfirmedBatch[] }) {
  const captionId = useId();
  const points = lagSeries(batches);
  const summary = lagSummary(points);
  return (
    <figure className={classes.figure} aria-labelledby={captionId} data-testid="lag-chart">
      <figcaption id={captionId}>
        <Text size="sm">Anchoring lag of the recent batches, oldest on the left, in seconds. {summary}</Text>
      </figcaption>
      {points.length > 0 && (
        <BarChart h={220} data={points} dataKey="batch" series={[{ name: "lag", label: "Lag", color: "blue.7" }]}
          valueFormatter={durationText} yAxisLabel="seconds" tickLine="y" />
      )}
    </figure>
  );
}

function BatchTable({ batches }: { batches: ConfirmedBatch[] }) {
  return (
    <Table.ScrollContainer minWidth={0}>
      <Table layout="fixed" verticalSpacing={4} fz="sm">
        <Table.Caption>The recent confirmed batches, newest first</Table.Caption>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Batch</Table.Th><Table.Th w="19%">Events</Table.Th><Table.Th w="17%">Lag</Table.Th>
            {/* At phone width the block goes: five columns do not fit, and it matters least here. */}
            <Table.Th>Confirmed</Table.Th><Table.Th visibleFrom="sm">Block</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {batches.map((batch) => (
            <Table.Tr key={batch.first_seq}>
              <Table.Td style={{ overflowWrap: "anywhere" }}>{rangeText(batch)}</Table.Td>
              <Table.Td>{batch.count.toLocaleString("en-US")}</Table.Td>
              <Table.Td>{batch.lag_s === null ? "Not known" : durationText(batch.lag_s)}</Table.Td>
              <Table.Td style={{ overflowWrap: "anywhere" }}>{formatInstant(batch.confirmed_at)}</Table.Td>
              <Table.Td style={{ overflowWrap: "anywhere" }} visibleFrom="sm">
                {batch.block_number === null ? "—" : <Code title={batch.tx_hash ?? undefined}>{batch.block_number}</Code>}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
