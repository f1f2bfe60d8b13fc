import { diffJson, diffLines, type ChangeObject } from "diff";
import type { TemplateVersion } from "../../templates/templateQueries";

export type LineKind = "added" | "removed" | "unchanged";

export interface DiffLine { kind: LineKind; text: string }

export interface DiffSection {
  /** A name fit for element ids. */
  key: string;
  title: string;
  lines: DiffLine[];
  added: number;
  removed: number;
}

function linesOf(changes: ChangeObject<string>[]): DiffLine[] {
  return changes.flatMap((change) => {
    const kind: LineKind = change.added ? "added" : change.removed ? "removed" : "unchanged";
    // A change's value ends with its last line's newline: split without an empty last line.
    return change.value.replace(/\n$/, "").split("\n").map((text) => ({ kind, text }));
  });
}

function section(key: string, title: string, changes: ChangeObject<string>[]): DiffSection {
  const lines = linesOf(changes);
  return { key, title, lines, added: lines.filter((l) => l.kind === "added").length,
    removed: lines.filter((l) => l.kind === "removed").length };
}

const details = (v: TemplateVersion) => `Name: ${v.name}\nCategory: ${v.category}\nDescription: ${v.description}\n`;

/** What changed from one version to another, part by part; JSON parts compared with their
 * keys in order (diffJson), so that only what differs shows. */
export function versionDiff(from: TemplateVersion, to: TemplateVersion): DiffSection[] {
  return [
    section("details", "Name, category and description", diffLines(details(from), details(to))),
    section("schema", "Variables schema", diffJson(from.variables_schema, to.variables_schema)),
    section("rules", "Rules", diffJson(from.rules, to.rules)),
    section("body", "Document body", diffLines(ensureNewline(from.body), ensureNewline(to.body))),
    section("terms", "Terms", diffJson(from.terms, to.terms)),
    section("validity", "Validity", diffJson(from.validity, to.validity)),
    section("example", "Example variables", diffJson(from.example, to.example)),
  ];
}

function ensureNewline(text: string): string {
  return text.endsWith("\n") ? text : `${text}\n`;
}

/** A section's change in words: "2 lines added, 1 removed" or "No change". */
export function changeSummary({ added, removed }: DiffSection): string {
  if (added === 0 && removed === 0) return "No change";
  const lines = (n: number) => `${String(n)} line${n === 1 ? "" : "s"}`;
  return [added ? `${lines(added)} added` : "", removed ? `${lines(removed)} removed` : ""].filter(Boolean).join(", ");
}
