import { keyFileText, newEd25519Seed, plainKeyFile } from "@cms/sdk";
import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { RuntimeConfigContext } from "../api/runtimeConfigContext";
import { createBrowserKey } from "./browserKey";
import { forgetKey, storedKeys } from "./keystore";
import { sessionStore, type Session } from "./sessionStore";
import { SignerDeclined, useSigner, type SessionSigner } from "./signer";
import { SignerProvider } from "./SignerProvider";
import { unlockedKey } from "./unlockedKey";

const API = "http://localhost:8080";
const PASSPHRASE = "four unrelated words here";

function inSeconds(seconds: number): string {
  return new Date(Date.now() + seconds * 1000).toISOString();
}

/** Renders the provider with a button that asks for the signer and records the outcome. */
function renderWithSigner() {
  const outcome: { signer?: SessionSigner; error?: unknown } = {};
  function AskForSigner() {
    const request = useSigner();
    return (
      <button type="button" onClick={() => {
        request().then((signer) => { outcome.signer = signer; }, (error: unknown) => { outcome.error = error; });
      }}>Sign something</button>
    );
  }
  render(
    <RuntimeConfigContext.Provider value={{ apiUrl: API }}>
      <MantineProvider>
        <QueryClientProvider client={new QueryClient()}>
          <SignerProvider><AskForSigner /></SignerProvider>
        </QueryClientProvider>
      </MantineProvider>
    </RuntimeConfigContext.Provider>,
  );
  return outcome;
}

async function lockedKeySession(expiresInSeconds = 900): Promise<Session> {
  const key = await createBrowserKey(PASSPHRASE);
  unlockedKey.lock();
  const session: Session = { did: key.did, token: "old", expiresAt: inSeconds(expiresInSeconds), keyKind: "ed25519" };
  sessionStore.set(session);
  return session;
}

describe("the session signer", { timeout: 30_000 }, () => {
  afterEach(async () => {
    vi.unstubAllGlobals();
    sessionStore.clear();
    unlockedKey.lock();
    for (const file of await storedKeys()) await forgetKey(file.did);
  });

  it("asks to unlock a locked key, then signs with it", async () => {
    const session = await lockedKeySession();
    const user = userEvent.setup({ delay: null });
    const outcome = renderWithSigner();
    await user.click(screen.getByRole("button", { name: "Sign something" }));
    await screen.findByRole("dialog", { name: "Unlock your key" });
    await user.type(screen.getByLabelText("Passphrase"), "wrong passphrase");
    await user.click(screen.getByRole("button", { name: "Unlock" }));
    expect(await screen.findByText("That passphrase does not unlock this key.")).toBeInTheDocument();
    await user.clear(screen.getByLabelText("Passphrase"));
    await user.type(screen.getByLabelText("Passphrase"), PASSPHRASE);
    await user.click(screen.getByRole("button", { name: "Unlock" }));
    await waitFor(() => { expect(outcome.signer).toBeDefined(); });
    expect(outcome.signer?.did).toBe(session.did);
    expect(await outcome.signer?.signMessage("hello")).toMatch(/^[0-9a-f]{128}$/);
    expect(unlockedKey.of(session.did)).not.toBeNull();
  });

  it("rejects with SignerDeclined when the user cancels", async () => {
    await lockedKeySession();
    const user = userEvent.setup({ delay: null });
    const outcome = renderWithSigner();
    await user.click(screen.getByRole("button", { name: "Sign something" }));
    await screen.findByRole("dialog", { name: "Unlock your key" });
    await user.click(screen.getByRole("button", { name: "Cancel" }));
    await waitFor(() => { expect(outcome.error).toBeInstanceOf(SignerDeclined); });
    expect(outcome.signer).toBeUndefined();
  });

  it("asks for the key file when this browser does not hold the signed-in key", async () => {
    const file = await plainKeyFile(newEd25519Seed());
    sessionStore.set({ did: file.did, token: "t", expiresAt: inSeconds(900), keyKind: "ed25519" });
    const user = userEvent.setup({ delay: null });
    const outcome = renderWithSigner();
    await user.click(screen.getByRole("button", { name: "Sign something" }));
    await screen.findByRole("dialog", { name: "Import your key" });
    const other = await plainKeyFile(newEd25519Seed());
    const input = document.querySelector<HTMLInputElement>("input[type=file]");
    if (!input) throw new Error("no file input");
    await user.upload(input, new File([keyFileText(other)], "other.json", { type: "application/json" }));

    expect(await screen.findByText(/it holds the key of did:key:.*, not of did:key:/)).toBeInTheDocument();
    await user.upload(input, new File([keyFileText(file)], "mine.json", { type: "application/json" }));
    await user.type(await screen.findByLabelText(/^Passphrase to keep it encrypted here/), PASSPHRASE);
    await user.type(screen.getByLabelText(/^Repeat the passphrase/), PASSPHRASE);
    await user.click(screen.getByRole("button", { name: "Import and unlock" }));
    await waitFor(() => { expect(outcome.signer?.did).toBe(file.did); });
    expect((await storedKeys()).map((stored) => stored.did)).toEqual([file.did]);
  });

  it("renews silently while the key is unlocked", async () => {
    const { did } = await createBrowserKey(PASSPHRASE); // created unlocked
    // Renewal is due half way through a token this short: in a second.
    sessionStore.set({ did, token: "old", expiresAt: inSeconds(2), keyKind: "ed25519" });
    vi.stubGlobal("fetch", (request: Request) => {
      const path = new URL(request.url).pathname;
      const answer = path.endsWith("/challenge")
        ? { challenge: `localhost:8080 wants you to sign in with your DID:\n${did}\n\nSign in.\n\n`
            + `URI: ${API}\nVersion: 1\nNonce: 0123456789abcdef\nIssued At: ${inSeconds(0)}\n`
            + `Expiration Time: ${inSeconds(300)}`, nonce: "0123456789abcdef", expires_at: inSeconds(300) }
        : { token: "renewed", token_type: "Bearer", expires_at: inSeconds(900), did };
      return Promise.resolve(new Response(JSON.stringify(answer), { headers: { "Content-Type": "application/json" } }));
    });
    renderWithSigner();
    await waitFor(() => { expect(sessionStore.get()?.token).toBe("renewed"); }, { timeout: 10_000 });
    expect(screen.queryByText(/Stay signed in/)).toBeNull();
  });

  it("asks before the session ends when the key is locked, and ends it at expiry", async () => {
    await lockedKeySession(2);
    renderWithSigner();
    expect(await screen.findByRole("button", { name: "Stay signed in" }, { timeout: 10_000 })).toBeInTheDocument();
    await waitFor(() => { expect(sessionStore.get()).toBeNull(); }, { timeout: 10_000 });
  });
});
