import { Badge, Group, List, Text } from "@mantine/core";
import type { FieldInWords } from "./schemaWords";

/** Variables in words, nested as the schema nests them. */
export function FieldList({ fields }: { fields: readonly FieldInWords[] }) {
  if (fields.length === 0) return <Text size="sm">No variables.</Text>;
  return (
    <List spacing="xs" withPadding listStyleType="disc">
      {fields.map((field) => (
        <List.Item key={field.pointer}>
          <Group gap="xs" wrap="wrap">
            <Text fw={600} size="sm">{field.label}</Text>
            <Text size="sm" c="dimmed">({field.pointer.split("/").pop()})</Text>
            <Text size="sm">{field.kind}</Text>
            <Badge size="sm" variant={field.required ? "filled" : "outline"}>{field.required ? "required" : "optional"}</Badge>
          </Group>
          {field.description && <Text size="sm">{field.description}</Text>}
          {field.limits.length > 0 && <Text size="sm" c="dimmed">{field.limits.join("; ")}</Text>}
          {field.fields.length > 0 && <FieldList fields={field.fields} />}
        </List.Item>
      ))}
    </List>
  );
}
