import type { RJSFSchema } from "@rjsf/utils";
import { describe, expect, it } from "vitest";
import { schemaValidator } from "./schemaValidator";
import { uiSchemaOf } from "./uiSchemaOf";

const SCHEMA: RJSFSchema = {
  type: "object",
  required: ["start_date", "datasets"],
  $defs: { id: { type: "string", pattern: "^[a-z]+$" } },
  properties: {
    datasets: { type: "array", items: { type: "object", required: ["id"], properties: { id: { $ref: "#/$defs/id" } } } },
    start_date: { type: "string", format: "date" },
  },
};

describe("the rjsf validator without eval", () => {
  it("names each error at its own field, as rjsf's error schema reads it, once", () => {
    const { errors, errorSchema } = schemaValidator.validateFormData(
      { datasets: [{ id: "UPPER" }, {}] }, SCHEMA);
    expect(errors.map((e) => [e.property, e.name])).toEqual(expect.arrayContaining([
      [".start_date", "required"], [".datasets.0.id", "pattern"], [".datasets.1.id", "required"]]));
    expect(errors).toHaveLength(3); // the parents' "a child failed" errors are left out
    expect(errorSchema).toMatchObject({ start_date: { __errors: ["is required"] } });
  });

  it("resolves a sub-schema's references against the root (isValid, for oneOf and if/then)", () => {
    const item = { type: "object", properties: { id: { $ref: "#/$defs/id" } } } as RJSFSchema;
    expect(schemaValidator.isValid(item, { id: "abc" }, SCHEMA)).toBe(true);
    expect(schemaValidator.isValid(item, { id: "ABC" }, SCHEMA)).toBe(false);
  });

  it("runs the form's own checks on top (customValidate)", () => {
    const { errors } = schemaValidator.validateFormData({ start_date: "2027-01-01", datasets: [] }, SCHEMA,
      (data, handler) => { handler.start_date?.addError("too early"); return handler; });
    expect(errors.map((e) => e.message)).toEqual(["too early"]);
  });
});

describe("the variables' labels and order", () => {
  it("follow the schema's required list and put names into words", () => {
    const ui = uiSchemaOf(SCHEMA);
    expect(ui["ui:order"]).toEqual(["start_date", "datasets", "*"]);
    expect(ui.start_date).toMatchObject({ "ui:title": "Start date" });
    expect(ui.datasets).toMatchObject({ "ui:title": "Datasets", items: { id: { "ui:title": "Id" } } });
  });
});
