import { Alert, Button, Checkbox, Group, Stack, Text } from "@mantine/core";
import { useEffect, useState } from "react";
import { plainProblem } from "../../api/problemText";
import { useSession } from "../../auth/sessionStore";
import { BulkBar } from "./BulkBar";
import { ContractRow } from "./ContractRow";
import { apiFilterErrors } from "./filterErrors";
import { PAGE_SIZE, type ListFilters } from "./listQuery";
import type { RowOutcome } from "./bulkActions";
import { useContractPages } from "./useContractPages";

// Filters are applied within bounded reads on the server, so a page may come back short or
// empty with more to read: fetch on by itself a few times before asking the user.
const AUTOMATIC_PAGES = 5;

export function ContractResults({ filters }: { filters: ListFilters }) {
  const did = useSession()?.did ?? "";
  const pages = useContractPages(filters);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [outcomes, setOutcomes] = useState<Readonly<Record<string, RowOutcome>>>({});
  // A row changed by a bulk action shows the contract the API answered with.
  const contracts = (pages.data?.pages.flatMap((page) => page.items) ?? [])
    .map((contract) => outcomes[contract.id]?.contract ?? contract);
  const pageCount = pages.data?.pages.length ?? 0;
  const short = contracts.length < PAGE_SIZE * pageCount;
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = pages;

  useEffect(() => {
    if (short && hasNextPage && !isFetchingNextPage && pageCount < AUTOMATIC_PAGES) void fetchNextPage();
  }, [short, hasNextPage, isFetchingNextPage, pageCount, fetchNextPage]);

  if (pages.isPending) return <Text c="dimmed" role="status">Loading contracts…</Text>;
  if (pages.isError) {
    const problem = plainProblem(pages.error);
    // The fields' own messages say what is wrong with each filter (see FiltersForm).
    const detail = Object.keys(apiFilterErrors(problem)).length > 0 ? "Fix the filters marked above." : problem.detail;
    return <Alert color="red" title={problem.title} role="alert">{detail}</Alert>;
  }
  const toggle = (id: string) => {
    const next = new Set(selected);
    if (!next.delete(id)) next.add(id);
    setSelected(next);
  };
  return (
    <Stack gap="sm">
      <BulkBar contracts={contracts.filter((c) => selected.has(c.id))} did={did}
        onOutcome={(id, outcome) => { setOutcomes((current) => ({ ...current, [id]: outcome })); }}
        onDone={() => { setSelected(new Set()); }} />
      {contracts.length > 1 && (
        <Checkbox label="Select all shown" checked={selected.size === contracts.length}
          indeterminate={selected.size > 0 && selected.size < contracts.length}
          onChange={() => { setSelected(selected.size === contracts.length ? new Set() : new Set(contracts.map((c) => c.id))); }} />
      )}
      <Text size="sm" c="dimmed" role="status" aria-live="polite">
        {contracts.length === 0 && !hasNextPage ? "No contracts match."
          : `${String(contracts.length)} contract${contracts.length === 1 ? "" : "s"} shown${hasNextPage ? ", more to load" : ""}.`}
      </Text>
      {contracts.length > 0 && (
        <Stack component="ul" gap="xs" p={0} m={0} style={{ listStyle: "none" }} aria-label="Contracts">
          {contracts.map((contract) => (
            <ContractRow key={contract.id} contract={contract} did={did} selected={selected.has(contract.id)}
              onToggle={() => { toggle(contract.id); }} outcome={outcomes[contract.id]} />
          ))}
        </Stack>
      )}
      {hasNextPage && (
        <Group>
          <Button variant="default" loading={isFetchingNextPage} onClick={() => { void fetchNextPage(); }}>
            Load more
          </Button>
        </Group>
      )}
    </Stack>
  );
}
