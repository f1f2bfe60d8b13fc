import { Group, Loader, Select, Stack, Text } from "@mantine/core";
import { useState } from "react";
import { ProblemAlert } from "../../app/ProblemAlert";
import { useTemplateVersion, useTemplateVersions, type TemplateVersion } from "../../templates/templateQueries";
import { DiffView } from "./DiffView";

/** Two versions side by side as a diff: from the one before the shown version to it, unless
 * the reader picks others. */
export function VersionCompare({ templateId, version }: { templateId: string; version: TemplateVersion }) {
  const versions = useTemplateVersions(templateId);
  const [from, setFrom] = useState(Math.max(1, version.version - 1));
  const [to, setTo] = useState(version.version);
  const older = useTemplateVersion(templateId, from);
  const newer = useTemplateVersion(templateId, to);
  const options = [...(versions.data ?? [])].reverse().map((item) => ({ value: String(item.version), label: `Version ${String(item.version)}` }));
  return (
    <Stack gap="sm">
      <Group grow align="flex-end" wrap="wrap">
        <Select label="From version" data={options} value={String(from)} allowDeselect={false} style={{ minWidth: 140 }}
          onChange={(value) => { if (value) setFrom(Number(value)); }} />
        <Select label="To version" data={options} value={String(to)} allowDeselect={false} style={{ minWidth: 140 }}
          onChange={(value) => { if (value) setTo(Number(value)); }} />
      </Group>
      {options.length === 1 && <Text size="sm">This template has one version so far: there is nothing to compare it with.</Text>}
      {(older.isPending || newer.isPending) && <Loader size="sm" aria-label="Loading the versions to compare" />}
      <ProblemAlert error={older.error ?? newer.error} />
      {older.data && newer.data && <DiffView from={older.data} to={newer.data} />}
    </Stack>
  );
}
