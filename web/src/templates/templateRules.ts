/** The template's cross-field rules, checked in the browser as the user types. Each function
 * mirrors one in layers/cms/python/cms/domain/templates/rules.py (the server decides; this
 * only tells the user before they submit). Hand-written: no library knows these rules. */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface RuleProblem { pointer: string; message: string }

/** A rule as the API documents it (TemplateVersion.rules; of_sum is [items pointer, field]). */
export type TemplateRule =
  | { rule: "before"; first: string; then: string; message?: string }
  | { rule: "below_reciprocal"; path: string; of?: string; of_sum?: readonly string[]; message?: string }
  | { rule: "sum_equals"; items: string; field: string; total: string; message?: string }
  | { rule: "each_within"; items: string; field: string; from: string; until: string; message?: string }
  | { rule: "unique"; items: string; field: string; message?: string };

const ABSENT = Symbol("absent");
type Found = unknown;

/** RFC 6901 lookup; ABSENT when any step is missing. */
export function resolve(document: unknown, pointer: string): Found {
  if (pointer === "") return document;
  let current: unknown = document;
  for (const raw of pointer.replace(/^\//, "").split("/")) {
    const token = raw.replaceAll("~1", "/").replaceAll("~0", "~");
    if (Array.isArray(current)) {
      if (!/^\d+$/.test(token) || Number(token) >= current.length) return ABSENT;
      current = current[Number(token)];
    } else if (isObject(current) && Object.hasOwn(current, token)) {
      current = current[token];
    } else {
      return ABSENT;
    }
  }
  return current;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

// --- exact decimals: Python compares Decimal(str(x)), so 0.1 + 0.2 equals 0.3 there too.
interface Decimal { units: bigint; scale: number } // value = units / 10^scale

function decimalOf(value: number): Decimal {
  const [mantissa = "0", exponentText = "0"] = String(value).toLowerCase().split("e");
  const [whole = "0", fraction = ""] = mantissa.split(".");
  const exponent = Number(exponentText);
  const units = BigInt(whole + fraction);
  const scale = fraction.length - exponent;
  return scale >= 0 ? { units, scale } : { units: units * 10n ** BigInt(-scale), scale: 0 };
}

function aligned(a: Decimal, b: Decimal): [bigint, bigint] {
  const scale = Math.max(a.scale, b.scale);
  return [a.units * 10n ** BigInt(scale - a.scale), b.units * 10n ** BigInt(scale - b.scale)];
}

function add(a: Decimal, b: Decimal): Decimal {
  const [x, y] = aligned(a, b);
  return { units: x + y, scale: Math.max(a.scale, b.scale) };
}

function compare(a: Decimal, b: Decimal): number {
  const [x, y] = aligned(a, b);
  return x === y ? 0 : x < y ? -1 : 1;
}

function multiply(a: Decimal, b: Decimal): Decimal {
  return { units: a.units * b.units, scale: a.scale + b.scale };
}

const ZERO: Decimal = { units: 0n, scale: 0 };
const ONE: Decimal = { units: 1n, scale: 0 };

function numberOf(value: unknown): Decimal | null {
  return typeof value === "number" && Number.isFinite(value) ? decimalOf(value) : null;
}

// --- moments: a date, a date-time with a zone, or a number; only moments of one kind compare.
type Moment = { kind: "date"; at: number } | { kind: "datetime"; at: number } | { kind: "number"; at: Decimal };

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
// Python's fromisoformat with a zone required (parse_iso): date, T or space, time, offset.
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}(:\d{2}(:\d{2}(\.\d{1,6})?)?)?(Z|[+-]\d{2}(:?\d{2})?)$/;

function momentOf(value: unknown): Moment | null {
  if (typeof value === "number") return Number.isFinite(value) ? { kind: "number", at: decimalOf(value) } : null;
  if (typeof value !== "string") return null;
  if (value.length === 10) {
    const match = DATE.exec(value);
    if (!match) return null;
    const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
    const at = Date.UTC(year, month - 1, day);
    const check = new Date(at);
    // date.fromisoformat refuses a day that does not exist (2026-02-30).
    return check.getUTCFullYear() === year && check.getUTCMonth() === month - 1 && check.getUTCDate() === day
      && year >= 1 ? { kind: "date", at } : null;
  }
  if (!DATE_TIME.test(value)) return null;
  const at = Date.parse(value.replace(" ", "T"));
  return Number.isNaN(at) ? null : { kind: "datetime", at };
}

function momentCompare(a: Moment, b: Moment): number {
  if (a.kind === "number" && b.kind === "number") return compare(a.at, b.at);
  if (a.kind !== "number" && b.kind !== "number") return a.at === b.at ? 0 : a.at < b.at ? -1 : 1;
  return Number.NaN; // never reached: callers compare moments of one kind
}

function items(variables: unknown, pointer: string): unknown[] {
  const found = resolve(variables, pointer);
  return Array.isArray(found) ? found : [];
}

type Check<R extends TemplateRule> = (rule: R, variables: unknown) => RuleProblem[];

const before: Check<Extract<TemplateRule, { rule: "before" }>> = (rule, variables) => {
  const first = resolve(variables, rule.first);
  const then = resolve(variables, rule.then);
  if (first === ABSENT || then === ABSENT) return [];
  const a = momentOf(first);
  const b = momentOf(then);
  if (a === null || b === null || a.kind !== b.kind || !(momentCompare(a, b) < 0)) {
    return [{ pointer: rule.then, message: rule.message ?? `must be after ${rule.first}` }];
  }
  return [];
};

const belowReciprocal: Check<Extract<TemplateRule, { rule: "below_reciprocal" }>> = (rule, variables) => {
  const value = numberOf(resolve(variables, rule.path));
  let size: Decimal | null;
  if (rule.of !== undefined) {
    size = numberOf(resolve(variables, rule.of));
  } else if (rule.of_sum?.length === 2) {
    const [list, field] = rule.of_sum as [string, string];
    const sizes = items(variables, list).filter(isObject).map((item) => numberOf(item[field]));
    size = sizes.length ? sizes.reduce<Decimal>((sum, s) => (s === null ? sum : add(sum, s)), ZERO) : null;
  } else {
    size = null;
  }
  if (value === null || size === null || compare(size, ZERO) <= 0) return [];
  // value < 1/size, exactly: value * size < 1 (size > 0).
  if (!(compare(multiply(value, size), ONE) < 0)) {
    const shown = size.scale === 0 ? size.units.toString() : String(Number(size.units) / 10 ** size.scale);
    return [{ pointer: rule.path, message: rule.message ?? `must be below 1/${shown} (one over the number of records)` }];
  }
  return [];
};

const sumEquals: Check<Extract<TemplateRule, { rule: "sum_equals" }>> = (rule, variables) => {
  const list = resolve(variables, rule.items);
  const total = numberOf(resolve(variables, rule.total));
  if (!Array.isArray(list) || list.length === 0 || total === null) return [];
  const amounts = list.map((item) => (isObject(item) ? numberOf(item[rule.field]) : null));
  const sum = amounts.reduce<Decimal | null>((acc, amount) => (acc === null || amount === null ? null : add(acc, amount)), ZERO);
  if (sum === null || compare(sum, total) !== 0) {
    const shown = String(resolve(variables, rule.total));
    return [{ pointer: rule.items, message: rule.message ?? `the ${rule.field}s must add up to ${rule.total} (${shown})` }];
  }
  return [];
};

const eachWithin: Check<Extract<TemplateRule, { rule: "each_within" }>> = (rule, variables) => {
  const start = momentOf(resolve(variables, rule.from));
  const end = momentOf(resolve(variables, rule.until));
  if (start === null || end === null) return [];
  return items(variables, rule.items).flatMap((item, index) => {
    const moment = isObject(item) ? momentOf(item[rule.field]) : null;
    const inside = moment !== null && moment.kind === start.kind && start.kind === end.kind
      && momentCompare(start, moment) <= 0 && momentCompare(moment, end) <= 0;
    return inside ? [] : [{ pointer: `${rule.items}/${String(index)}/${rule.field}`,
      message: `must be between ${rule.from} and ${rule.until}` }];
  });
};

const unique: Check<Extract<TemplateRule, { rule: "unique" }>> = (rule, variables) => {
  const seen = new Set<string>();
  return items(variables, rule.items).flatMap((item, index) => {
    if (!isObject(item)) return [];
    // Python compares repr(item.get(field)): a missing field and null are the same value.
    const key = JSON.stringify(item[rule.field] ?? null);
    const repeated = seen.has(key);
    seen.add(key);
    return repeated ? [{ pointer: `${rule.items}/${String(index)}/${rule.field}`, message: "must be unique" }] : [];
  });
};

/** Every problem the rules find in the variables, in the rules' order. */
export function ruleProblems(rules: readonly TemplateRule[], variables: unknown): RuleProblem[] {
  return rules.flatMap((rule) => {
    switch (rule.rule) {
      case "before": return before(rule, variables);
      case "below_reciprocal": return belowReciprocal(rule, variables);
      case "sum_equals": return sumEquals(rule, variables);
      case "each_within": return eachWithin(rule, variables);
      case "unique": return unique(rule, variables);
    }
  });
}
