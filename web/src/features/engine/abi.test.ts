import { describe, expect, it } from "vitest";
import { inputKind, ownText, parseArgs, parseValue, typeHint } from "./abi";

describe("ABI types to inputs", () => {
  it.each([["address", "address"], ["bool", "bool"], ["u64", "integer"], ["uint256", "integer"],
    ["i32", "integer"], ["bytes", "bytes"], ["string", "string"]])("%s is typed as %s", (type, kind) => {
    expect(inputKind(type)).toBe(kind);
  });

  it("sends big integers as decimal strings and small ones as numbers", () => {
    expect(parseValue("uint256", "115792089237316195423570985008687907853269984665640564039457584007913129639935"))
      .toEqual({ ok: true, value: "115792089237316195423570985008687907853269984665640564039457584007913129639935" });
    expect(parseValue("u64", "18446744073709551615")).toEqual({ ok: true, value: "18446744073709551615" });
    expect(parseValue("u32", "7")).toEqual({ ok: true, value: 7 });
    expect(parseValue("i32", "-5")).toEqual({ ok: true, value: -5 });
  });

  it("refuses integers out of range or not whole", () => {
    expect(parseValue("uint256", (1n << 256n).toString()).ok).toBe(false);
    expect(parseValue("u8", "256")).toEqual({ ok: false, message: "Must be from 0 to 255." });
    expect(parseValue("u64", "-1").ok).toBe(false);
    expect(parseValue("u64", "1.5").ok).toBe(false);
    expect(parseValue("u64", "1e3").ok).toBe(false);
    expect(parseValue("i64", "-9223372036854775809").ok).toBe(false);
  });

  it("checks addresses and bytes", () => {
    expect(parseValue("address", "0x5B38Da6a701c568545dCfcB03FcB875f56beddC4").ok).toBe(true);
    expect(parseValue("address", "0x5B38").ok).toBe(false);
    expect(parseValue("bytes", "0xabc").ok).toBe(false);
    expect(parseValue("bytes", "0xabcd")).toEqual({ ok: true, value: "0xabcd" });
  });

  it("reads lists one item a line, naming the item at fault", () => {
    expect(parseValue("u64[]", "1\n\n2\n")).toEqual({ ok: true, value: ["1", "2"] });
    expect(parseValue("address[]", "0x5B38Da6a701c568545dCfcB03FcB875f56beddC4\nnope"))
      .toEqual({ ok: false, message: "Item 2: Enter 0x and 40 hex digits." });
    expect(typeHint("u64[]")).toMatch(/^A list of a whole number/);
  });

  it("maps a whole form to named arguments or per-field errors", () => {
    const params = [{ name: "to", type: "address" }, { name: "value", type: "uint256" }];
    expect(parseArgs(params, { to: "0x5B38Da6a701c568545dCfcB03FcB875f56beddC4", value: "250" }))
      .toEqual({ ok: true, args: { to: "0x5B38Da6a701c568545dCfcB03FcB875f56beddC4", value: "250" } });
    expect(parseArgs(params, { to: "x", value: "" })).toEqual({ ok: false, errors: {
      to: "Enter 0x and 40 hex digits.", value: "Enter a whole number (digits only)." } });
    expect(parseArgs([{ name: "flag", type: "bool" }], {})).toEqual({ ok: true, args: { flag: false } });
  });
});

describe("parameter names that are also Object members", () => {
  const names = ["constructor", "__proto__", "hasOwnProperty", "toString"];

  it.each(names)("reads and sends %s as an ordinary argument", (name) => {
    const params = [{ name, type: "u64" }];
    expect(parseArgs(params, {})).toEqual({ ok: false, errors: Object.fromEntries([[name, "Enter a whole number (digits only)."]]) });
    const parsed = parseArgs(params, Object.fromEntries([[name, "7"]]));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(Object.keys(parsed.args)).toEqual([name]);
    expect(JSON.parse(JSON.stringify(parsed.args))).toEqual(JSON.parse(`{"${name}":"7"}`));
  });

  it("takes no inherited value for a text", () => {
    expect(ownText({}, "constructor")).toBeUndefined();
    expect(ownText(Object.fromEntries([["toString", "x"]]), "toString")).toBe("x");
  });
});
