import { Button, Collapse, Group, Select, SimpleGrid, Text, TextInput } from "@mantine/core";
import { useMediaQuery } from "@mantine/hooks";
import { useState, type SubmitEvent } from "react";
import { useTemplates } from "../../contracts/queries";
import { draftErrors, type FilterErrors } from "./filterErrors";
import { hasFilters, NO_FILTERS, sameFilters, type ListFilters } from "./listQuery";

interface Props {
  filters: ListFilters;
  onApply: (filters: ListFilters) => void;
  /** The API's refusal of the applied filters, field by field. */
  refused: FilterErrors;
}

/** The filters and search, applied together (one history entry, one request). */
export function FiltersForm({ filters, onApply, refused }: Props) {
  const [draft, setDraft] = useState(filters);
  // What the last "Apply" found wrong in the fields, before asking the API.
  const [invalid, setInvalid] = useState<FilterErrors>({});
  // When the URL changes (back button, a tab, a shared link), the fields follow it.
  const [shown, setShown] = useState(filters);
  if (!sameFilters(shown, filters)) {
    setShown(filters);
    setDraft(filters);
    setInvalid({});
  }
  const templates = useTemplates();
  const set = (key: keyof ListFilters) => (value: string | null) => {
    setDraft({ ...draft, [key]: value ?? "" });
    setInvalid({});
  };
  const submit = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    const errors = draftErrors(draft);
    setInvalid(errors);
    if (Object.keys(errors).length === 0) onApply(draft);
  };
  // A field's message: the browser's check, else the API's while the field still holds what
  // the API refused.
  const errorOf = (key: keyof ListFilters) => invalid[key] ?? (draft[key] === filters[key] ? refused[key] : undefined);
  const templateOptions = (templates.data ?? []).map((t) => ({ value: t.template_id, label: t.name }));
  // On a phone the search stays in view and the other filters fold away until asked for.
  const phone = useMediaQuery("(max-width: 48em)");
  const [unfolded, setUnfolded] = useState(hasFilters(filters));
  // A message in a folded field would go unseen: such fields stay in view until fixed.
  const needsAttention = Object.keys({ ...invalid, ...refused }).some((key) => key !== "q");
  const expanded = !phone || unfolded || needsAttention;
  return (
    <form onSubmit={submit} aria-label="Filter contracts" role="search">
      <TextInput label="Search titles" value={draft.q} maxLength={100} mb="sm" error={errorOf("q")}
        onChange={(e) => { set("q")(e.currentTarget.value); }} />
      {phone && !needsAttention && (
        <Button variant="default" size="compact-sm" mb="xs" aria-expanded={expanded} aria-controls="more-filters"
          onClick={() => { setUnfolded(!unfolded); }}>
          {expanded ? "Fewer filters" : "More filters"}
        </Button>
      )}
      <Collapse expanded={expanded}>
        <SimpleGrid id="more-filters" cols={{ base: 1, sm: 2, lg: 4 }} spacing="sm">
          <TextInput label="Counterparty DID" value={draft.counterparty} placeholder="did:key:z6Mk…"
            error={errorOf("counterparty")}
            onChange={(e) => { set("counterparty")(e.currentTarget.value); }} />
          <Select label="Template" data={templateOptions} value={draft.template || null} clearable
            placeholder="Any template" onChange={set("template")} error={errorOf("template")} />
          {/* Every contract is read in the all scope, whoever's: the caller's role filters nothing. */}
          {filters.scope === "mine" && (
            <Select label="My role" value={draft.role || null} clearable placeholder="Either role"
              data={[{ value: "provider", label: "Provider" }, { value: "consumer", label: "Consumer" }]}
              onChange={set("role")} error={errorOf("role")} />
          )}
          <TextInput type="date" label="Created from" value={draft.createdFrom} error={errorOf("createdFrom")}
            onChange={(e) => { set("createdFrom")(e.currentTarget.value); }} />
          <TextInput type="date" label="Created until" value={draft.createdTo} error={errorOf("createdTo")}
            onChange={(e) => { set("createdTo")(e.currentTarget.value); }} />
          <TextInput type="date" label="Valid on" value={draft.validOn} error={errorOf("validOn")}
            onChange={(e) => { set("validOn")(e.currentTarget.value); }} />
        </SimpleGrid>
      </Collapse>
      <Group mt="sm" gap="sm">
        <Button type="submit">Apply filters</Button>
        {Object.keys(invalid).length > 0 && (
          <Text size="sm" c="red.9" role="alert">Some filters need attention.</Text>
        )}
        {hasFilters(filters) && (
          <Button variant="default" onClick={() => { onApply({ ...NO_FILTERS, status: filters.status, scope: filters.scope }); }}>
            Clear filters
          </Button>
        )}
      </Group>
    </form>
  );
}
