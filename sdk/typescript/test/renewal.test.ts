import { afterEach, describe, expect, it, vi } from "vitest";
import { RENEW_BEFORE_MS, renewalDueAt, scheduleRenewal } from "../src/index";

const NOW = Date.parse("2026-01-01T00:00:00Z");

describe("token renewal", () => {
  afterEach(() => { vi.useRealTimers(); });

  it("is due two minutes before a 15-minute token ends", () => {
    expect(renewalDueAt("2026-01-01T00:15:00Z", NOW)).toBe(NOW + 15 * 60_000 - RENEW_BEFORE_MS);
  });

  it("is due half way when less than twice the lead is left", () => {
    expect(renewalDueAt("2026-01-01T00:03:00Z", NOW)).toBe(NOW + 90_000);
  });

  it("refuses an expiry that is no instant", () => {
    expect(() => renewalDueAt("soon", NOW)).toThrow(RangeError);
  });

  it("calls onDue, then onExpired, and nothing once cancelled", () => {
    vi.useFakeTimers({ now: NOW });
    const onDue = vi.fn();
    const onExpired = vi.fn();
    scheduleRenewal("2026-01-01T00:15:00Z", { onDue, onExpired });
    vi.advanceTimersByTime(13 * 60_000 - 1);
    expect(onDue).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(onDue).toHaveBeenCalledOnce();
    expect(onExpired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(2 * 60_000);
    expect(onExpired).toHaveBeenCalledOnce();

    const cancelled = vi.fn();
    const cancel = scheduleRenewal("2026-01-01T00:30:00Z", { onDue: cancelled, onExpired: cancelled });
    cancel();
    vi.advanceTimersByTime(60 * 60_000);
    expect(cancelled).not.toHaveBeenCalled();
  });
});
