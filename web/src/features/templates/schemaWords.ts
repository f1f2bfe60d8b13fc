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

/** The "$ref" targets already followed on the way down to a schema: a template's schema may be
 * recursive (a clause holding clauses, "$ref": "#"), which the API accepts, so every walk
 * stops where a reference comes back instead of following it forever. */
type Seen = ReadonlySet<string>;

// Only so many references deep, even without a repeat (a long chain of distinct definitions),
// and only so many fields in all: definitions that each use the next twice would otherwise
// multiply into millions of fields without any reference repeating.
const MAX_REFERENCE_DEPTH = 32;
const MAX_FIELDS = 500;
interface Budget { left: number }

interface Dereferenced { schema: RJSFSchema; seen: Seen; repeats: boolean }

/** A local reference's target ("#/$defs/id"), merged under the referring schema's own words;
 * anything else stays as it is (the API refuses other references). A reference already on the
 * way down (or too deep) is not followed: `repeats` says so. */
function dereferenced(schema: RJSFSchema, root: RJSFSchema, seen: Seen = new Set()): Dereferenced {
  const { $ref, ...rest } = schema;
  if (typeof $ref !== "string" || !$ref.startsWith("#")) return { schema, seen, repeats: false };
  if (seen.has($ref) || seen.size >= MAX_REFERENCE_DEPTH) return { schema: rest, seen, repeats: true };
  let target: unknown = root;
  for (const token of $ref.slice(1).split("/").filter(Boolean)) {
    const key = decodeURIComponent(token).replaceAll("~1", "/").replaceAll("~0", "~");
    target = typeof target === "object" && target !== null && Object.hasOwn(target, key)
      ? (target as Record<string, unknown>)[key] : undefined;
  }
  if (typeof target !== "object" || target === null) return { schema: rest, seen, repeats: false };
  const inner = dereferenced(target, root, new Set([...seen, $ref]));
  return { ...inner, schema: { ...inner.schema, ...rest } };
}

const FORMATS: Record<string, string> = {
  date: "date", "date-time": "date and time", time: "time", email: "email address", uri: "web address",
  uuid: "UUID", ipv4: "IPv4 address", ipv6: "IPv6 address", hostname: "host name",
};

function typeWords(schema: RJSFSchema, root: RJSFSchema, seen: Seen): string {
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  const words = types.filter((type) => type !== "null").map((type) => {
    switch (type) {
      case "string": return typeof schema.format === "string" ? FORMATS[schema.format] ?? `text (${schema.format})` : "text";
      case "integer": return "whole number";
      case "number": return "number";
      case "boolean": return "yes or no";
      case "object": return "group of fields";
      case "array": {
        const items = typeof schema.items === "object" ? dereferenced(schema.items, root, seen) : undefined;
        if (items?.repeats) return "list of groups like this one (repeating)";
        return `list of ${items ? plural(typeWords(items.schema, root, items.seen)) : "values"}`;
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

function fieldOf(name: string, node: Node, pointer: string, required: boolean, root: RJSFSchema, seen: Seen,
  budget: Budget): FieldInWords {
  if (typeof node !== "object") {
    return { pointer, label: inWords(name), kind: node === false ? "not allowed" : "any value", required, limits: [], fields: [] };
  }
  const own = dereferenced(node, root, seen);
  const schema = own.schema;
  if (own.repeats) {
    // A group that holds itself again further down: told once, not followed.
    return { pointer, label: schema.title ?? inWords(name), kind: "group like one above it (repeats)", required,
      limits: limitsOf(schema), ...(schema.description ? { description: schema.description } : {}), fields: [] };
  }
  const items = typeof schema.items === "object" ? dereferenced(schema.items, root, own.seen) : undefined;
  const itemSchema = items && !items.repeats ? items.schema : undefined;
  const inner = schema.properties ? own : itemSchema?.properties && items ? items : undefined;
  // Limits on a list of plain values concern its items too: "one of: EU, US" for each item.
  const itemLimits = itemSchema && !itemSchema.properties ? limitsOf(itemSchema).map((limit) => `each item: ${limit}`) : [];
  return {
    pointer, label: schema.title ?? inWords(name), kind: typeWords(schema, root, own.seen), required,
    limits: [...limitsOf(schema), ...itemLimits],
    ...(schema.description ? { description: schema.description } : {}),
    fields: inner ? fieldsIn(inner.schema, root, inner === items ? `${pointer}/‹item›` : pointer, inner.seen, budget) : [],
  };
}

/** A schema's fields in words, required ones first (in the author's order), then the rest. */
export function fieldsOf(schema: RJSFSchema, root: RJSFSchema = schema, prefix = ""): FieldInWords[] {
  return fieldsIn(schema, root, prefix, new Set(), { left: MAX_FIELDS });
}

function fieldsIn(schema: RJSFSchema, root: RJSFSchema, prefix: string, seen: Seen, budget: Budget): FieldInWords[] {
  const own = dereferenced(schema, root, seen);
  if (own.repeats) return [];
  const properties = own.schema.properties ?? {};
  const required = (own.schema.required ?? []).filter((name) => Object.hasOwn(properties, name));
  const names = [...required, ...Object.keys(properties).filter((name) => !required.includes(name))];
  const fields: FieldInWords[] = [];
  for (const name of names) {
    if (budget.left <= 0) {
      fields.push({ pointer: `${prefix}/…`, label: "More fields", kind: "not listed: the schema has too many to show here",
        required: false, limits: [], fields: [] });
      break;
    }
    budget.left -= 1;
    fields.push(fieldOf(name, properties[name], `${prefix}/${name}`, required.includes(name), root, own.seen, budget));
  }
  return fields;
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
