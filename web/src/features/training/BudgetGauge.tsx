import { Group, List, Progress, Text, Tooltip } from "@mantine/core";
import { budgetParts, shares, shortEpsilon } from "./epsilon";
import type { PrivacyBudget } from "./queries";

const PARTS = [
  { key: "spent", label: "Spent", color: "red" },
  { key: "reserved", label: "Reserved by running jobs", color: "yellow" },
  { key: "available", label: "Left", color: "teal" },
] as const;

const TEXT_OF = { spent: "epsilon_spent", reserved: "epsilon_reserved", available: "epsilon_available" } as const;

/** The contract's privacy budget as a gauge (spent, reserved, left of the total) with the
 * exact decimals on hover and in text beside it: the bar is drawing only. */
export function BudgetGauge({ budget }: { budget: PrivacyBudget }) {
  const parts = budgetParts(budget);
  if (!parts) return <Text c="red" role="alert">The server sent a budget that is not a valid decimal.</Text>;
  const widths = shares(parts);
  return (
    <div>
      <Text size="sm" mb={4}>
        Privacy budget: epsilon <strong data-testid="budget-left">{shortEpsilon(parts.available)}</strong> left
        of {shortEpsilon(parts.total)} (delta {budget.delta}, {budget.accountant.toUpperCase()} accountant)
      </Text>
      <Progress.Root size={22} aria-hidden>
        {PARTS.map((part) => (
          <Tooltip key={part.key} label={`${part.label}: ${budget[TEXT_OF[part.key]]}`} withArrow>
            <Progress.Section value={widths[part.key]} color={part.color} />
          </Tooltip>
        ))}
      </Progress.Root>
      <List size="sm" mt="xs" listStyleType="none" aria-label="Privacy budget in exact figures">
        {PARTS.map((part) => (
          <List.Item key={part.key}>
            <Group gap={6} wrap="nowrap">
              <Swatch color={part.color} />
              <Text size="sm" span>{part.label}:</Text>
              <Text size="sm" span ff="monospace" data-testid={`budget-${part.key}`}>{budget[TEXT_OF[part.key]]}</Text>
            </Group>
          </List.Item>
        ))}
        <List.Item>
          <Text size="sm" span>Total: </Text>
          <Text size="sm" span ff="monospace">{budget.epsilon_total}</Text>
        </List.Item>
      </List>
    </div>
  );
}

function Swatch({ color }: { color: string }) {
  return <span aria-hidden style={{ display: "inline-block", width: 10, height: 10, borderRadius: 2,
    background: `var(--mantine-color-${color}-6)` }} />;
}
