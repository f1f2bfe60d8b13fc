import { Button, Group, Text } from "@mantine/core";
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useCms } from "../../api/cms";
import type { Contract } from "../../contracts/lifecycle";
import { CONTRACT_LISTS } from "../../contracts/queries";
import { BULK_LABEL, eligible, runBulk, type BulkAction, type RowOutcome } from "./bulkActions";

interface Props {
  contracts: Contract[];
  did: string;
  onOutcome: (id: string, outcome: RowOutcome) => void;
  onDone: () => void;
}

/** Actions on the selected contracts, offered only where the caller may take them. */
export function BulkBar({ contracts, did, onOutcome, onDone }: Props) {
  const cms = useCms();
  const queryClient = useQueryClient();
  const [running, setRunning] = useState<BulkAction | null>(null);
  const [summary, setSummary] = useState("");
  if (contracts.length === 0 && !summary) return null;
  const now = new Date();
  const run = async (action: BulkAction) => {
    const targets = eligible(action, contracts, did, now);
    setRunning(action);
    let succeeded = 0;
    await runBulk(cms, action, targets, (id, outcome) => {
      if (outcome.ok) succeeded += 1;
      onOutcome(id, outcome);
    });
    setRunning(null);
    setSummary(`${BULK_LABEL[action].done} ${String(succeeded)} of ${String(targets.length)}.`);
    // Stale everywhere, but this list keeps its rows (with their outcomes) until it is left.
    await queryClient.invalidateQueries({ queryKey: CONTRACT_LISTS, refetchType: "none" });
    onDone();
  };
  return (
    <Group gap="sm" wrap="wrap" aria-label="Bulk actions" role="group">
      {contracts.length > 0 && <Text size="sm">{contracts.length} selected</Text>}
      {(["submit", "activate"] as const).map((action) => {
        const count = eligible(action, contracts, did, now).length;
        return count > 0 && (
          <Button key={action} size="xs" loading={running === action} disabled={running !== null}
            onClick={() => { void run(action); }}>
            {BULK_LABEL[action].verb} ({count})
          </Button>
        );
      })}
      <Text size="sm" role="status" aria-live="polite">{summary}</Text>
    </Group>
  );
}
