import { describe, expect, it } from "vitest";
import type { TemplateVersion } from "../../templates/templateQueries";
import { changeSummary, versionDiff } from "./versionDiff";

const V1: TemplateVersion = {
  id: "nda", version: 1, content_hash: "a".repeat(64), created_at: "2026-01-01T00:00:00Z", created_by: "system:builtin",
  name: "NDA", category: "confidentiality", description: "Secrets.",
  variables_schema: { type: "object", properties: { a: { type: "string" } } },
  rules: [], body: "# NDA\n\nLaw of {{ a }}.\n", terms: { a: { $var: "/a" } },
  validity: { from: "/s", until: "/e" }, example: { a: "EU" },
};

describe("the diff between two versions", () => {
  it("finds no change between identical versions", () => {
    const sections = versionDiff(V1, { ...V1, version: 2 });
    expect(sections.map(changeSummary)).toEqual(Array(7).fill("No change"));
  });

  it("shows added and removed lines per section, JSON by its keys", () => {
    const v2: TemplateVersion = { ...V1, version: 2, name: "Mutual NDA",
      variables_schema: { properties: { a: { type: "string" }, b: { type: "integer" } }, type: "object" },
      body: "# NDA\n\nUnder the law of {{ a }}.\n" };
    const [details, schema, rules, body] = versionDiff(V1, v2);
    expect(details?.lines.filter((l) => l.kind !== "unchanged")).toEqual([
      { kind: "removed", text: "Name: NDA" }, { kind: "added", text: "Name: Mutual NDA" }]);
    // Keys in another order are the same JSON: only the new property shows.
    expect(schema?.lines.filter((l) => l.kind !== "unchanged")).toEqual([
      { kind: "added", text: '    "b": {' }, { kind: "added", text: '      "type": "integer"' }, { kind: "added", text: "    }" }]);
    expect(rules && changeSummary(rules)).toBe("No change");
    expect(body && changeSummary(body)).toBe("1 line added, 1 line removed");
    expect(body?.lines.find((l) => l.kind === "added")?.text).toBe("Under the law of {{ a }}.");
  });
});
