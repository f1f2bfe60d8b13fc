import type { RJSFSchema } from "@rjsf/utils";
import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { sessionStore } from "../../auth/sessionStore";
import { answering, Providers } from "../../test/providers";
import { Component as NewContractScreen } from "./route";
import { VariablesForm } from "./VariablesForm";
import type { TemplateRule } from "../../templates/templateRules";
import { variablesProblems } from "./variablesValidation";
import dataSharing from "../../../../layers/cms/python/cms/domain/templates/builtin/data_sharing.json";

const ME = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK";

// A 2020-12 schema as templates carry them; prefixItems exists only in 2020-12.
const SCHEMA: RJSFSchema = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  type: "object",
  required: ["start_date", "end_date", "purpose"],
  properties: {
    start_date: { type: "string", format: "date" },
    end_date: { type: "string", format: "date" },
    purpose: { type: "string", minLength: 10 },
    // JSONSchema7's type does not know 2020-12's keywords.
    pair: { type: "array", ...{ prefixItems: [{ type: "string" }, { type: "integer" }] } },
  },
};
const RULES: TemplateRule[] = [{ rule: "before", first: "/start_date", then: "/end_date", message: "must be after the start date" }];

beforeEach(() => {
  localStorage.clear();
  sessionStore.set({ did: ME, token: "t", expiresAt: new Date(Date.now() + 3_600_000).toISOString(), keyKind: "ed25519" });
  vi.stubGlobal("fetch", answering({ "/api/v1/templates": { items: [] } }));
});
afterEach(() => { vi.unstubAllGlobals(); sessionStore.clear(); });

describe("the variables form", () => {
  it("validates with JSON Schema 2020-12 (prefixItems), formats and the template's rules", () => {
    const valid = { start_date: "2027-01-01", end_date: "2027-02-01", purpose: "Train a classifier", pair: ["a", 1] };
    expect(variablesProblems(SCHEMA, RULES, valid)).toEqual({ schemaErrors: 0, rules: [] });
    expect(variablesProblems(SCHEMA, RULES, { ...valid, pair: ["a", "b"] }).schemaErrors).toBe(1);
    expect(variablesProblems(SCHEMA, RULES, { ...valid, start_date: "2027-02-30" }).schemaErrors).toBe(1);
    expect(variablesProblems(SCHEMA, RULES, { end_date: "2027-02-01" }).schemaErrors).toBe(2); // required
    expect(variablesProblems(SCHEMA, RULES, { ...valid, end_date: "2026-12-31" }).rules).toEqual([
      { pointer: "/end_date", message: "must be after the start date" }]);
  });

  it("shows a rule's message beside its field as the user types, and the schema's too", async () => {
    let variables: Record<string, unknown> = { start_date: "2027-01-01", end_date: "2027-02-01", purpose: "Train a classifier" };
    const { rerender } = render(<Providers><VariablesForm schema={SCHEMA} rules={RULES} variables={variables}
      serverErrors={[]} onChange={(next) => { variables = next; }} /></Providers>);
    expect(screen.queryByText("must be after the start date")).toBeNull();
    variables = { ...variables, end_date: "2026-12-01", purpose: "short" };
    rerender(<Providers><VariablesForm schema={SCHEMA} rules={RULES} variables={variables}
      serverErrors={[]} onChange={() => undefined} /></Providers>);
    expect((await screen.findAllByText("must be after the start date")).length).toBeGreaterThan(0);
    expect(screen.getAllByText(/String is too short/).length).toBeGreaterThan(0);
    // Then the API answers about a field: its message appears beside it too.
    rerender(<Providers><VariablesForm schema={SCHEMA} rules={RULES} variables={variables}
      serverErrors={[{ pointer: "/start_date", message: "the server's word" }]} onChange={() => undefined} /></Providers>);
    expect((await screen.findAllByText("the server's word")).length).toBeGreaterThan(0);
  });
});

describe("a built-in template's optional parts", () => {
  it("stay absent until the user adds them: no empty instalments, no empty service levels", async () => {
    const { variables_schema: schema, rules, example } = dataSharing as unknown as
      { variables_schema: RJSFSchema; rules: TemplateRule[]; example: Record<string, unknown> };
    const changes: Record<string, unknown>[] = [];
    render(<Providers><VariablesForm schema={schema} rules={rules} variables={example}
      serverErrors={[]} onChange={(next) => { changes.push(next); }} /></Providers>);
    await screen.findAllByRole("textbox");
    for (const change of changes) expect(change).toEqual(example);
    expect(screen.queryByText("The template's rules do not hold yet")).toBeNull();
  });
});

describe("a half-filled new contract", () => {
  it("survives a remount (a reload, a closed tab) and is offered back", async () => {
    const user = userEvent.setup();
    const first = render(<Providers path="/contracts/new"><NewContractScreen /></Providers>);
    await user.click(screen.getByText("Free-form terms"));
    await user.type(screen.getByLabelText(/^Title/), "Licence A");
    await user.type(screen.getByLabelText(/^Counterparty DID/), "did:nope");
    expect(screen.getByText(/Not a DID this platform accepts/)).toBeInTheDocument();
    first.unmount();

    render(<Providers path="/contracts/new"><NewContractScreen /></Providers>);
    expect(screen.getByLabelText(/^Title/)).toHaveValue("Licence A");
    expect(screen.getByLabelText(/^Counterparty DID/)).toHaveValue("did:nope");
    expect(screen.getByText("Your unsaved work is back")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Start over" }));
    await waitFor(() => { expect(screen.queryByLabelText(/^Valid from/)).toBeNull(); });
    expect(localStorage.length).toBe(0);
  });

  it("refuses my own DID as the counterparty before asking the API", async () => {
    const user = userEvent.setup();
    render(<Providers path="/contracts/new"><NewContractScreen /></Providers>);
    await user.type(screen.getByLabelText(/^Counterparty DID/), ME);
    expect(screen.getByText(/That is your own DID/)).toBeInTheDocument();
  });
});
