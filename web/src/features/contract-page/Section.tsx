import { Paper, Stack, Title } from "@mantine/core";
import { useId, type ReactNode } from "react";

/** One titled part of the contract page (a landmark named by its heading). */
export function Section({ title, id, children }: { title: string; id?: string; children: ReactNode }) {
  const headingId = useId();
  return (
    <Paper component="section" id={id} aria-labelledby={headingId} withBorder p="md" radius="md">
      <Stack gap="sm">
        <Title order={2} size="h3" id={headingId}>{title}</Title>
        {children}
      </Stack>
    </Paper>
  );
}
