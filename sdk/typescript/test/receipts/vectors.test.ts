/** The shared vectors (tests/vectors/receipts): the TypeScript verifier must say, check by
 * check, what the Python verifier said of each receipt when the vectors were generated. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseTrustedLedger, verifyReceipt } from "../../src/receipts";
import { memoryChain, type ChainState } from "./memoryChain";

const DIR = new URL("../../../../tests/vectors/receipts/", import.meta.url);

interface Vector {
  name: string;
  file: string;
  chain: string;
  trusted: string | null;
  expected: { valid: boolean; incomplete: boolean; checks: [string, boolean][] };
}

const manifest = JSON.parse(readFileSync(new URL("manifest.json", DIR), "utf8")) as {
  ledger: string; chains: Record<string, ChainState>; vectors: Vector[];
};
const ledgerAddress = manifest.ledger.split(":")[1] ?? "";

async function verified(vector: Vector, raw: Uint8Array = readFileSync(new URL(vector.file, DIR))) {
  const state = manifest.chains[vector.chain];
  if (!state) throw new Error(`no chain ${vector.chain}`);
  return verifyReceipt(raw, {
    connect: (at) => memoryChain(state, ledgerAddress, at),
    trusted: vector.trusted === null ? null : parseTrustedLedger(vector.trusted),
  });
}

describe("the shared receipt vectors", () => {
  it("cover a valid receipt and every kind of tampering", () => {
    expect(manifest.vectors.filter((v) => v.expected.valid).length).toBeGreaterThanOrEqual(2);
    expect(manifest.vectors.length).toBeGreaterThan(25);
  });

  it.each(manifest.vectors.map((vector) => [vector.name, vector] as const))("%s: same verdict, same checks", async (_name, vector) => {
    const report = await verified(vector);
    expect(report.checks.map((check) => [check.name, check.ok])).toEqual(vector.expected.checks);
    expect(report.valid).toBe(vector.expected.valid);
    expect(report.incomplete !== null).toBe(vector.expected.incomplete);
    for (const check of report.checks) expect(check.detail.length).toBeGreaterThan(0);
  });
});
