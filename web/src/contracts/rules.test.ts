import { CONSUMER, PROVIDER, reviewContract } from "../features/contract-page/testContract";
import { STATUSES } from "./lifecycle";
import { availableActions, waitingFor, waitsFor } from "./rules";

const NOW = new Date("2027-06-01T00:00:00Z");
const names = (actions: ReturnType<typeof availableActions>) => actions.map((action) => action.name);

describe("availableActions", () => {
  it("offers the provider of a draft editing, submitting and terminating; the consumer only terminating", () => {
    const draft = reviewContract({ status: "draft", digest: null });
    expect(names(availableActions(draft, PROVIDER, NOW))).toEqual(["edit", "submit", "terminate"]);
    expect(names(availableActions(draft, CONSUMER, NOW))).toEqual(["terminate"]);
    expect(waitingFor(draft, CONSUMER)).toMatch(/still drafting/);
  });

  it("offers both parties in review signing, requesting changes and terminating", () => {
    expect(names(availableActions(reviewContract(), CONSUMER, NOW))).toEqual(["sign", "requestChanges", "terminate"]);
  });

  it("explains why a party cannot sign again or past the deadline", () => {
    const signed = reviewContract({ signatures: [{ signer_did: PROVIDER, role: "provider", verification_method: "#k",
      scheme: "eip712", signature: "0x", digest: "d", signed_at: "2027-05-01T00:00:00Z", chain_id: 31337 }] });
    expect(availableActions(signed, PROVIDER, NOW)[0]).toMatchObject({ name: "sign", enabled: false, why: expect.stringMatching(/^You signed on/) as unknown });
    const late = reviewContract({ signing_deadline: "2027-01-01T00:00:00Z" });
    expect(availableActions(late, CONSUMER, NOW)[0]).toMatchObject({ enabled: false, why: expect.stringMatching(/deadline passed/) as unknown });
  });

  it("explains that a signed contract cannot be activated before its validity starts", () => {
    const early = reviewContract({ status: "signed", valid_from: "2028-01-01T00:00:00Z" });
    expect(availableActions(early, CONSUMER, NOW)).toEqual([
      { name: "activate", enabled: false, why: expect.stringMatching(/can be activated from/) as unknown },
      { name: "terminate", enabled: true }]);
  });

  it("disables everything once the validity ended, and offers nothing after the end or to others", () => {
    const ended = reviewContract({ status: "active", valid_until: "2027-01-01T00:00:00Z" });
    expect(availableActions(ended, PROVIDER, NOW).every((action) => !action.enabled)).toBe(true);
    expect(availableActions(reviewContract({ status: "terminated" }), PROVIDER, NOW)).toEqual([]);
    expect(availableActions(reviewContract(), "did:key:z6MkOther", NOW)).toEqual([]);
    expect(waitingFor(reviewContract(), "did:key:z6MkOther")).toMatch(/not a party/);
  });
});

describe("one set of rules for the page's actions and the dashboard's waiting list", () => {
  it("waits for a signature only where the page offers signing", () => {
    const notPending = reviewContract({ pending_signers: [PROVIDER] });
    expect(availableActions(notPending, CONSUMER, NOW)[0]).toMatchObject({ name: "sign", enabled: false, why: "Your signature is not awaited." });
    expect(waitsFor(notPending, CONSUMER, NOW)).toBeNull();
    expect(waitsFor(notPending, PROVIDER, NOW)).toBe("sign");
    expect(waitsFor(reviewContract({ status: "draft", digest: null }), PROVIDER, NOW)).toBe("submit");
    expect(waitsFor(reviewContract({ status: "signed", valid_from: "2028-01-01T00:00:00Z" }), CONSUMER, NOW)).toBeNull();
  });
});

describe("someone who is not a party (an auditor or admin reading every contract)", () => {
  const AUDITOR = "did:key:z6MkAuditorWhoReadsEverything";
  it.each(STATUSES)("is offered nothing and waited for by nothing in %s", (status) => {
    // Even a pending-signer list naming them (a hostile or stale answer) offers no action.
    const contract = reviewContract({ status, pending_signers: [AUDITOR] });
    expect(availableActions(contract, AUDITOR, NOW)).toEqual([]);
    expect(waitsFor(contract, AUDITOR, NOW)).toBeNull();
    expect(waitingFor(contract, AUDITOR)).toMatch(/not a party.*read and verify/);
  });
});
