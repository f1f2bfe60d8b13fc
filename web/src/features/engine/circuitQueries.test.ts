import { describe, expect, it } from "vitest";
import { circuitKeys, POLL_MS, statusPollInterval, WAIT_LIMIT_MS, waitedTooLong, type InputStatus } from "./circuitQueries";
import { engineKeys } from "./queries";

const waiting: InputStatus = { parties: {}, complete: true, requested: true, recorded: false };
const ok = { dataUpdatedAt: 0, fetchFailureCount: 0, error: null };

describe("reading a circuit's status", () => {
  it("polls only while the evaluation is requested and not recorded", () => {
    expect(statusPollInterval(waiting, ok, 0, 1_000, true)).toBe(POLL_MS);
    expect(statusPollInterval({ ...waiting, recorded: true }, ok, 0, 1_000, true)).toBe(false);
    expect(statusPollInterval({ ...waiting, requested: false }, ok, 0, 1_000, true)).toBe(false);
    expect(statusPollInterval(undefined, ok, 0, 1_000, true)).toBe(false);
  });

  it("never polls a hidden tab, backs off on failures and stops at an error", () => {
    expect(statusPollInterval(waiting, ok, 0, 1_000, false)).toBe(false);
    expect(statusPollInterval(waiting, { ...ok, fetchFailureCount: 2 }, 0, 1_000, true)).toBe(POLL_MS * 4);
    expect(statusPollInterval(waiting, { ...ok, fetchFailureCount: 1, error: new Error("429") }, 0, 1_000, true)).toBe(false);
  });

  it("stops after a bounded wait and says so", () => {
    expect(statusPollInterval(waiting, ok, 0, WAIT_LIMIT_MS, true)).toBe(false);
    expect(waitedTooLong(waiting, 0, WAIT_LIMIT_MS)).toBe(true);
    expect(waitedTooLong(waiting, 0, WAIT_LIMIT_MS - 1)).toBe(false);
    expect(waitedTooLong({ ...waiting, recorded: true }, 0, WAIT_LIMIT_MS)).toBe(false);
  });

  it("keeps the circuit reads out of what a call invalidates", () => {
    const called = engineKeys.contract("did:key:z", "0xAB");
    const read = circuitKeys.read("did:key:z", "0xAB", "inputStatus");
    expect(read.slice(0, called.length)).not.toEqual([...called]);
  });
});
