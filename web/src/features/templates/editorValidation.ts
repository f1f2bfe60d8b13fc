import type { Schemas } from "@cms/sdk";
import type { RJSFSchema } from "@rjsf/utils";
import { schemaDefinitionProblems } from "../../templates/metaSchema";
import { parseRules, type DefinitionProblem } from "../../templates/ruleDefinition";
import { schemaValidator } from "../../templates/schemaValidator";
import { ruleProblems } from "../../templates/templateRules";
import type { TemplateVersion } from "../../templates/templateQueries";

/** What the editor holds: the texts as typed (JSON parts stay text until they parse). */
export interface EditorFields {
  id: string;
  name: string;
  category: string;
  description: string;
  body: string;
  variablesSchema: string;
  rules: string;
  terms: string;
  validityFrom: string;
  validityUntil: string;
  example: string;
}

export type EditorField = keyof EditorFields;

/** Where each field's problems come back from the API (the request's JSON pointers). */
export const FIELD_POINTERS: Record<EditorField, string> = {
  id: "/id", name: "/name", category: "/category", description: "/description", body: "/body",
  variablesSchema: "/variables_schema", rules: "/rules", terms: "/terms",
  validityFrom: "/validity/from", validityUntil: "/validity/until", example: "/example",
};

const TEMPLATE_ID = /^[a-z][a-z0-9_]{2,63}$/;
const MAX_NAME = 200;
const MAX_SHOWN = 4; // problems listed under one field; the rest counted

const pretty = (value: unknown) => JSON.stringify(value, null, 2);

/** A version's content as editor fields (to publish its next version from it). */
export function fieldsFrom(version: TemplateVersion | undefined, id = ""): EditorFields {
  return {
    id, name: version?.name ?? "", category: version?.category ?? "", description: version?.description ?? "",
    body: version?.body ?? "", variablesSchema: pretty(version?.variables_schema ?? { type: "object", properties: {} }),
    rules: pretty(version?.rules ?? []), terms: pretty(version?.terms ?? {}),
    validityFrom: version?.validity.from ?? "", validityUntil: version?.validity.until ?? "",
    example: pretty(version?.example ?? {}),
  };
}

type Parsed = { ok: true; value: unknown } | { ok: false; message: string };

function parse(text: string): Parsed {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, message: `This is not valid JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Several problems as one message: "at /a: …; at /b: …" (and how many more). */
export function joined(problems: readonly DefinitionProblem[]): string {
  const shown = problems.slice(0, MAX_SHOWN).map(({ pointer, message }) => (pointer ? `at ${pointer}: ${message}` : message));
  const more = problems.length - shown.length;
  return shown.join("; ") + (more > 0 ? `; and ${String(more)} more` : "");
}

export type EditorProblems = Partial<Record<EditorField, string>>;

/** Everything the editor can tell before sending, by field: the API checks the same (and more:
 * the body renders with the example, the patterns are linear-time) and decides. */
export function editorProblems(fields: EditorFields, creating: boolean): EditorProblems {
  const problems: EditorProblems = {};
  if (creating && !TEMPLATE_ID.test(fields.id)) problems.id = "3-64 characters: a-z, 0-9 and _, starting with a letter.";
  for (const key of ["name", "category"] as const) {
    if (fields[key].trim().length === 0 || fields[key].length > MAX_NAME) problems[key] = `1-${String(MAX_NAME)} characters.`;
  }
  if (fields.body.trim() === "") problems.body = "The document body is required.";
  if (fields.validityFrom.trim() === "") problems.validityFrom = "The pointer to the first day is required, e.g. /start_date.";
  if (fields.validityUntil.trim() === "") problems.validityUntil = "The pointer to the last day is required, e.g. /end_date.";

  const schema = parse(fields.variablesSchema);
  const schemaOk = schema.ok && schemaDefinitionProblems(schema.value).length === 0;
  if (!schema.ok) problems.variablesSchema = schema.message;
  else if (!schemaOk) problems.variablesSchema = `Not a valid JSON Schema (2020-12): ${joined(schemaDefinitionProblems(schema.value))}.`;

  const rules = parse(fields.rules);
  const parsedRules = rules.ok ? parseRules(rules.value) : null;
  if (!rules.ok) problems.rules = rules.message;
  else if (parsedRules?.rules === null) problems.rules = `Not valid rules: ${joined(parsedRules.problems)}.`;

  const terms = parse(fields.terms);
  if (!terms.ok) problems.terms = terms.message;
  else if (!isObject(terms.value)) problems.terms = "The terms are a JSON object.";

  const example = parse(fields.example);
  if (!example.ok) problems.example = example.message;
  else if (!isObject(example.value)) problems.example = "The example is a JSON object of variables.";
  else if (schema.ok && schemaOk) {
    // The example must satisfy the schema, then the rules (as the API checks it).
    const { errors } = schemaValidator.validateFormData(example.value, schema.value as RJSFSchema);
    const found: DefinitionProblem[] = errors.map((error) => ({ pointer: (error.property ?? "").replaceAll(".", "/"), message: error.message ?? "invalid" }));
    if (!found.length && parsedRules?.rules) found.push(...ruleProblems(parsedRules.rules, example.value));
    if (found.length) problems.example = `The example does not fit the schema and rules: ${joined(found)}.`;
  }
  return problems;
}

/** The request body for the API (call only when editorProblems found nothing). */
export function definitionOf(fields: EditorFields): Schemas["TemplateDefinition"] {
  return {
    name: fields.name, category: fields.category, description: fields.description, body: fields.body,
    variables_schema: JSON.parse(fields.variablesSchema) as Schemas["TemplateDefinition"]["variables_schema"],
    rules: JSON.parse(fields.rules) as Schemas["TemplateDefinition"]["rules"],
    terms: JSON.parse(fields.terms) as Schemas["TemplateDefinition"]["terms"],
    validity: { from: fields.validityFrom, until: fields.validityUntil },
    example: JSON.parse(fields.example) as Schemas["TemplateDefinition"]["example"],
  };
}

/** The API's field messages placed on the editor's fields: a pointer inside a JSON field
 * ("/variables_schema/properties/x") goes to that field with where inside it; the rest
 * (no field of the editor) is returned apart. */
export function serverProblems(fields: Record<string, string>): { byField: EditorProblems; other: string[] } {
  const byField: EditorProblems = {};
  const other: string[] = [];
  const entries = Object.entries(FIELD_POINTERS) as [EditorField, string][];
  for (const [sent, message] of Object.entries(fields)) {
    // "/validity" itself (its shape) is told at its first field.
    const pointer = sent === "/validity" ? FIELD_POINTERS.validityFrom : sent;
    const match = entries.filter(([, prefix]) => pointer === prefix || pointer.startsWith(`${prefix}/`))
      .sort((a, b) => b[1].length - a[1].length)[0];
    if (!match) { other.push(pointer ? `${pointer}: ${message}` : message); continue; }
    const [field, prefix] = match;
    const inside = pointer.slice(prefix.length);
    const text = inside ? `at ${inside}: ${message}` : message;
    byField[field] = byField[field] ? `${byField[field]}; ${text}` : text;
  }
  return { byField, other };
}
