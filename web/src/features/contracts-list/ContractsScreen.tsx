import { Button, Group, SegmentedControl, Stack, Tabs, Title } from "@mantine/core";
import { Link, useSearchParams } from "react-router";
import { isStatus, STATUS_LABEL, STATUSES } from "../../contracts/lifecycle";
import { plainProblem } from "../../api/problemText";
import { useHasRole } from "../../auth/me";
import { ContractResults } from "./ContractResults";
import { apiFilterErrors } from "./filterErrors";
import { FiltersForm } from "./FiltersForm";
import { filtersFromSearch, searchFromFilters, withScopeFor, type ListFilters } from "./listQuery";
import { useContractPages } from "./useContractPages";

/** Contracts: a tab per lifecycle state, filters and search, all in the URL. */
export function ContractsScreen() {
  const [search, setSearch] = useSearchParams();
  // Auditors and admins may read every contract (listContracts' scope=all); others see theirs,
  // also when a link shared by an auditor says scope=all.
  const overseer = useHasRole("auditor", "admin");
  const filters = withScopeFor(overseer, filtersFromSearch(search));
  // Each change is a history entry: the back button returns to the previous view.
  const show = (next: ListFilters) => { setSearch(searchFromFilters(next)); };
  // The same query as the results' (shared, not repeated): its refusal goes beside the fields.
  const { error } = useContractPages(filters);
  const refused = error ? apiFilterErrors(plainProblem(error)) : {};
  return (
    <Stack gap="md">
      <Group justify="space-between" wrap="wrap">
        <Title order={1}>Contracts</Title>
        <Group>
          {overseer && (
            <SegmentedControl aria-label="Whose contracts" value={filters.scope}
              data={[{ value: "mine", label: "Mine" }, { value: "all", label: "All" }]}
              onChange={(value) => { show({ ...filters, scope: value === "all" ? "all" : "mine" }); }} />
          )}
          <Button component={Link} to="/contracts/new">New contract</Button>
        </Group>
      </Group>
      <Tabs value={filters.status} keepMounted={false}
        onChange={(value) => { show({ ...filters, status: isStatus(value) ? value : "all" }); }}>
        <Tabs.List aria-label="Contract state" style={{ flexWrap: "wrap" }}>
          <Tabs.Tab value="all">All</Tabs.Tab>
          {STATUSES.map((status) => <Tabs.Tab key={status} value={status}>{STATUS_LABEL[status]}</Tabs.Tab>)}
        </Tabs.List>
      </Tabs>
      <FiltersForm filters={filters} onApply={show} refused={refused} />
      <ContractResults key={search.toString()} filters={filters} />
    </Stack>
  );
}
