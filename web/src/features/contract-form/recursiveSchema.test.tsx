import type { RJSFSchema } from "@rjsf/utils";
import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { Providers } from "../../test/providers";
import { uiSchemaOf } from "../../templates/uiSchemaOf";
import { VariablesForm } from "./VariablesForm";
import { variablesProblems } from "./variablesValidation";

// Schemas the API accepts (a cycle that goes down a property, not one that stays on a value):
// the New contract form must show and check them, not hang or overflow the stack.
const TO_ROOT: RJSFSchema = { type: "object", required: ["name"], properties: { name: { type: "string" }, child: { $ref: "#" } } };
const THROUGH_DEFS: RJSFSchema = {
  type: "object", $defs: { clause: { type: "object", required: ["text"], properties: { text: { type: "string" },
    subclauses: { type: "array", items: { $ref: "#/$defs/clause" } } } } },
  properties: { clauses: { type: "array", items: { $ref: "#/$defs/clause" } } },
};

describe("a recursive template schema in the New contract form", () => {
  it("gets labels without following references", () => {
    expect(uiSchemaOf(TO_ROOT)).toMatchObject({ "ui:order": ["name", "*"], child: { "ui:title": "Child" } });
    expect(uiSchemaOf(THROUGH_DEFS)).toMatchObject({ clauses: { "ui:title": "Clauses" } });
  });

  it("is checked at every depth", () => {
    expect(variablesProblems(TO_ROOT, [], { name: "a", child: { name: "b", child: { name: "c" } } }).schemaErrors).toBe(0);
    expect(variablesProblems(TO_ROOT, [], { name: "a", child: { child: { name: 1 } } }).schemaErrors).toBe(2);
    expect(variablesProblems(THROUGH_DEFS, [], { clauses: [{ text: "a", subclauses: [{ subclauses: [] }] }] }).schemaErrors).toBe(1);
  });

  it.each([["a reference to the root", TO_ROOT, { name: "a", child: { name: "b" } }],
    ["a cycle through $defs and items", THROUGH_DEFS, { clauses: [{ text: "a", subclauses: [{ text: "b" }] }] }]])(
    "renders %s with its nested values", async (_, schema, variables) => {
      render(<Providers><VariablesForm schema={schema} rules={[]} variables={variables}
        serverErrors={[]} onChange={() => undefined} /></Providers>);
      const boxes = await screen.findAllByRole("textbox");
      expect(boxes.map((box) => (box as HTMLInputElement).value)).toEqual(expect.arrayContaining(["a", "b"]));
    });
});
