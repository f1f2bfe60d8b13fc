import { Group, Textarea, TextInput } from "@mantine/core";
import type { ContractDraft } from "./contractDraft";

interface Props {
  draft: ContractDraft;
  errors: Record<string, string | undefined>;
  onChange: (changes: Partial<ContractDraft>) => void;
}

/** A contract from free-form terms: a JSON object, or plain text, and its validity. */
export function TermsFields({ draft, errors, onChange }: Props) {
  return (
    <>
      <Group grow align="flex-start" wrap="wrap">
        <TextInput type="datetime-local" label="Valid from" required value={draft.validFrom} error={errors.validFrom}
          onChange={(e) => { onChange({ validFrom: e.currentTarget.value }); }} style={{ minWidth: 200 }} />
        <TextInput type="datetime-local" label="Valid until" required value={draft.validUntil} error={errors.validUntil}
          onChange={(e) => { onChange({ validUntil: e.currentTarget.value }); }} style={{ minWidth: 200 }} />
      </Group>
      <Textarea label="Terms" required autosize minRows={6} value={draft.terms} error={errors.terms}
        description="A JSON object (e.g. {&quot;purpose&quot;: &quot;training&quot;}) or plain text"
        styles={{ input: { fontFamily: "var(--mantine-font-family-monospace)" } }}
        onChange={(e) => { onChange({ terms: e.currentTarget.value }); }} />
    </>
  );
}
