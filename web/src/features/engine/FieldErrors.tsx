import { List, Text } from "@mantine/core";

/** Messages about parts of a document (a manifest, a circuit) listed by their path. */
export function FieldErrors({ label, errors }: { label: string; errors: Record<string, string> | undefined }) {
  const entries = Object.entries(errors ?? {});
  if (entries.length === 0) return null;
  return (
    <div role="alert">
      <Text size="sm" c="red.8" fw={600}>{label}</Text>
      <List size="sm" c="red.8">
        {entries.map(([path, message]) => <List.Item key={path}>{path ? `${path}: ${message}` : message}</List.Item>)}
      </List>
    </div>
  );
}
