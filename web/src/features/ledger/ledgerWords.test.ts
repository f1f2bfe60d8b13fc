import { plainProblem } from "../../api/problemText";
import { formatInstant } from "../../contracts/lifecycle";
import { staleText } from "./stale";
import { etherText, isLowBalance, weiText } from "./ether";
import { durationText, lagSeries, lagSummary, rangeText } from "./lag";
import type { ConfirmedBatch } from "./queries";

describe("amounts in wei", () => {
  it("are shown as ETH exactly, every digit kept", () => {
    expect(etherText("1")).toBe("0.000000000000000001");
    expect(etherText("1000000000000000000")).toBe("1");
    expect(etherText("1234567890123456789012345")).toBe("1,234,567.890123456789012345");
    // Beyond a double's 53 bits: no rounding.
    expect(etherText("9007199254740993000000001")).toBe("9,007,199.254740993000000001");
    expect(weiText("9007199254740993")).toBe("9,007,199,254,740,993");
  });

  it("are compared exactly, and not at all when unknown or malformed", () => {
    expect(isLowBalance("99999999999999999", "100000000000000000")).toBe(true);
    expect(isLowBalance("100000000000000000", "100000000000000000")).toBe(false);
    expect(isLowBalance(null, "1")).toBeNull();
    expect(isLowBalance("1e18", "1")).toBeNull();
  });
});

function batch(first: number, count: number, lag: number | null): ConfirmedBatch {
  return { first_seq: first, last_seq: first + count - 1, count, root: "a".repeat(64), tx_hash: null,
    block_number: 7, prepared_at: "2026-12-07T06:00:00.000Z", confirmed_at: "2026-12-07T06:00:05.000Z",
    oldest_event_at: lag === null ? null : "2026-12-07T06:00:00.000Z", lag_s: lag };
}

describe("the anchoring lag", () => {
  it("is charted oldest first, batches of unknown lag left out", () => {
    const newestFirst = [batch(10, 2, 4.5), batch(5, 5, null), batch(0, 5, 61)];
    expect(lagSeries(newestFirst)).toEqual([{ batch: "#0–4", lag: 61 }, { batch: "#10–11", lag: 4.5 }]);
    expect(rangeText({ first_seq: 3, last_seq: 3 })).toBe("#3");
  });

  it("is told in a sentence", () => {
    expect(lagSummary(lagSeries([batch(10, 2, 4.5), batch(0, 5, 61)])))
      .toBe("Over the last 2 batches, events waited from 4.5 s to 1 min 1 s to be anchored; the latest batch, 4.5 s.");
    expect(lagSummary([])).toBe("No confirmed batch has a known lag yet.");
    expect(durationText(7325)).toBe("2 h 2 min");
  });
});

describe("data kept after a failed refresh", () => {
  it("is said to be from its time, not live, with why the refresh failed", () => {
    const at = Date.parse("2026-12-07T06:00:00.000Z");
    const text = staleText("status", at, new TypeError("Failed to fetch"));
    expect(text).toContain(`The status shown is from ${formatInstant("2026-12-07T06:00:00.000Z")}`);
    expect(text).toContain("refreshing it failed");
    expect(text).toContain(plainProblem(new TypeError("Failed to fetch")).title);
  });
});
