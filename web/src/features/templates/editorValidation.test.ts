import { describe, expect, it } from "vitest";
import { schemaDefinitionProblems } from "../../templates/metaSchema";
import { parseRules } from "../../templates/ruleDefinition";
import { definitionOf, editorProblems, serverProblems, type EditorFields } from "./editorValidation";

const GOOD: EditorFields = {
  id: "mutual_nda", name: "Mutual NDA", category: "confidentiality", description: "Secrets.",
  body: "Under the law of {{ jurisdiction }}.",
  variablesSchema: JSON.stringify({ type: "object", required: ["start_date", "end_date", "jurisdiction"], properties: {
    start_date: { type: "string", format: "date" }, end_date: { type: "string", format: "date" },
    jurisdiction: { type: "string", minLength: 2 } } }),
  rules: JSON.stringify([{ rule: "before", first: "/start_date", then: "/end_date", message: "must be after the start" }]),
  terms: JSON.stringify({ jurisdiction: { $var: "/jurisdiction" } }),
  validityFrom: "/start_date", validityUntil: "/end_date",
  example: JSON.stringify({ start_date: "2027-01-01", end_date: "2027-12-31", jurisdiction: "EU" }),
};

describe("the template editor's checks", () => {
  it("finds nothing in a good version and sends it as the API expects", () => {
    expect(editorProblems(GOOD, true)).toEqual({});
    expect(definitionOf(GOOD)).toMatchObject({ validity: { from: "/start_date", until: "/end_date" }, rules: [{ rule: "before" }] });
  });

  it("checks the schema against JSON Schema's meta-schema, deep inside", () => {
    const bad = { ...GOOD, variablesSchema: JSON.stringify({ type: "object", properties: { a: { type: "strnig" } } }) };
    expect(editorProblems(bad, false).variablesSchema).toMatch(/^Not a valid JSON Schema \(2020-12\): at \/properties\/a\/type/);
    expect(schemaDefinitionProblems({ type: "object", properties: { a: { minLength: -1 } } })[0]?.pointer).toBe("/properties/a/minLength");
    expect(schemaDefinitionProblems({ type: "string" })).toEqual([{ pointer: "", message: "must be a JSON Schema with \"type\": \"object\"" }]);
    expect(schemaDefinitionProblems({ type: "object", properties: { a: { type: "string", pattern: "^a" } } })).toEqual([]);
  });

  it("says where the JSON does not parse", () => {
    expect(editorProblems({ ...GOOD, terms: "{ nope" }, false).terms).toMatch(/^This is not valid JSON/);
  });

  it("parses the rules as the server does", () => {
    expect(parseRules([{ rule: "after", first: "/a" }]).problems[0]?.message).toMatch(/one of before, below_reciprocal/);
    expect(parseRules([{ rule: "before", first: "/a", then: 3, colour: "red" }]).problems).toEqual([
      { pointer: "/0/then", message: "must be a JSON pointer string" }, { pointer: "/0/colour", message: "unknown field" }]);
    expect(parseRules([{ rule: "below_reciprocal", path: "/d" }]).problems[0]?.message).toMatch(/exactly one of/);
    expect(parseRules([{ rule: "below_reciprocal", path: "/d", of_sum: ["/x"] }]).problems)
      .toEqual([{ pointer: "/0/of_sum", message: "must be [items pointer, field]" }]);
    expect(editorProblems({ ...GOOD, rules: "{}" }, false).rules).toBe("Not valid rules: must be an array of rules.");
  });

  it("checks the example against the schema, then the rules", () => {
    const missing = { ...GOOD, example: JSON.stringify({ start_date: "2027-01-01", end_date: "2027-12-31" }) };
    expect(editorProblems(missing, false).example).toMatch(/at \/jurisdiction: is required/);
    const backwards = { ...GOOD, example: JSON.stringify({ start_date: "2027-12-31", end_date: "2027-01-01", jurisdiction: "EU" }) };
    expect(editorProblems(backwards, false).example).toMatch(/at \/end_date: must be after the start/);
  });

  it("checks the id only for a new template, and the names' lengths", () => {
    expect(editorProblems({ ...GOOD, id: "A" }, true).id).toMatch(/3-64 characters/);
    expect(editorProblems({ ...GOOD, id: "A" }, false).id).toBeUndefined();
    expect(editorProblems({ ...GOOD, name: " " }, false).name).toBe("1-200 characters.");
  });

  it("places the API's messages on the fields they name", () => {
    const { byField, other } = serverProblems({
      "/variables_schema/properties/x/pattern": "not a linear-time pattern", "/body": "does not render",
      "/validity": "must be {\"from\": pointer, \"until\": pointer}", "/elsewhere": "odd" });
    expect(byField).toEqual({ variablesSchema: "at /properties/x/pattern: not a linear-time pattern", body: "does not render",
      validityFrom: "must be {\"from\": pointer, \"until\": pointer}" });
    expect(other).toEqual(["/elsewhere: odd"]);
  });
});

describe("the editor's checks of a recursive schema", () => {
  it("accept a schema that refers back to itself down a property and check the example at depth", () => {
    const recursive = { type: "object", required: ["start_date", "end_date", "jurisdiction"], properties: {
      start_date: { type: "string", format: "date" }, end_date: { type: "string", format: "date" },
      jurisdiction: { type: "string", minLength: 2 }, annex: { $ref: "#" } } };
    const fields = { ...GOOD, variablesSchema: JSON.stringify(recursive) };
    expect(editorProblems(fields, false)).toEqual({});
    const deep = { start_date: "2027-01-01", end_date: "2027-12-31", jurisdiction: "EU", annex: { jurisdiction: "X" } };
    expect(editorProblems({ ...fields, example: JSON.stringify(deep) }, false).example).toMatch(/annex/);
  });
});
