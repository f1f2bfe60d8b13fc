import { Button, Collapse, Group, Select, SimpleGrid, TextInput } from "@mantine/core";
import { useMediaQuery } from "@mantine/hooks";
import { useState, type SubmitEvent } from "react";
import { useTemplates } from "../../contracts/queries";
import { hasFilters, NO_FILTERS, sameFilters, type ListFilters } from "./listQuery";

interface Props { filters: ListFilters; onApply: (filters: ListFilters) => void }

/** The filters and search, applied together (one history entry, one request). */
export function FiltersForm({ filters, onApply }: Props) {
  const [draft, setDraft] = useState(filters);
  // When the URL changes (back button, a tab, a shared link), the fields follow it.
  const [shown, setShown] = useState(filters);
  if (!sameFilters(shown, filters)) {
    setShown(filters);
    setDraft(filters);
  }
  const templates = useTemplates();
  const set = (key: keyof ListFilters) => (value: string | null) => { setDraft({ ...draft, [key]: value ?? "" }); };
  const submit = (event: SubmitEvent<HTMLFormElement>) => { event.preventDefault(); onApply(draft); };
  const templateOptions = (templates.data ?? []).map((t) => ({ value: t.template_id, label: t.name }));
  // On a phone the search stays in view and the other filters fold away until asked for.
  const phone = useMediaQuery("(max-width: 48em)");
  const [unfolded, setUnfolded] = useState(hasFilters(filters));
  return (
    <form onSubmit={submit} aria-label="Filter contracts" role="search">
      <TextInput label="Search titles" value={draft.q} maxLength={100} mb="sm"
        onChange={(e) => { set("q")(e.currentTarget.value); }} />
      {phone && (
        <Button variant="default" size="compact-sm" mb="xs" aria-expanded={unfolded} aria-controls="more-filters"
          onClick={() => { setUnfolded(!unfolded); }}>
          {unfolded ? "Fewer filters" : "More filters"}
        </Button>
      )}
      <Collapse expanded={!phone || unfolded}>
        <SimpleGrid id="more-filters" cols={{ base: 1, sm: 2, lg: 4 }} spacing="sm">
          <TextInput label="Counterparty DID" value={draft.counterparty} placeholder="did:key:z6Mk…"
            onChange={(e) => { set("counterparty")(e.currentTarget.value); }} />
          <Select label="Template" data={templateOptions} value={draft.template || null} clearable
            placeholder="Any template" onChange={set("template")} />
          <Select label="My role" value={draft.role || null} clearable placeholder="Either role"
            data={[{ value: "provider", label: "Provider" }, { value: "consumer", label: "Consumer" }]}
            onChange={set("role")} />
          <TextInput type="date" label="Created from" value={draft.createdFrom}
            onChange={(e) => { set("createdFrom")(e.currentTarget.value); }} />
          <TextInput type="date" label="Created until" value={draft.createdTo}
            onChange={(e) => { set("createdTo")(e.currentTarget.value); }} />
          <TextInput type="date" label="Valid on" value={draft.validOn}
            onChange={(e) => { set("validOn")(e.currentTarget.value); }} />
        </SimpleGrid>
      </Collapse>
      <Group mt="sm" gap="sm">
        <Button type="submit">Apply filters</Button>
        {hasFilters(filters) && (
          <Button variant="default" onClick={() => { onApply({ ...NO_FILTERS, status: filters.status }); }}>
            Clear filters
          </Button>
        )}
      </Group>
    </form>
  );
}
