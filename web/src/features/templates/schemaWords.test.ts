import type { RJSFSchema } from "@rjsf/utils";
import { describe, expect, it } from "vitest";
import { fieldsOf, pointerInWords, ruleInWords } from "./schemaWords";

const SCHEMA: RJSFSchema = {
  type: "object",
  required: ["start_date", "datasets"],
  $defs: { id: { type: "string", pattern: "^[a-z]+$", description: "A short name" } },
  properties: {
    audit_frequency: { type: "string", enum: ["monthly", "quarterly"], default: "quarterly" },
    datasets: { type: "array", minItems: 1, items: { type: "object", required: ["id"],
      properties: { id: { $ref: "#/$defs/id" }, size: { type: "integer", minimum: 1, exclusiveMaximum: 1000 } } } },
    regions: { type: "array", items: { type: "string", enum: ["EU", "US"] }, uniqueItems: true },
    start_date: { type: "string", format: "date", title: "First day" },
  },
};

describe("a schema in words", () => {
  const fields = fieldsOf(SCHEMA);

  it("lists required fields first, in the author's order, with their kinds", () => {
    expect(fields.map((f) => [f.label, f.kind, f.required])).toEqual([
      ["First day", "date", true],
      ["Datasets", "list of groups of fields", true],
      ["Audit frequency", "text", false],
      ["Regions", "list of texts", false],
    ]);
  });

  it("says limits, enums, defaults and patterns in words, following local references", () => {
    const [, datasets, frequency, regions] = fields;
    expect(frequency?.limits).toEqual(["one of: monthly, quarterly", "quarterly if left out"]);
    expect(datasets?.limits).toEqual(["at least 1 item"]);
    expect(regions?.limits).toEqual(["no item twice", "each item: one of: EU, US"]);
    const [id, size] = datasets?.fields ?? [];
    expect(id).toMatchObject({ label: "Id", kind: "text", required: true, description: "A short name",
      limits: ["matches the pattern ^[a-z]+$"], pointer: "/datasets/‹item›/id" });
    expect(size).toMatchObject({ kind: "whole number", required: false, limits: ["at least 1", "less than 1000"] });
  });

  it("tells rules as sentences naming the fields as people read them", () => {
    expect(ruleInWords({ rule: "before", first: "/start_date", then: "/end_date" }))
      .toBe("Start date comes before End date.");
    expect(ruleInWords({ rule: "sum_equals", items: "/payment/installments", field: "amount", total: "/payment/total" }))
      .toBe("The amount of every item of Payment › Installments adds up to Payment › Total.");
    expect(ruleInWords({ rule: "below_reciprocal", path: "/privacy/delta", of_sum: ["/datasets", "size"] }))
      .toBe("Privacy › Delta is below 1 divided by the total size of Datasets.");
    expect(ruleInWords({ rule: "unique", items: "/datasets", field: "id" })).toBe("No two items of Datasets have the same id.");
    expect(pointerInWords("")).toBe("the variables");
  });
});

describe("a recursive schema in words", () => {
  it("follows a reference back to the root once, then says the group repeats", () => {
    const fields = fieldsOf({ type: "object", properties: { name: { type: "string" }, child: { $ref: "#" } } });
    const child = fields.find((f) => f.label === "Child");
    expect(child?.kind).toBe("group of fields");
    expect(child?.fields.map((f) => [f.pointer, f.kind])).toEqual([
      ["/child/name", "text"], ["/child/child", "group like one above it (repeats)"],
    ]);
    expect(child?.fields[1]?.fields).toEqual([]);
  });

  it("stops a cycle through $defs and a list's items", () => {
    const schema: RJSFSchema = {
      type: "object", $defs: { clause: { type: "object", properties: { text: { type: "string" },
        subclauses: { type: "array", items: { $ref: "#/$defs/clause" } } } } },
      properties: { clauses: { type: "array", items: { $ref: "#/$defs/clause" } } },
    };
    const [clauses] = fieldsOf(schema);
    expect(clauses?.kind).toBe("list of groups of fields");
    const [text, subclauses] = clauses?.fields ?? [];
    expect(text?.pointer).toBe("/clauses/‹item›/text");
    expect(subclauses).toMatchObject({ kind: "list of groups like this one (repeating)", fields: [] });
  });

  it("does not loop on a reference to itself or multiply definitions that use the next twice", () => {
    expect(fieldsOf({ type: "object", properties: { a: { $ref: "#/properties/a" } } })[0]?.fields).toEqual([]);
    const $defs: Record<string, RJSFSchema> = { d30: { type: "string" } };
    for (let n = 29; n >= 0; n -= 1) {
      $defs[`d${String(n)}`] = { type: "object", properties: { l: { $ref: `#/$defs/d${String(n + 1)}` }, r: { $ref: `#/$defs/d${String(n + 1)}` } } };
    }
    const count = (fields: ReturnType<typeof fieldsOf>): number => fields.reduce((sum, f) => sum + 1 + count(f.fields), 0);
    const fields = fieldsOf({ type: "object", $defs, properties: { top: { $ref: "#/$defs/d0" } } });
    expect(count(fields)).toBeLessThan(1200);
  });
});
