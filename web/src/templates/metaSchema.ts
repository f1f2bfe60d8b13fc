import { Validator, type OutputUnit, type Schema } from "@cfworker/json-schema";
// The draft 2020-12 meta-schema as data (JSON files shipped inside the ajv package; Ajv's
// code itself never runs: it compiles with eval, which the CSP forbids, see schemaValidator).
import root from "ajv/dist/refs/json-schema-2020-12/schema.json";
import applicator from "ajv/dist/refs/json-schema-2020-12/meta/applicator.json";
import content from "ajv/dist/refs/json-schema-2020-12/meta/content.json";
import core from "ajv/dist/refs/json-schema-2020-12/meta/core.json";
import formatAnnotation from "ajv/dist/refs/json-schema-2020-12/meta/format-annotation.json";
import metaData from "ajv/dist/refs/json-schema-2020-12/meta/meta-data.json";
import unevaluated from "ajv/dist/refs/json-schema-2020-12/meta/unevaluated.json";
import validation from "ajv/dist/refs/json-schema-2020-12/meta/validation.json";
import type { DefinitionProblem } from "./ruleDefinition";

const META_ID = "https://json-schema.org/draft/2020-12/schema";

// @cfworker/json-schema does not follow $dynamicRef. In the plain meta-schema (nothing extends
// it) every "$dynamicRef": "#meta" lands on the meta-schema itself, so a static $ref to it
// means the same and the library checks sub-schemas all the way down.
function staticRefs(schema: object): Schema {
  return JSON.parse(JSON.stringify(schema).replaceAll("\"$dynamicRef\":\"#meta\"", `"$ref":"${META_ID}"`)) as Schema;
}

let metaValidator: Validator | undefined;

function meta(): Validator {
  if (!metaValidator) {
    metaValidator = new Validator(staticRefs(root), "2020-12", false);
    for (const part of [applicator, content, core, formatAnnotation, metaData, unevaluated, validation]) {
      metaValidator.addSchema(staticRefs(part));
    }
  }
  return metaValidator;
}

// Errors that only repeat, at a parent, that something inside failed.
const AGGREGATES = new Set(["$ref", "allOf", "anyOf", "properties", "additionalProperties", "items", "$dynamicRef"]);

function pointerOf(unit: OutputUnit): string {
  return unit.instanceLocation.replace(/^#/, "");
}

/** Problems of a variables schema (pointers relative to it): what the API's check of a
 * template version refuses first, a schema that is not a 2020-12 schema of an object. */
export function schemaDefinitionProblems(schema: unknown): DefinitionProblem[] {
  if (typeof schema !== "object" || schema === null || Array.isArray(schema)
    || (schema as Record<string, unknown>).type !== "object") {
    return [{ pointer: "", message: "must be a JSON Schema with \"type\": \"object\"" }];
  }
  const { errors } = meta().validate(schema);
  const seen = new Set<string>();
  return errors.filter((unit) => !AGGREGATES.has(unit.keyword)).map((unit) => ({
    pointer: pointerOf(unit), message: unit.error.replace(/\.$/, ""),
  })).filter(({ pointer, message }) => {
    const key = `${pointer} ${message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
