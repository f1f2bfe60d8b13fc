/**
 * Parsing an untrusted receipt as strictly as the Python verifier (cms.domain.strict_json):
 * bounded nesting, no duplicate members, no NaN/Infinity, number literals of bounded length.
 * Hand-written because JSON.parse silently keeps the last of duplicate members, rounds
 * integers beyond 2^53 and has no depth bound, and each of those would let the two verifiers
 * read one file differently.
 */

export const MAX_DEPTH = 64;
export const MAX_NUMBER_DIGITS = 400;
export const MAX_SAFE_INTEGER = Number.MAX_SAFE_INTEGER;

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Refused as "not JSON" (syntax, duplicates, depth, overlong numbers, bad UTF-8). */
export class NotJson extends Error {}

/** JSON, but outside I-JSON (RFC 7493): what RFC 8785 cannot canonicalise. */
export class NotIJson extends Error {}

export type FloatMembers = WeakMap<object, Set<string>>;

/** Whether ``holder[key]`` was written as a fraction or exponent (see Parsed.floats). */
export function writtenAsFloat(floats: FloatMembers, holder: object, key: string): boolean {
  return floats.get(holder)?.has(key) ?? false;
}

export interface Parsed {
  value: Json;
  /** Integral numbers written as fractions or exponents (``1.0``, ``1e3``), by the object that
   * holds them and their member name: Python reads those as floats, which its integer fields
   * refuse; a JavaScript number cannot tell. */
  floats: FloatMembers;
  /** Why the value has no RFC 8785 form (integers beyond ±(2^53 - 1), lone surrogates). */
  notIJson: string | null;
}

export function parseStrict(bytes: Uint8Array): Parsed {
  let text: string;
  try {
    // ignoreBOM keeps a BOM in the text, where the parser refuses it as Python's json does.
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new NotJson("the file is not UTF-8");
  }
  return new Parser(text).document();
}

const WHITESPACE = new Set([" ", "\t", "\n", "\r"]);
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?/y;
const ESCAPES: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
const LONE_SURROGATE = /\p{Cs}/u;

class Parser {
  private at = 0;
  private notIJson: string | null = null;
  private readonly floats: FloatMembers = new WeakMap();
  private floatLiteral = false;

  constructor(private readonly text: string) {}

  document(): Parsed {
    const value = this.value(0);
    this.skip();
    if (this.at !== this.text.length) this.fail("extra data after the JSON value");
    return { value, notIJson: this.notIJson, floats: this.floats };
  }

  private fail(problem: string): never {
    throw new NotJson(`${problem} (character ${this.at})`);
  }

  private noteFloat(holder: object, key: string): void {
    if (!this.floatLiteral) return;
    this.floatLiteral = false;
    const members = this.floats.get(holder) ?? new Set<string>();
    this.floats.set(holder, members.add(key));
  }

  private skip(): void {
    while (WHITESPACE.has(this.text[this.at] ?? "")) this.at += 1;
  }

  private value(depth: number): Json {
    this.skip();
    const next = this.text[this.at];
    if (next === "{" || next === "[") {
      if (depth + 1 > MAX_DEPTH) throw new NotJson(`nests deeper than ${MAX_DEPTH} levels`);
      return next === "{" ? this.object(depth + 1) : this.array(depth + 1);
    }
    if (next === '"') return this.string();
    for (const [word, meaning] of [["true", true], ["false", false], ["null", null]] as const) {
      if (this.text.startsWith(word, this.at)) {
        this.at += word.length;
        return meaning;
      }
    }
    for (const word of ["NaN", "Infinity", "-Infinity"]) {
      if (this.text.startsWith(word, this.at)) this.fail(`${word} is not JSON`);
    }
    return this.number();
  }

  private object(depth: number): Json {
    this.at += 1;
    const result: Record<string, Json> = {};
    const seen = new Set<string>();
    this.skip();
    if (this.text[this.at] === "}") {
      this.at += 1;
      return result;
    }
    for (;;) {
      this.skip();
      if (this.text[this.at] !== '"') this.fail("expected a member name in double quotes");
      const key = this.string();
      if (seen.has(key)) this.fail(`duplicate member '${key}'`);
      seen.add(key);
      this.skip();
      if (this.text[this.at] !== ":") this.fail("expected ':'");
      this.at += 1;
      // defineProperty: a member named "__proto__" is data, not the object's prototype.
      Object.defineProperty(result, key, { value: this.value(depth), enumerable: true, writable: true, configurable: true });
      this.noteFloat(result, key);
      this.skip();
      const separator = this.text[this.at];
      this.at += 1;
      if (separator === "}") return result;
      if (separator !== ",") this.fail("expected ',' or '}'");
    }
  }

  private array(depth: number): Json {
    this.at += 1;
    const result: Json[] = [];
    this.skip();
    if (this.text[this.at] === "]") {
      this.at += 1;
      return result;
    }
    for (;;) {
      result.push(this.value(depth));
      this.noteFloat(result, String(result.length - 1));
      this.skip();
      const separator = this.text[this.at];
      this.at += 1;
      if (separator === "]") return result;
      if (separator !== ",") this.fail("expected ',' or ']'");
    }
  }

  private string(): string {
    this.at += 1;
    let out = "";
    for (;;) {
      const char = this.text[this.at];
      if (char === undefined) this.fail("unterminated string");
      if (char === '"') break;
      if (char < " ") this.fail("control character in a string");
      if (char === "\\") {
        const escape = this.text[this.at + 1] ?? "";
        if (escape === "u") {
          const hex = this.text.slice(this.at + 2, this.at + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail("invalid \\u escape");
          out += String.fromCharCode(parseInt(hex, 16));
          this.at += 6;
          continue;
        }
        const meaning = ESCAPES[escape];
        if (meaning === undefined) this.fail("invalid escape");
        out += meaning;
        this.at += 2;
        continue;
      }
      out += char;
      this.at += 1;
    }
    this.at += 1;
    if (this.notIJson === null && LONE_SURROGATE.test(out)) {
      this.notIJson = "a string holds a lone UTF-16 surrogate";
    }
    return out;
  }

  private number(): number {
    NUMBER.lastIndex = this.at;
    const match = NUMBER.exec(this.text);
    if (match === null) this.fail("expecting a value");
    const literal = match[0];
    if (literal.length > MAX_NUMBER_DIGITS) this.fail(`a number of ${literal.length} characters is too long`);
    this.at += literal.length;
    const value = Number(literal);
    if (!Number.isFinite(value)) this.fail(`${literal.slice(0, 24)} overflows a double`);
    const integer = /^-?[0-9]+$/.test(literal);
    this.floatLiteral = !integer && Number.isInteger(value);
    if (integer && this.notIJson === null && BigInt(literal) > BigInt(MAX_SAFE_INTEGER)
      || integer && this.notIJson === null && BigInt(literal) < -BigInt(MAX_SAFE_INTEGER)) {
      this.notIJson = `the integer ${literal.slice(0, 24)} is beyond ±(2^53 - 1)`;
    }
    return value;
  }
}
