import { Group, Select } from "@mantine/core";
import { useTemplates } from "../../contracts/queries";
import { useTemplateVersions } from "../../templates/templateQueries";

interface Props {
  templateId: string;
  version: number | null;
  error: string | undefined;
  /** A draft being edited keeps its template; only its variables change. */
  locked: boolean;
  onChange: (templateId: string, version: number | null) => void;
}

export function TemplatePicker({ templateId, version, error, locked, onChange }: Props) {
  const templates = useTemplates();
  const versions = useTemplateVersions(templateId);
  const templateOptions = (templates.data ?? []).map((t) => ({ value: t.template_id, label: `${t.name} (${t.category})` }));
  const versionOptions = [{ value: "latest", label: "Latest" },
    ...[...(versions.data ?? [])].reverse().map((v) => ({ value: String(v.version), label: `Version ${String(v.version)}` }))];
  return (
    <Group grow align="flex-start" wrap="wrap">
      <Select label="Template" required data={templateOptions} value={templateId || null} error={error}
        disabled={locked} placeholder={templates.isPending ? "Loading templates…" : "Choose a template"}
        searchable onChange={(value) => { onChange(value ?? "", null); }} style={{ minWidth: 200 }} />
      <Select label="Version" data={versionOptions} value={version === null ? "latest" : String(version)}
        disabled={locked || templateId === ""} allowDeselect={false} style={{ minWidth: 140 }}
        onChange={(value) => { onChange(templateId, value === null || value === "latest" ? null : Number(value)); }} />
    </Group>
  );
}
