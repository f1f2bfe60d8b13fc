import type { RJSFSchema } from "@rjsf/utils";
import type { TemplateRule } from "../../templates/templateRules";
import { inWords } from "../../templates/uiSchemaOf";

/** One variable of a template in words: what a reader needs to fill it in. */
export interface FieldInWords {
  /** Its JSON pointer in the variables (what rules and server messages name). */
  pointer: string;
  label: string;
  kind: string;
  required: boolean;
  /** Limits in sentences: "at least 1", "one of: GDPR, HIPAA", "matches the pattern ^a". */
  limits: string[];
  description?: string;
  /** The fields of a group, or of each item of a list of groups. */
  fields: FieldInWords[];
}

type Node = RJSFSchema | boolean | undefined;

/** A local reference's target ("#/$defs/id"), merged under the referring schema's own words;
 * anything else stays as it is (the API refuses other references). */
function dereferenced(schema: RJSFSchema, root: RJSFSchema): RJSFSchema {
  const { $ref, ...rest } = schema;
  if (typeof $ref !== "string" || !$ref.startsWith("#")) return schema;
  let target: unknown = root;
  for (const token of $ref.slice(1).split("/").filter(Boolean)) {
    const key = decodeURIComponent(token).replaceAll("~1", "/").replaceAll("~0", "~");
    target = typeof target === "object" && target !== null ? (target as Record<string, unknown>)[key] : undefined;
  }
  return typeof target === "object" && target !== null ? { ...dereferenced(target, root), ...rest } : rest;
}

const FORMATS: Record<string, string> = {
  date: "date", "date-time": "date and time", time: "time", email: "email address", uri: "web address",
  uuid: "UUID", ipv4: "IPv4 address", ipv6: "IPv6 address", hostname: "host name",
};

function typeWords(schema: RJSFSchema, root: RJSFSchema): string {
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  const words = types.filter((type) => type !== "null").map((type) => {
    switch (type) {
      case "string": return typeof schema.format === "string" ? FORMATS[schema.format] ?? `text (${schema.format})` : "text";
      case "integer": return "whole number";
      case "number": return "number";
      case "boolean": return "yes or no";
      case "object": return "group of fields";
      case "array": {
        const items = typeof schema.items === "object" ? dereferenced(schema.items, root) : undefined;
        return `list of ${items ? plural(typeWords(items, root)) : "values"}`;
      }
      default: return type;
    }
  });
  const kind = words.join(" or ") || (schema.enum ? "one of the listed values" : "any value");
  return types.includes("null") ? `${kind} (may be empty)` : kind;
}

function plural(words: string): string {
  if (words.startsWith("list of") || words.startsWith("group")) return words.replace(/^(list|group)/, "$1s");
  if (words === "yes or no") return "yes-or-no values";
  return words.endsWith("s") ? words : `${words}s`;
}

const shown = (value: unknown): string => (typeof value === "string" ? value : JSON.stringify(value));

function limitsOf(schema: RJSFSchema): string[] {
  const limits: string[] = [];
  const pairs: [unknown, string][] = [
    [schema.minimum, "at least"], [schema.exclusiveMinimum, "more than"],
    [schema.maximum, "at most"], [schema.exclusiveMaximum, "less than"],
    [schema.multipleOf, "a multiple of"],
  ];
  for (const [value, words] of pairs) if (typeof value === "number") limits.push(`${words} ${String(value)}`);
  const between = (min: unknown, max: unknown, unit: string) => {
    const units = (n: number) => `${unit}${n === 1 ? "" : "s"}`;
    if (typeof min === "number" && typeof max === "number") limits.push(`${String(min)} to ${String(max)} ${units(max)}`);
    else if (typeof min === "number") limits.push(`at least ${String(min)} ${units(min)}`);
    else if (typeof max === "number") limits.push(`at most ${String(max)} ${units(max)}`);
  };
  between(schema.minLength, schema.maxLength, "character");
  between(schema.minItems, schema.maxItems, "item");
  if (schema.uniqueItems === true) limits.push("no item twice");
  if (typeof schema.pattern === "string") limits.push(`matches the pattern ${schema.pattern}`);
  if (Array.isArray(schema.enum)) limits.push(`one of: ${schema.enum.map(shown).join(", ")}`);
  if (schema.const !== undefined) limits.push(`exactly ${shown(schema.const)}`);
  if (schema.default !== undefined) limits.push(`${shown(schema.default)} if left out`);
  return limits;
}

function fieldOf(name: string, node: Node, pointer: string, required: boolean, root: RJSFSchema): FieldInWords {
  if (typeof node !== "object") {
    return { pointer, label: inWords(name), kind: node === false ? "not allowed" : "any value", required, limits: [], fields: [] };
  }
  const schema = dereferenced(node, root);
  const items = typeof schema.items === "object" ? dereferenced(schema.items, root) : undefined;
  const inner = schema.properties ? schema : items?.properties ? items : undefined;
  // Limits on a list of plain values concern its items too: "one of: EU, US" for each item.
  const itemLimits = items && !items.properties ? limitsOf(items).map((limit) => `each item: ${limit}`) : [];
  return {
    pointer, label: schema.title ?? inWords(name), kind: typeWords(schema, root), required,
    limits: [...limitsOf(schema), ...itemLimits],
    ...(schema.description ? { description: schema.description } : {}),
    fields: inner ? fieldsOf(inner, root, inner === items ? `${pointer}/‹item›` : pointer) : [],
  };
}

/** A schema's fields in words, required ones first (in the author's order), then the rest. */
export function fieldsOf(schema: RJSFSchema, root: RJSFSchema = schema, prefix = ""): FieldInWords[] {
  const object = dereferenced(schema, root);
  const properties = object.properties ?? {};
  const required = (object.required ?? []).filter((name) => name in properties);
  const names = [...required, ...Object.keys(properties).filter((name) => !required.includes(name))];
  return names.map((name) => fieldOf(name, properties[name], `${prefix}/${name}`, required.includes(name), root));
}

/** "/payment/total" → "Payment › Total": a pointer as the labels a reader sees. */
export function pointerInWords(pointer: string): string {
  return pointer.split("/").filter(Boolean).map((token) => inWords(token.replaceAll("~1", "/").replaceAll("~0", "~"))).join(" › ") || "the variables";
}

/** A cross-field rule as a sentence (its own message, if any, is shown beside it). */
export function ruleInWords(rule: TemplateRule): string {
  const p = pointerInWords;
  switch (rule.rule) {
    case "before": return `${p(rule.first)} comes before ${p(rule.then)}.`;
    case "below_reciprocal": return rule.of !== undefined
      ? `${p(rule.path)} is below 1 divided by ${p(rule.of)}.`
      : `${p(rule.path)} is below 1 divided by the total ${inWords(rule.of_sum?.[1] ?? "").toLowerCase()} of ${p(rule.of_sum?.[0] ?? "")}.`;
    case "sum_equals": return `The ${inWords(rule.field).toLowerCase()} of every item of ${p(rule.items)} adds up to ${p(rule.total)}.`;
    case "each_within": return `The ${inWords(rule.field).toLowerCase()} of every item of ${p(rule.items)} lies between ${p(rule.from)} and ${p(rule.until)}.`;
    case "unique": return `No two items of ${p(rule.items)} have the same ${inWords(rule.field).toLowerCase()}.`;
  }
}
