import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { act, renderHook } from "@testing-library/react";
import type { ReactNode } from "react";
import { draftKey, forgetDrafts } from "../features/contract-form/useStoredDraft";
import { useForgetOnIdentityChange } from "./forgetOnIdentityChange";
import { sessionStore, type Session } from "./sessionStore";
import { signOut } from "./signInFlow";
import { createCmsClient } from "@cms/sdk";

const session = (did: string): Session => ({ did, token: "t", expiresAt: new Date(Date.now() + 600_000).toISOString(), keyKind: "ed25519" });

describe("what one identity leaves in the tab", () => {
  afterEach(() => { sessionStore.clear(); localStorage.clear(); });

  it("the query cache is emptied when the session ends or another identity signs in, not on renewal", () => {
    sessionStore.set(session("did:key:z6MkA"));
    const queryClient = new QueryClient();
    const wrapper = ({ children }: { children: ReactNode }) => <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>;
    renderHook(() => { useForgetOnIdentityChange(); }, { wrapper });
    queryClient.setQueryData(["contracts", "list"], ["A's contract"]);
    act(() => { sessionStore.set({ ...session("did:key:z6MkA"), token: "renewed" }); });
    expect(queryClient.getQueryData(["contracts", "list"])).toEqual(["A's contract"]);
    act(() => { sessionStore.set(session("did:key:z6MkB")); });
    expect(queryClient.getQueryData(["contracts", "list"])).toBeUndefined();
    queryClient.setQueryData(["contracts", "list"], ["B's contract"]);
    act(() => { sessionStore.clear(); });
    expect(queryClient.getQueryData(["contracts", "list"])).toBeUndefined();
  });

  it("sign-out forgets that identity's contract drafts, and only its", () => {
    localStorage.setItem(draftKey("did:key:z6MkA", null), "{}");
    localStorage.setItem(draftKey("did:key:z6MkA", "c1"), "{}");
    localStorage.setItem(draftKey("did:key:z6MkB", null), "{}");
    forgetDrafts("did:key:z6MkA");
    expect(Object.keys(localStorage)).toEqual([draftKey("did:key:z6MkB", null)]);
  });

  it("signing out forgets the drafts even when the server cannot be told", async () => {
    sessionStore.set(session("did:key:z6MkA"));
    localStorage.setItem(draftKey("did:key:z6MkA", null), "{}");
    const offline = createCmsClient({ baseUrl: "http://api.test", fetch: () => Promise.reject(new TypeError("offline")) });
    expect(await signOut(offline)).toBe(false);
    expect(localStorage.getItem(draftKey("did:key:z6MkA", null))).toBeNull();
    expect(sessionStore.get()).toBeNull();
  });
});
