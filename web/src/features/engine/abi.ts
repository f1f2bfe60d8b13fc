import type { Schemas } from "@cms/sdk";

export type AbiFunction = Schemas["AbiFunction"];
export type AbiParam = Schemas["AbiParam"];
type Json = string | number | boolean | Json[];

/** How one ABI value type is typed in: the control, and how its text becomes the JSON the
 * engine takes (docs/wasm-contracts.md; ERC20's Solidity types alike). */
export type InputKind = "address" | "bool" | "integer" | "bytes" | "string";

interface IntegerRange { min: bigint; max: bigint; asString: boolean }

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const HEX_BYTES = /^0x([0-9a-fA-F]{2})*$/;
const DECIMAL = /^-?[0-9]+$/;
export const MAX_LIST_ITEMS = 4096;

// Unsigned and signed widths: I-JSON carries numbers up to 2**53-1, so wider integers travel as
// decimal strings (a u64 may exceed it); u8/u32/i32 go as numbers.
function integerRange(type: string): IntegerRange | null {
  const match = /^(u|i|uint|int)(8|16|32|64|128|256)$/.exec(type);
  if (!match) return null;
  const bits = BigInt(match[2] ?? "0");
  const signed = match[1] === "i" || match[1] === "int";
  const max = signed ? (1n << (bits - 1n)) - 1n : (1n << bits) - 1n;
  return { min: signed ? -(1n << (bits - 1n)) : 0n, max, asString: bits > 32n };
}

/** The element type of a list type (`u64[]` → `u64`), or null. */
export function elementType(type: string): string | null {
  return type.endsWith("[]") ? type.slice(0, -2) : null;
}

export function inputKind(type: string): InputKind {
  if (type === "address") return "address";
  if (type === "bool") return "bool";
  if (integerRange(type)) return "integer";
  if (type === "bytes" || /^bytes[0-9]+$/.test(type)) return "bytes";
  return "string";
}

/** A short hint for a field of this type, shown under it. */
export function typeHint(type: string): string {
  const element = elementType(type);
  if (element) return `A list of ${typeHint(element).toLowerCase()} One item a line.`;
  const range = integerRange(type);
  if (range) return `A whole number from ${range.min.toString()} to ${range.max.toString()} (${type}).`;
  switch (inputKind(type)) {
    case "address": return "An address: 0x and 40 hex digits.";
    case "bytes": return "Bytes as hex: 0x and pairs of hex digits.";
    case "bool": return "Yes or no.";
    default: return "Text.";
  }
}

export type Parsed = { ok: true; value: Json } | { ok: false; message: string };

/** The JSON value the engine takes for `text` typed into a field of `type`, or why not. */
export function parseValue(type: string, text: string): Parsed {
  const element = elementType(type);
  if (element) return parseList(element, text);
  const value = text.trim();
  const range = integerRange(type);
  if (range) {
    if (!DECIMAL.test(value)) return { ok: false, message: "Enter a whole number (digits only)." };
    const number = BigInt(value);
    if (number < range.min || number > range.max) {
      return { ok: false, message: `Must be from ${range.min.toString()} to ${range.max.toString()}.` };
    }
    return { ok: true, value: range.asString ? number.toString() : Number(number) };
  }
  switch (inputKind(type)) {
    case "address":
      return ADDRESS.test(value) ? { ok: true, value } : { ok: false, message: "Enter 0x and 40 hex digits." };
    case "bool":
      return value === "true" || value === "false" ? { ok: true, value: value === "true" }
        : { ok: false, message: "Choose yes or no." };
    case "bytes":
      return HEX_BYTES.test(value) ? { ok: true, value } : { ok: false, message: "Enter 0x and pairs of hex digits." };
    default:
      return { ok: true, value: text };
  }
}

function parseList(element: string, text: string): Parsed {
  const lines = text.split("\n").map((line) => line.trim()).filter((line) => line !== "");
  if (lines.length > MAX_LIST_ITEMS) return { ok: false, message: `At most ${String(MAX_LIST_ITEMS)} items.` };
  const values: Json[] = [];
  for (const [index, line] of lines.entries()) {
    const parsed = parseValue(element, line);
    if (!parsed.ok) return { ok: false, message: `Item ${String(index + 1)}: ${parsed.message}` };
    values.push(parsed.value);
  }
  return { ok: true, value: values };
}

/** Every field's text into the call's named arguments, or the message for each field at fault. */
export function parseArgs(params: readonly AbiParam[], texts: Readonly<Record<string, string>>):
  { ok: true; args: Record<string, Json> } | { ok: false; errors: Record<string, string> } {
  // Names come from a user's manifest and may be `constructor`, `toString` or `__proto__`: read
  // only own properties and build the results from entries, never by assignment.
  const args: [string, Json][] = [];
  const errors: [string, string][] = [];
  for (const param of params) {
    const parsed = parseValue(param.type, ownText(texts, param.name) ?? (param.type === "bool" ? "false" : ""));
    if (parsed.ok) args.push([param.name, parsed.value]);
    else errors.push([param.name, parsed.message]);
  }
  return errors.length > 0 ? { ok: false, errors: Object.fromEntries(errors) }
    : { ok: true, args: Object.fromEntries(args) };
}

/** `record[name]` when it is the record's own string, never an inherited member such as
 * `constructor` or `toString`. */
export function ownText(record: Readonly<Record<string, string>>, name: string): string | undefined {
  if (!Object.hasOwn(record, name)) return undefined;
  const value = record[name];
  return typeof value === "string" ? value : undefined;
}
