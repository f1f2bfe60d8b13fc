import { Paper } from "@mantine/core";

/** A document the server rendered, shown in an iframe sandboxed without scripts (and without
 * its origin): the server's HTML is never part of this page. */
export function RenderedDocument({ html, title, height = 520 }: { html: string; title: string; height?: number }) {
  return (
    <Paper withBorder p={0} style={{ overflow: "hidden" }}>
      <iframe title={title} sandbox="" srcDoc={html}
        style={{ width: "100%", height, border: 0, background: "white", display: "block" }} />
    </Paper>
  );
}
