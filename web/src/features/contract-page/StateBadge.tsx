import { Badge, type BadgeProps } from "@mantine/core";
import type { ReactNode } from "react";

/** A tinted badge whose text keeps the theme's text colour: Mantine's light variant writes
 * the label in the tint itself, below WCAG AA contrast for green and yellow. */
export function StateBadge({ children, ...props }: BadgeProps & { children: ReactNode; "data-anchor-state"?: string }) {
  return <Badge variant="light" {...props} style={{ color: "var(--mantine-color-text)" }}>{children}</Badge>;
}
