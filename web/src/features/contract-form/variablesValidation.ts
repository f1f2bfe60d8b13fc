import { ErrorSchemaBuilder, type ErrorSchema, type RJSFSchema } from "@rjsf/utils";
import { schemaValidator } from "../../templates/schemaValidator";
import { ruleProblems, type TemplateRule } from "../../templates/templateRules";

/** The templates' schemas are JSON Schema 2020-12 (see schemaValidator for why not Ajv). */
export const variablesValidator = schemaValidator;

export interface FieldMessage { pointer: string; message: string }

/** Messages by JSON pointer (relative to the variables) as rjsf shows them beside fields. */
export function errorSchemaOf(messages: readonly FieldMessage[]): ErrorSchema {
  const builder = new ErrorSchemaBuilder();
  for (const { pointer, message } of messages) {
    const path = tokensOf(pointer);
    builder.addErrors(message, path.length ? path : undefined);
  }
  return builder.ErrorSchema;
}

function tokensOf(pointer: string): string[] {
  return pointer.split("/").slice(1).map((token) => token.replaceAll("~1", "/").replaceAll("~0", "~"));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

/** Adds a message to rjsf's error handler at a pointer (or the deepest part of it that the
 * form has: a list's own errors when the item is gone). */
export function addErrorAt(errors: unknown, pointer: string, message: string): void {
  let node = errors;
  for (const token of tokensOf(pointer)) {
    const next = isRecord(node) ? node[token] : undefined;
    if (!isRecord(next)) break;
    node = next;
  }
  if (isRecord(node) && typeof node.addError === "function") (node.addError as (text: string) => void)(message);
}

/** Whether the variables pass the schema and the template's rules (what the API checks). */
export function variablesProblems(schema: RJSFSchema, rules: readonly TemplateRule[], variables: unknown): {
  schemaErrors: number; rules: FieldMessage[];
} {
  const { errors } = variablesValidator.validateFormData(variables, schema);
  return { schemaErrors: errors.length, rules: ruleProblems(rules, variables) };
}
