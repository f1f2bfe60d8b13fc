import { Anchor, Loader, Stack, Text, Title } from "@mantine/core";
import { Link } from "react-router";
import { ProblemAlert } from "../../app/ProblemAlert";
import { formatInstant } from "../../contracts/lifecycle";
import { useTemplateVersions } from "../../templates/templateQueries";

/** Every version of the template, newest first; the one shown is marked as current. */
export function VersionsList({ templateId, current }: { templateId: string; current: number }) {
  const versions = useTemplateVersions(templateId);
  return (
    <nav aria-labelledby="versions-heading">
      <Title order={2} size="h4" id="versions-heading" mb="xs">Versions</Title>
      {versions.isPending && <Loader size="sm" aria-label="Loading versions" />}
      <ProblemAlert error={versions.error} />
      <Stack gap={6} component="ol" style={{ listStyle: "none", padding: 0, margin: 0 }}>
        {[...(versions.data ?? [])].reverse().map((item) => (
          <li key={item.version}>
            <Anchor component={Link} to={`?version=${String(item.version)}`}
              aria-current={item.version === current ? "page" : undefined}
              fw={item.version === current ? 700 : undefined}>
              Version {item.version}{item.version === current ? " (shown)" : ""}
            </Anchor>
            <Text size="xs" c="dimmed">{formatInstant(item.created_at)}</Text>
            <Text size="xs" c="dimmed" style={{ overflowWrap: "anywhere" }}>
              by {item.created_by === "system:builtin" ? "the system (built in)" : item.created_by}
            </Text>
          </li>
        ))}
      </Stack>
    </nav>
  );
}
