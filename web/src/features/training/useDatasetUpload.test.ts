import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Dataset } from "./queries";
import { firstRead, registeredAnew } from "./useDatasetUpload";

const OLD: Dataset = { id: "mnist", registered: true, sha256: "a".repeat(64), registered_at: "2026-12-01T10:00:00Z" };
const NEW: Dataset = { ...OLD, registered_at: "2026-12-07T10:00:00Z" };
const anew = registeredAnew("mnist", OLD.sha256 ?? "", OLD.registered_at ?? null);

beforeEach(() => { vi.useFakeTimers(); });
afterEach(() => { vi.useRealTimers(); });

describe("waiting for an upload's format check", () => {
  it("takes a first upload's record once registered with its hash, and no other", () => {
    const first = registeredAnew("mnist", OLD.sha256 ?? "", null);
    expect(first(OLD)).toBe(true);
    expect(first({ ...OLD, id: "cifar" })).toBe(false);
    expect(first({ ...OLD, sha256: "b".repeat(64) })).toBe(false);
    expect(first({ id: "mnist", registered: false })).toBe(false);
  });

  it("does not take the earlier record of the same bytes for this upload", async () => {
    const reads = [[OLD], [OLD], [NEW]];
    const read = vi.fn(() => Promise.resolve(reads.shift() ?? [NEW]));
    const waiting = firstRead(read, anew, new AbortController().signal);
    await vi.runAllTimersAsync();
    await expect(waiting).resolves.toEqual(NEW);
    expect(read).toHaveBeenCalledTimes(3);
  });

  it("gives up after its time: the archive was refused", async () => {
    const read = vi.fn(() => Promise.resolve([OLD]));
    const waiting = firstRead(read, anew, new AbortController().signal, 5_000);
    await vi.runAllTimersAsync();
    await expect(waiting).resolves.toBeNull();
  });

  it("stops reading once the screen is gone", async () => {
    const controller = new AbortController();
    const read = vi.fn(() => Promise.resolve([OLD]));
    const waiting = firstRead(read, anew, controller.signal);
    const settled = expect(waiting).rejects.toThrow();
    await vi.advanceTimersByTimeAsync(1_600);
    const readsBefore = read.mock.calls.length;
    controller.abort();
    await vi.runAllTimersAsync();
    await settled;
    expect(read.mock.calls.length).toBe(readsBefore);
  });
});
