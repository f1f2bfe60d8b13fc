import { Accordion, Text } from "@mantine/core";
import type { TemplateVersion } from "../../templates/templateQueries";
import classes from "./diff.module.css";
import { changeSummary, versionDiff, type DiffLine } from "./versionDiff";

// Added and removed lines are told three ways, never by colour alone: a sign at the start of
// the line, an <ins>/<del> element, and words for screen readers.
const SIGN = { added: "+", removed: "−", unchanged: " " } as const;
const SPOKEN = { added: "Added: ", removed: "Removed: ", unchanged: "" } as const;

function Line({ line }: { line: DiffLine }) {
  const content = (
    <>
      <span className={classes.sign} aria-hidden="true">{SIGN[line.kind]}</span>
      <span className={classes.visuallyHidden}>{SPOKEN[line.kind]}</span>
      {line.text || " "}
    </>
  );
  if (line.kind === "added") return <ins className={`${classes.line} ${classes.added}`}>{content}</ins>;
  if (line.kind === "removed") return <del className={`${classes.line} ${classes.removed}`}>{content}</del>;
  return <span className={classes.line}>{content}</span>;
}

/** The differences between two versions, one collapsible part per section; the parts that
 * changed start open. */
export function DiffView({ from, to }: { from: TemplateVersion; to: TemplateVersion }) {
  const sections = versionDiff(from, to);
  const changed = sections.filter((s) => s.added + s.removed > 0);
  return (
    <>
      <Text size="sm" role="status" aria-live="polite">
        {changed.length === 0 ? `Versions ${String(from.version)} and ${String(to.version)} have the same content.`
          : `From version ${String(from.version)} to ${String(to.version)}, changed: ${changed.map((s) => s.title).join(", ")}.`}
      </Text>
      <Accordion multiple defaultValue={changed.map((s) => s.key)} key={`${String(from.version)}-${String(to.version)}`}>
        {sections.map((section) => (
          <Accordion.Item key={section.key} value={section.key}>
            <Accordion.Control>{section.title} — {changeSummary(section)}</Accordion.Control>
            <Accordion.Panel>
              <pre className={classes.diff} aria-label={`${section.title}: differences`} tabIndex={0}>
                {section.lines.map((line, index) => <Line key={index} line={line} />)}
              </pre>
            </Accordion.Panel>
          </Accordion.Item>
        ))}
      </Accordion>
    </>
  );
}
