import { describe, expect, it } from "vitest";
import type { Contract } from "./lifecycle";
import { waitsFor } from "./rules";

const ME = "did:key:z6Mkme";
const THEM = "did:pkh:eip155:1:0xthem";
const NOW = new Date("2026-12-07T12:00:00Z");

function contract(changes: Partial<Contract>): Contract {
  return {
    id: "c", title: "t", description: "", provider_did: ME, consumer_did: THEM, terms: {}, metadata: {},
    valid_from: "2026-12-01T00:00:00.000Z", valid_until: "2027-12-01T00:00:00.000Z", status: "draft",
    digest: null, content_digest: "x", signatures: [], required_signers: [ME, THEM], pending_signers: [],
    signing_deadline: null, created_at: "2026-12-01T00:00:00.000Z", updated_at: "2026-12-01T00:00:00.000Z",
    version: 1, head_hash: "h", ...changes,
  };
}

describe("what waits for me", () => {
  it("a draft waits for its provider's submission, not for the consumer", () => {
    expect(waitsFor(contract({}), ME, NOW)).toBe("submit");
    expect(waitsFor(contract({ provider_did: THEM, consumer_did: ME }), ME, NOW)).toBeNull();
  });

  it("a contract in review waits for my signature while I am pending and the deadline is ahead", () => {
    expect(waitsFor(contract({ status: "review", pending_signers: [ME, THEM] }), ME, NOW)).toBe("sign");
    expect(waitsFor(contract({ status: "review", pending_signers: [THEM] }), ME, NOW)).toBeNull();
    expect(waitsFor(contract({ status: "review", pending_signers: [ME], signing_deadline: "2026-12-06T00:00:00Z" }), ME, NOW)).toBeNull();
  });

  it("a signed contract waits for activation once its validity began, from either party", () => {
    expect(waitsFor(contract({ status: "signed" }), ME, NOW)).toBe("activate");
    expect(waitsFor(contract({ status: "signed", provider_did: THEM, consumer_did: ME }), ME, NOW)).toBe("activate");
    expect(waitsFor(contract({ status: "signed", valid_from: "2026-12-08T00:00:00Z" }), ME, NOW)).toBeNull();
  });

  it("nothing waits past the end of validity, nor from a stranger", () => {
    expect(waitsFor(contract({ valid_until: "2026-12-07T00:00:00Z" }), ME, NOW)).toBeNull();
    expect(waitsFor(contract({}), "did:key:z6Mkstranger", NOW)).toBeNull();
  });
});
