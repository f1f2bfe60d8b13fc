import { Text } from "@mantine/core";
import { plainProblem } from "../../api/problemText";
import { formatInstant } from "../../contracts/lifecycle";

/** What a failed refresh means for data still on screen: its time, and that it is not live. */
export function staleText(what: string, updatedAt: number, error: unknown): string {
  const at = formatInstant(new Date(updatedAt).toISOString());
  return `The ${what} shown is from ${at}: refreshing it failed (${plainProblem(error).title}). Trying again shortly.`;
}

/** Said politely (a live region), once the last good data is kept after a failed poll. */
export function StaleNotice({ what, updatedAt, error }: { what: string; updatedAt: number; error: unknown }) {
  return <Text size="sm" c="orange.9" role="status" aria-live="polite">{staleText(what, updatedAt, error)}</Text>;
}
