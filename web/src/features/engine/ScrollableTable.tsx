import type { ReactNode } from "react";

/** A wide table that scrolls sideways on a narrow screen; the scrolling region is focusable
 * and named, so keyboard users can scroll it too (axe: scrollable-region-focusable). */
export function ScrollableTable({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div role="region" aria-label={label} tabIndex={0} style={{ overflowX: "auto", maxWidth: "100%" }}>
      {children}
    </div>
  );
}
