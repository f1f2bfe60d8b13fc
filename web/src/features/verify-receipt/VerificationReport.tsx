import { Alert, Badge, Group, Paper, Stack, Text, Title } from "@mantine/core";
import { verdictOf, type ReceiptReport } from "@cms/sdk";
import { describeCheck, tamperedParts } from "./checkWords";

// Receipt strings (names, DIDs, details) are rendered as React text, never as HTML.
const wrap = { overflowWrap: "anywhere" } as const;
// Shades dark enough for white text (WCAG AA 4.5:1); Mantine's yellow title on its tint is not.
const readableTitle = { title: { color: "var(--mantine-color-text)" } };
const OK = { color: "teal.9", label: "ok" };
const FAILED = { color: "red.9", label: "failed" };

function Verdict({ report }: { report: ReceiptReport }) {
  const verdict = verdictOf(report); // exactly `cms verify-receipt`'s VALID / INVALID / INCOMPLETE
  if (verdict === "valid") {
    return (
      <Alert color="teal.9" variant="filled" title="Valid receipt">
        Every one of the {report.checks.length} checks passed against the chain you chose.
      </Alert>
    );
  }
  if (verdict === "incomplete") {
    return (
      <Alert color="yellow" variant="light" title="Incomplete: neither proven nor disproven" styles={readableTitle}>
        <Text size="sm" style={wrap}>{report.incomplete}</Text>
      </Alert>
    );
  }
  const parts = tamperedParts(report.checks);
  return (
    <Alert color="red.9" variant="filled" title="Invalid receipt: it does not match what was signed and anchored">
      <Text size="sm">What fails: {parts.join("; ")}.</Text>
    </Alert>
  );
}

export function VerificationReport({ report }: { report: ReceiptReport }) {
  return (
    <Stack gap="sm">
      <Title order={2}>Result</Title>
      <Verdict report={report} />
      <Title order={3}>Checks</Title>
      {/* role="list": Safari drops the list role of an unstyled list. */}
      <Stack component="ul" role="list" gap="xs" aria-label="Checks" style={{ listStyle: "none", margin: 0, padding: 0 }}>
        {report.checks.map((check, index) => (
          <li key={`${check.name}-${String(index)}`}>
            <Paper withBorder p="sm" radius="sm">
              <Group gap="xs" wrap="nowrap" align="flex-start">
                <Badge color={(check.ok ? OK : FAILED).color} variant="filled" style={{ flexShrink: 0 }}>
                  {(check.ok ? OK : FAILED).label}
                </Badge>
                <Stack gap={2} style={{ minWidth: 0 }}>
                  <Text fw={600} size="sm" style={wrap}>{describeCheck(check.name).what}</Text>
                  <Text size="xs" c="dimmed" ff="monospace" style={wrap}>{check.name}</Text>
                  <Text size="sm" style={wrap}>{check.detail}</Text>
                </Stack>
              </Group>
            </Paper>
          </li>
        ))}
      </Stack>
    </Stack>
  );
}
