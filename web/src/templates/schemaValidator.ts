import { Validator, type OutputUnit, type Schema } from "@cfworker/json-schema";
import {
  createErrorHandler, getDefaultFormState, toErrorSchema, unwrapErrorHandler, validationDataMerge,
  type CustomValidator, type ErrorTransformer, type RJSFSchema, type RJSFValidationError, type UiSchema,
  type ValidationData, type ValidatorType,
} from "@rjsf/utils";

// Why not @rjsf/validator-ajv8: Ajv compiles each schema into a function with `new Function`,
// which the UI's Content-Security-Policy (script-src 'self', no 'unsafe-eval') refuses, and a
// template's schema arrives at run time, so it cannot be compiled at build time either.
// @cfworker/json-schema interprets schemas (JSON Schema 2020-12, formats included) without
// eval; this adapter gives rjsf the ValidatorType it expects, as validator-ajv8 does for Ajv.

const DRAFT = "2020-12";
// Errors that only repeat, at the parent, that a child failed: the child's own error says it.
const AGGREGATES = new Set(["properties", "items", "prefixItems", "additionalItems", "$ref", "allOf",
  "unevaluatedProperties", "unevaluatedItems", "dependentSchemas", "if", "then", "else", "contains"]);

const validators = new WeakMap<object, Validator>();

function validatorFor(schema: RJSFSchema): Validator {
  let validator = validators.get(schema);
  if (!validator) {
    // The library annotates the schema it is given with resolved references: give it a copy.
    validator = new Validator(structuredClone(schema) as Schema, DRAFT, false);
    validators.set(schema, validator);
  }
  return validator;
}

/** "#/datasets/0/id" → ".datasets.0.id", the property path rjsf's error schema reads. */
function propertyOf(instanceLocation: string, child?: string): string {
  const tokens = instanceLocation.replace(/^#\/?/, "").split("/").filter((token) => token !== "")
    .map((token) => decodeURIComponent(token).replaceAll("~1", "/").replaceAll("~0", "~"));
  if (child !== undefined) tokens.push(child);
  return tokens.map((token) => `.${token}`).join("");
}

const REQUIRED = /required property "([^"]+)"/;

function toRjsfErrors(units: readonly OutputUnit[]): RJSFValidationError[] {
  return units.filter((unit) => !AGGREGATES.has(unit.keyword)).map((unit) => {
    const required = unit.keyword === "required" ? REQUIRED.exec(unit.error)?.[1] : undefined;
    const property = propertyOf(unit.instanceLocation, required);
    const message = required !== undefined ? "is required" : unit.error.replace(/\.$/, "");
    return { name: unit.keyword, property, message, stack: `${property || "."} ${message}`.trim(),
      schemaPath: unit.keywordLocation, params: required !== undefined ? { missingProperty: required } : {} };
  });
}

/** The root's local definitions beside a sub-schema, so its "#/$defs/…" references resolve. */
function withRootDefinitions(schema: RJSFSchema, rootSchema: RJSFSchema): RJSFSchema {
  if (schema === rootSchema) return schema;
  return { ...schema, ...(rootSchema.$defs ? { $defs: rootSchema.$defs } : {}),
    ...(rootSchema.definitions ? { definitions: rootSchema.definitions } : {}) };
}

const rootCopies = new WeakMap<object, WeakMap<object, RJSFSchema>>();

function combined(schema: RJSFSchema, rootSchema: RJSFSchema): RJSFSchema {
  let byRoot = rootCopies.get(schema);
  if (!byRoot) { byRoot = new WeakMap(); rootCopies.set(schema, byRoot); }
  let copy = byRoot.get(rootSchema);
  if (!copy) { copy = withRootDefinitions(schema, rootSchema); byRoot.set(rootSchema, copy); }
  return copy;
}

export const schemaValidator: ValidatorType = {
  validateFormData(formData: unknown, schema: RJSFSchema, customValidate?: CustomValidator,
    transformErrors?: ErrorTransformer, uiSchema?: UiSchema): ValidationData<unknown> {
    let errors = toRjsfErrors(validatorFor(schema).validate(formData).errors);
    if (transformErrors) errors = transformErrors(errors, uiSchema);
    const errorSchema = toErrorSchema(errors);
    if (!customValidate) return { errors, errorSchema };
    // As validator-ajv8 does: custom checks see the data with its defaults filled in.
    const withDefaults: unknown = getDefaultFormState(schemaValidator, schema, formData, schema, true);
    const handler = customValidate(withDefaults, createErrorHandler(withDefaults), uiSchema, errorSchema);
    return validationDataMerge({ errors, errorSchema }, unwrapErrorHandler(handler));
  },
  isValid(schema: RJSFSchema, formData: unknown, rootSchema: RJSFSchema): boolean {
    return validatorFor(combined(schema, rootSchema)).validate(formData).valid;
  },
  // The interface leaves the error type to the implementation: here, the library's output units.
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
  rawValidation<Result = OutputUnit>(schema: RJSFSchema, formData?: unknown): { errors?: Result[]; validationError?: Error } {
    try {
      return { errors: validatorFor(schema).validate(formData).errors as unknown as Result[] };
    } catch (error) {
      return { validationError: error instanceof Error ? error : new Error(String(error)) };
    }
  },
};
