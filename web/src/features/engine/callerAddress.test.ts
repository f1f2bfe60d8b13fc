import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { engineAddressOf } from "./callerAddress";

// Written by Python's caller_address (python -m tests.vectors.caller_address_vectors); a unit test
// there keeps the file current, so both sides are checked against the same DIDs.
const file = JSON.parse(readFileSync(resolve(process.cwd(), "../tests/vectors/caller_addresses/vectors.json"), "utf8")) as { vectors: { did: string; address: string }[] };

describe("the caller's engine address, as Python's caller_address gives it", () => {
  it("has vectors for both derivations", () => { expect(file.vectors.length).toBeGreaterThanOrEqual(6); });

  it.each(file.vectors.map((vector) => [vector.did, vector.address] as const))("%s acts as %s", (did, address) => {
    expect(engineAddressOf(did)).toBe(address);
  });
});
