import { Anchor, Badge, Button, Card, Group, Loader, Select, SimpleGrid, Stack, Text, TextInput, Title } from "@mantine/core";
import { useState } from "react";
import { Link } from "react-router";
import { useHasRole } from "../../auth/me";
import { ProblemAlert } from "../../app/ProblemAlert";
import { formatInstant } from "../../contracts/lifecycle";
import { useTemplates } from "../../contracts/queries";
import { categoriesOf, filterCatalogue } from "./catalogueFilter";

/** The template catalogue: each template's latest version, searchable by text and category. */
export function TemplatesScreen() {
  const templates = useTemplates();
  const admin = useHasRole("admin");
  const [search, setSearch] = useState("");
  const [category, setCategory] = useState<string | null>(null);
  const items = templates.data ?? [];
  const shown = filterCatalogue(items, search, category);
  return (
    <Stack gap="md">
      <Group justify="space-between" wrap="wrap">
        <Title order={1}>Templates</Title>
        {admin && <Button component={Link} to="/templates/new">New template</Button>}
      </Group>
      <Text c="dimmed">Each template defines the variables a contract asks for, the rules between them and its document.
        Open one to read its versions, compare them and preview its document.</Text>
      <Group grow align="flex-end" wrap="wrap">
        <TextInput label="Search" placeholder="Name, id or description" value={search} style={{ minWidth: 200 }}
          onChange={(event) => { setSearch(event.currentTarget.value); }} />
        <Select label="Category" placeholder="Any category" clearable data={categoriesOf(items)} value={category}
          onChange={setCategory} style={{ minWidth: 160 }} />
      </Group>
      {templates.isPending && <Loader aria-label="Loading templates" />}
      <ProblemAlert error={templates.error} />
      <Text size="sm" role="status" aria-live="polite">
        {templates.data ? `${String(shown.length)} of ${String(items.length)} templates` : ""}
      </Text>
      <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
        {shown.map((item) => (
          <Card key={item.template_id} withBorder component="article" aria-labelledby={`template-${item.template_id}`}>
            <Group justify="space-between" wrap="nowrap" align="flex-start">
              <Title order={2} size="h4" id={`template-${item.template_id}`}>
                <Anchor component={Link} to={`/templates/${item.template_id}`}>{item.name}</Anchor>
              </Title>
              <Badge variant="light">Version {item.version}</Badge>
            </Group>
            <Text size="sm" c="dimmed">{item.category} · {item.template_id}</Text>
            <Text size="sm" mt="xs" lineClamp={3}>{item.description}</Text>
            <Text size="xs" c="dimmed" mt="xs">Last published {formatInstant(item.created_at)}</Text>
          </Card>
        ))}
      </SimpleGrid>
    </Stack>
  );
}
