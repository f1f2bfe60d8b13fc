import { act, renderHook } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sessionStore } from "../../auth/sessionStore";
import { Providers } from "../../test/providers";
import { forgetDrafts } from "../contract-form/useStoredDraft";
import { useCallDraft } from "./useCallDraft";

const ME = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK";
const ADDRESS = "0x00000000000000000000000000000000000000Aa";

beforeEach(() => {
  localStorage.clear();
  sessionStore.set({ did: ME, token: "t", expiresAt: new Date(Date.now() + 3_600_000).toISOString(), keyKind: "ed25519" });
});
afterEach(() => { sessionStore.clear(); localStorage.clear(); });

describe("the call form's draft", () => {
  it("reads a function named constructor as having no texts yet, and keeps what is typed for it", () => {
    const { result } = renderHook(() => useCallDraft(ADDRESS, "constructor"), { wrapper: Providers });
    expect(result.current.texts).toEqual({});
    act(() => { result.current.type("toString", "5"); });
    expect(result.current.texts).toEqual(Object.fromEntries([["toString", "5"]]));
  });

  it("is forgotten at sign-out", () => {
    const { result } = renderHook(() => useCallDraft(ADDRESS, "transfer"), { wrapper: Providers });
    act(() => { result.current.type("amount", "5"); });
    expect(Object.keys(localStorage).length).toBe(1);
    forgetDrafts(ME);
    expect(Object.keys(localStorage)).toEqual([]);
  });
});
