/** Hostile input gives failed checks with reasons, never an exception, and bounded work. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ChainUnavailable, MAX_RECEIPT_BYTES, parseTrustedLedger, verifyReceipt, type ChainView } from "../../src/receipts";
import { DidProblem, parseDocument } from "../../src/receipts/did";
import { memoryChain, type ChainState } from "./memoryChain";

const DIR = new URL("../../../../tests/vectors/receipts/", import.meta.url);
const manifest = JSON.parse(readFileSync(new URL("manifest.json", DIR), "utf8")) as { ledger: string; chains: Record<string, ChainState> };
const valid = readFileSync(new URL("pkh-key.valid.receipt", DIR));
const trusted = parseTrustedLedger(manifest.ledger);
const encode = (text: string) => new TextEncoder().encode(text);
const unreachable = (): ChainView => {
  throw new Error("the chain must not be asked about a malformed receipt");
};

describe("malformed receipts are refused before the chain is asked", () => {
  it.each([
    ["not json", "not JSON"],
    ['{"format": "cms-receipt/v1", "format": "x"}', "duplicate member"],
    ['{"format": NaN}', "NaN"],
    [`{"format":${"[".repeat(70_000)}${"]".repeat(70_000)}}`, "nests deeper"],
    ['{"format": "cms-receipt/v1", "contract": {"id": "c"}, "events": {}, "batches": [], "ledger": {}}', "/events: must be an array"],
    ['{"format": "cms-receipt/v2", "contract": {}, "events": [], "batches": [], "ledger": {}}', "/format"],
    ['{"format": "cms-receipt/v1"}', "missing"],
    [`{"n": 1${"0".repeat(500)}}`, "too long"],
    ['{"__proto__": {"x": 1}}', "unexpected"],
    ["\uFEFF{}", "not JSON"],
  ])("%#: %s", async (text, where) => {
    const report = await verifyReceipt(encode(text), { connect: unreachable, trusted });
    expect(report.valid).toBe(false);
    expect(report.checks.map((c) => c.name)).toEqual(["format"]);
    expect(report.checks[0]?.detail).toContain(where);
  });

  it("refuses a file larger than any receipt the platform issues without reading it", async () => {
    const report = await verifyReceipt(new Uint8Array(MAX_RECEIPT_BYTES + 1), { connect: unreachable, trusted });
    expect(report.checks[0]?.detail).toContain("more than the");
  });

  it("invalid UTF-8 is not JSON", async () => {
    const report = await verifyReceipt(Uint8Array.of(0x7b, 0xff, 0x7d), { connect: unreachable, trusted });
    expect(report.checks[0]?.detail).toContain("not UTF-8");
  });
});

describe("the chain", () => {
  it("an unreadable chain makes the verdict incomplete, after what needs no chain was checked", async () => {
    const down: ChainView = new Proxy({} as ChainView, {
      get: () => () => Promise.reject(new ChainUnavailable("eth_chainId: connection refused")),
    });
    const report = await verifyReceipt(valid, { connect: () => down, trusted });
    expect(report.valid).toBe(false);
    expect(report.incomplete).toContain("connection refused");
    expect(report.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(["ledger"]);
    expect(report.checks.find((c) => c.name === "contract")?.ok).toBe(true);
  });

  it("an unexpected failure is a verdict too, not an exception", async () => {
    const report = await verifyReceipt(valid, { connect: () => { throw new TypeError("boom"); }, trusted });
    expect(report.checks).toEqual([{ name: "verifier", ok: false, detail: "the receipt could not be checked: TypeError: boom" }]);
  });

  it("code other than ContractLedger's at the address is named", async () => {
    const state = manifest.chains["pkh-key"];
    if (!state) throw new Error("no chain");
    const address = manifest.ledger.split(":")[1] ?? "";
    const report = await verifyReceipt(valid, {
      connect: (at) => ({ ...memoryChain(state, address, at), code: () => Promise.resolve(Uint8Array.of(0x60, 0x80)) }),
      trusted,
    });
    expect(report.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(["ledger.code"]);
  });
});

describe("the pin", () => {
  it.each([["31337:0x5FbDB2315678afecb367f032d93F642f64180aa3", true], ["0:0x5FbDB2315678afecb367f032d93F642f64180aa3", false],
    ["31337", false], ["x:0x5FbDB2315678afecb367f032d93F642f64180aa3", false], ["1:0x123", false]])("%s", (text, ok) => {
    expect(parseTrustedLedger(text) !== null).toBe(ok);
  });
});

it("every single-byte change of a valid receipt is caught, never thrown", async () => {
  const state = manifest.chains["pkh-key"];
  if (!state) throw new Error("no chain");
  const address = manifest.ledger.split(":")[1] ?? "";
  let seed = 20261207;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const alphabet = encode('0123456789abcdefxyz{}[]":, ');
  const survivors: number[] = [];
  for (let i = 0; i < 60; i += 1) {
    const position = Math.floor(random() * valid.length);
    const changed = Uint8Array.from(valid);
    const choices = alphabet.filter((c) => c !== valid[position]);
    changed[position] = choices[Math.floor(random() * choices.length)] ?? 0x20;
    const report = await verifyReceipt(changed, { connect: (at) => memoryChain(state, address, at), trusted });
    if (report.valid) survivors.push(position);
  }
  expect(survivors).toEqual([]);
});

describe("a recorded DID document", () => {
  it("refuses a relationship written null, as Python's data.get(name, []) does", () => {
    const id = "did:web:parties.example.com:consumer";
    expect(parseDocument({ id }, id).assertionMethod).toEqual([]);
    expect(() => parseDocument({ id, assertionMethod: null }, id)).toThrow(DidProblem);
  });
});
