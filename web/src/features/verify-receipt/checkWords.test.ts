import { describe, expect, it } from "vitest";
import { describeCheck, tamperedParts } from "./checkWords";

describe("check names in words", () => {
  it.each([
    ["signature:did:key:z6Mk", "the signature of did:key:z6Mk"],
    ["anchor:event[3]", "the Merkle proof of event 3"],
    ["audit_chain.event[1]", "event 1 of the history"],
    ["contract.terms", 'the contract\'s field "terms"'],
    ["batch[100]", "anchoring batch 100"],
    ["status_slot", "the contract's latest state"],
    ["something.new", "something.new"],
  ])("%s names %s", (name, part) => {
    expect(describeCheck(name).part).toBe(part);
  });

  it("names the specific parts, not the summaries that restate them", () => {
    const checks = [
      { name: "format", ok: true, detail: "" },
      { name: "anchoring", ok: false, detail: "" },
      { name: "anchor:event[3]", ok: false, detail: "" },
      { name: "anchor:event[4]", ok: false, detail: "" },
    ];
    expect(tamperedParts(checks)).toEqual(["the Merkle proof of event 3", "the Merkle proof of event 4"]);
  });
});
