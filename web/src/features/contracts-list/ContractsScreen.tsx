import { Button, Group, Stack, Tabs, Title } from "@mantine/core";
import { Link, useSearchParams } from "react-router";
import { isStatus, STATUS_LABEL, STATUSES } from "../../contracts/lifecycle";
import { ContractResults } from "./ContractResults";
import { FiltersForm } from "./FiltersForm";
import { filtersFromSearch, searchFromFilters, type ListFilters } from "./listQuery";

/** Contracts: a tab per lifecycle state, filters and search, all in the URL. */
export function ContractsScreen() {
  const [search, setSearch] = useSearchParams();
  const filters = filtersFromSearch(search);
  // Each change is a history entry: the back button returns to the previous view.
  const show = (next: ListFilters) => { setSearch(searchFromFilters(next)); };
  return (
    <Stack gap="md">
      <Group justify="space-between" wrap="wrap">
        <Title order={1}>Contracts</Title>
        <Button component={Link} to="/contracts/new">New contract</Button>
      </Group>
      <Tabs value={filters.status} keepMounted={false}
        onChange={(value) => { show({ ...filters, status: isStatus(value) ? value : "all" }); }}>
        <Tabs.List aria-label="Contract state" style={{ flexWrap: "wrap" }}>
          <Tabs.Tab value="all">All</Tabs.Tab>
          {STATUSES.map((status) => <Tabs.Tab key={status} value={status}>{STATUS_LABEL[status]}</Tabs.Tab>)}
        </Tabs.List>
      </Tabs>
      <FiltersForm filters={filters} onApply={show} />
      <ContractResults key={search.toString()} filters={filters} />
    </Stack>
  );
}
