import { Anchor, Badge, Button, Grid, Group, Loader, Stack, Tabs, Text, Title } from "@mantine/core";
import { Link, useParams, useSearchParams } from "react-router";
import { useHasRole } from "../../auth/me";
import { ProblemAlert } from "../../app/ProblemAlert";
import { useTemplateVersion } from "../../templates/templateQueries";
import { ExamplePreview } from "./ExamplePreview";
import { VersionCompare } from "./VersionCompare";
import { VersionDetails } from "./VersionDetails";
import { VersionsList } from "./VersionsList";

/** One template: its versions, the chosen version's variables and rules in words, a
 * comparison between two versions and a preview of its document. ?version=N picks one. */
export function TemplateScreen() {
  const templateId = useParams().id ?? "";
  const [params] = useSearchParams();
  const asked = Number(params.get("version"));
  const version = Number.isInteger(asked) && asked >= 1 ? asked : null;
  const shown = useTemplateVersion(templateId, version);
  const admin = useHasRole("admin");
  const data = shown.data;
  return (
    <Stack gap="md">
      <Anchor component={Link} to="/templates" size="sm">← All templates</Anchor>
      <Group justify="space-between" wrap="wrap">
        <Title order={1}>{data ? data.name : templateId}</Title>
        {admin && <Button component={Link} to={`/templates/${templateId}/publish`}>Publish a new version</Button>}
      </Group>
      {shown.isPending && <Loader aria-label="Loading the template" />}
      <ProblemAlert error={shown.error} />
      {data && (
        <Grid gap="lg">
          <Grid.Col span={{ base: 12, md: 3 }}>
            <VersionsList templateId={templateId} current={data.version} />
          </Grid.Col>
          <Grid.Col span={{ base: 12, md: 9 }}>
            <Group gap="xs" mb="sm" wrap="wrap">
              <Badge variant="light">Version {data.version}</Badge>
              <Badge variant="outline">{data.category}</Badge>
              <Text size="sm" c="dimmed" style={{ overflowWrap: "anywhere" }}>Content hash {data.content_hash}</Text>
            </Group>
            <Text mb="md">{data.description}</Text>
            <Tabs defaultValue="schema" keepMounted={false}>
              <Tabs.List>
                <Tabs.Tab value="schema">Variables and rules</Tabs.Tab>
                <Tabs.Tab value="compare">Compare versions</Tabs.Tab>
                <Tabs.Tab value="preview">Preview</Tabs.Tab>
              </Tabs.List>
              <Tabs.Panel value="schema" pt="md"><VersionDetails version={data} /></Tabs.Panel>
              <Tabs.Panel value="compare" pt="md"><VersionCompare key={data.version} templateId={templateId} version={data} /></Tabs.Panel>
              <Tabs.Panel value="preview" pt="md"><ExamplePreview version={data} /></Tabs.Panel>
            </Tabs>
          </Grid.Col>
        </Grid>
      )}
    </Stack>
  );
}
