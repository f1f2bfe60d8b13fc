import { checkInWords } from "./checkWords";
import { timelineNews } from "./eventWords";
import { pollInterval, type PlacedEvent } from "./queries";

function event(seq: number, type: string, state: PlacedEvent["anchor"]["state"]): PlacedEvent {
  return { v: 1, stream: "contract:x", seq, event_id: String(seq), type, actor: "did:key:z", at: "2027-01-01T00:00:00Z",
    data: {}, prev_hash: "0".repeat(64), hash: "1".repeat(64), anchor: { state, tx_hash: null } };
}

describe("the timeline's news", () => {
  it("names new events and counts newly anchored ones", () => {
    const before = [event(0, "contract.created", "pending")];
    const after = [event(0, "contract.created", "anchored"), event(1, "contract.submitted", "pending")];
    expect(timelineNews(before, after)).toBe("New event: Submitted for signing. 1 event anchored on chain.");
    expect(timelineNews(after, after)).toBeNull();
  });
});

describe("polling", () => {
  it("stops while the tab is hidden and backs off after failures, up to a minute", () => {
    expect(pollInterval(false, 0)).toBe(false);
    expect(pollInterval(true, 0)).toBe(3_000);
    expect(pollInterval(true, 2)).toBe(12_000);
    expect(pollInterval(true, 10)).toBe(60_000);
  });
});

describe("verification checks in words", () => {
  it("says what each named check means", () => {
    expect(checkInWords("digest")).toBe("The digest is the hash of the content");
    expect(checkInWords("audit_chain.event[3]")).toMatch(/^Event 3 links/);
    expect(checkInWords("anchor:event[0]")).toMatch(/^Event 0 is in an anchored/);
    expect(checkInWords("signature:did:key:z6Mk")).toBe("The signature of did:key:z6Mk verifies against its DID");
    expect(checkInWords("snapshot.valid_until")).toBe("The stored contract's valid until matches its history");
    expect(checkInWords("something_new")).toBe("something_new");
  });
});
