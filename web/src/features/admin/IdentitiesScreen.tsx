import { Anchor, Button, Group, Select, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useState, type SubmitEvent } from "react";
import { Link, useSearchParams } from "react-router";
import { ProblemAlert } from "../../app/ProblemAlert";
import { shortDid } from "../../auth/shortDid";
import { StatusBadge } from "./StatusBadge";
import { identityFiltersFrom, searchOf, useIdentityPages, type IdentityFilters } from "./useIdentityPages";

/** Admins: find an identity by DID or name, narrowed by status and role; the filters live in
 * the URL. Everyone else gets the API's refusal in words (the API decides). */
export function IdentitiesScreen() {
  const [search, setSearch] = useSearchParams();
  const filters = identityFiltersFrom(search);
  const pages = useIdentityPages(filters);
  const items = pages.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <Stack gap="md">
      <Title order={1}>Identities</Title>
      <SearchForm key={search.toString()} filters={filters}
        onApply={(next) => { setSearch(searchOf(next)); }} />
      <ProblemAlert error={pages.error} />
      {pages.isPending && <Text role="status">Loading identities…</Text>}
      {pages.isSuccess && (
        <Table.ScrollContainer minWidth={0}>
          <Table aria-label="Identities" striped>
            <Table.Thead>
              <Table.Tr><Table.Th>Name</Table.Th><Table.Th>DID</Table.Th><Table.Th>Status</Table.Th><Table.Th>Roles</Table.Th></Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((identity) => (
                <Table.Tr key={identity.did}>
                  <Table.Td>
                    <Anchor component={Link} to={`/admin/identities/${encodeURIComponent(identity.did)}`}>
                      {identity.name}
                    </Anchor>
                  </Table.Td>
                  <Table.Td ff="monospace" title={identity.did}>{shortDid(identity.did)}</Table.Td>
                  <Table.Td>
                    <StatusBadge status={identity.status} />
                  </Table.Td>
                  <Table.Td>{identity.roles.join(", ") || "none"}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <Text size="sm" role="status" aria-live="polite">
        {pages.isSuccess && (items.length
          ? `${String(items.length)} identit${items.length === 1 ? "y" : "ies"} shown${pages.hasNextPage ? "; more may follow" : ""}.`
          : pages.hasNextPage ? "None on this page; load more to search further." : "No identity matches.")}
      </Text>
      {pages.hasNextPage && (
        <Group>
          <Button variant="default" loading={pages.isFetchingNextPage}
            onClick={() => { void pages.fetchNextPage(); }}>Load more</Button>
        </Group>
      )}
    </Stack>
  );
}

function SearchForm({ filters, onApply }: { filters: IdentityFilters; onApply: (next: IdentityFilters) => void }) {
  const [draft, setDraft] = useState(filters);
  function submit(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    onApply({ ...draft, q: draft.q.trim() });
  }
  return (
    <form onSubmit={submit} role="search" aria-label="Find identities">
      <Group align="flex-end" wrap="wrap">
        <TextInput label="DID or name" maxLength={100} value={draft.q} w={320}
          description="A DID prefix, or part of a name or DID (case-sensitive)"
          onChange={(event) => { setDraft({ ...draft, q: event.currentTarget.value }); }} />
        <Select label="Status" value={draft.status} w={150} allowDeselect={false}
          data={[{ value: "", label: "Any" }, { value: "active", label: "Active" },
            { value: "inactive", label: "Inactive" }, { value: "suspended", label: "Suspended" }]}
          onChange={(value) => { setDraft({ ...draft, status: identityFiltersFrom(new URLSearchParams({ status: value ?? "" })).status }); }} />
        <Select label="Role" value={draft.role} w={150} allowDeselect={false}
          data={[{ value: "", label: "Any" }, { value: "admin", label: "Admin" },
            { value: "auditor", label: "Auditor" }, { value: "enclave", label: "Enclave" }]}
          onChange={(value) => { setDraft({ ...draft, role: identityFiltersFrom(new URLSearchParams({ role: value ?? "" })).role }); }} />
        <Button type="submit">Search</Button>
      </Group>
    </form>
  );
}
