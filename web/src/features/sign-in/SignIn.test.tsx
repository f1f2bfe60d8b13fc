import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { createMemoryRouter, RouterProvider } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { RuntimeConfigContext } from "../../api/runtimeConfigContext";
import { forgetKey, storedKeys } from "../../auth/keystore";
import { sessionStore } from "../../auth/sessionStore";
import { unlockedKey } from "../../auth/unlockedKey";
import { Component as SignIn } from "./route";

const API = "http://localhost:8080";
const PASSPHRASE = "four unrelated words here";
// Mantine appends " *" to a required field's label.
const PASSPHRASE_LABEL = /^Passphrase( \*)?$/;
const FUTURE = new Date(Date.now() + 5 * 60_000).toISOString();

/** The API as seen by the screen; `challengeFor` writes the text the server issues. */
function fakeApi(challengeFor: (did: string) => string) {
  const calls: string[] = [];
  vi.stubGlobal("fetch", async (request: Request) => {
    const path = new URL(request.url).pathname;
    if (!path.startsWith("/api/v1/auth/")) return new Response(null, { status: 404 }); // /health/chain
    calls.push(path);
    const body = await request.json() as { did: string };
    const answer = path.endsWith("/register")
      ? { did: body.did, credential: {} }
      : path.endsWith("/challenge")
        ? { challenge: challengeFor(body.did), nonce: "0123456789abcdef", expires_at: FUTURE }
        : { token: "token", token_type: "Bearer", expires_at: FUTURE, did: body.did };
    return new Response(JSON.stringify(answer), { headers: { "Content-Type": "application/json" } });
  });
  return calls;
}

function didText(domain: string, uri: string) {
  return (did: string) => `${domain} wants you to sign in with your DID:\n${did}\n\nSign in to the `
    + `Contract Management System.\n\nURI: ${uri}\nVersion: 1\nNonce: 0123456789abcdef\n`
    + `Issued At: ${new Date().toISOString()}\nExpiration Time: ${FUTURE}`;
}

function renderSignIn() {
  const router = createMemoryRouter([
    { path: "/sign-in", element: <SignIn /> },
    { path: "/account", element: <h1>Account page</h1> },
  ], { initialEntries: ["/sign-in?next=%2Faccount"] });
  render(
    <RuntimeConfigContext.Provider value={{ apiUrl: API }}>
      <MantineProvider>
        <QueryClientProvider client={new QueryClient()}>
          <RouterProvider router={router} />
        </QueryClientProvider>
      </MantineProvider>
    </RuntimeConfigContext.Provider>,
  );
  return router;
}

async function createKey(user: ReturnType<typeof userEvent.setup>) {
  await user.click(await screen.findByRole("tab", { name: "Use a key in this browser" }));
  await user.type(await screen.findByLabelText(PASSPHRASE_LABEL), PASSPHRASE);
  await user.type(screen.getByLabelText(/^Repeat the passphrase/), PASSPHRASE);
  await user.click(screen.getByRole("button", { name: "Create key and sign in" }));
}

// Typing into Mantine fields and 600,000 PBKDF2 rounds take seconds in jsdom.
describe("the sign-in screen with a key in this browser", { timeout: 30_000 }, () => {
  beforeEach(() => { localStorage.clear(); });
  afterEach(async () => {
    vi.unstubAllGlobals();
    sessionStore.clear();
    unlockedKey.lock();
    for (const file of await storedKeys()) await forgetKey(file.did);
  });

  it("creates a key, registers it, signs in and goes to next", async () => {
    const calls = fakeApi(didText("localhost:8080", API));
    const user = userEvent.setup({ delay: null });
    const router = renderSignIn();
    await createKey(user);
    await waitFor(() => { expect(router.state.location.pathname).toBe("/account"); }, { timeout: 10_000 });
    expect(calls).toEqual(["/api/v1/auth/register", "/api/v1/auth/challenge", "/api/v1/auth/verify"]);
    const [stored] = await storedKeys();
    expect(sessionStore.get()).toMatchObject({ did: stored?.did, keyKind: "ed25519", token: "token" });
    expect(stored?.encrypted.iterations).toBe(600_000);
  });

  it("shows a forged challenge's refusal and signs nothing", async () => {
    const calls = fakeApi(didText("evil.example", "https://evil.example"));
    const user = userEvent.setup({ delay: null });
    const router = renderSignIn();
    await createKey(user);
    const alert = await screen.findByRole("alert", {}, { timeout: 10_000 });
    expect(alert).toHaveTextContent("The sign-in request was refused: it was not made for this site, so nothing was signed.");
    expect(alert).toHaveTextContent("the challenge is for 'evil.example', not 'localhost:8080'");
    expect(calls).not.toContain("/api/v1/auth/verify");
    expect(sessionStore.get()).toBeNull();
    expect(router.state.location.pathname).toBe("/sign-in");
  });

  it("refuses a passphrase typed differently twice, in words, before anything is made", async () => {
    const calls = fakeApi(didText("localhost:8080", API));
    const user = userEvent.setup({ delay: null });
    renderSignIn();
    await user.click(await screen.findByRole("tab", { name: "Use a key in this browser" }));
    await user.type(await screen.findByLabelText(PASSPHRASE_LABEL), PASSPHRASE);
    await user.type(screen.getByLabelText(/^Repeat the passphrase/), `${PASSPHRASE}!`);
    await user.click(screen.getByRole("button", { name: "Create key and sign in" }));
    expect(await screen.findByText("The two passphrases differ.")).toBeInTheDocument();
    expect(calls).toEqual([]);
    expect(await storedKeys()).toEqual([]);
  });

  it("says a wrong passphrase of a stored key in words, and removes the key when asked", async () => {
    fakeApi(didText("localhost:8080", API));
    const user = userEvent.setup({ delay: null });
    const router = renderSignIn();
    await createKey(user);
    await waitFor(() => { expect(router.state.location.pathname).toBe("/account"); }, { timeout: 10_000 });
    sessionStore.clear();
    unlockedKey.lock();
    await router.navigate("/sign-in?next=%2Faccount");
    await user.type(await screen.findByLabelText(PASSPHRASE_LABEL), "not the passphrase");
    await user.click(screen.getByRole("button", { name: "Unlock and sign in" }));
    expect(await screen.findByText("That passphrase does not unlock this key.", {}, { timeout: 10_000 }))
      .toBeInTheDocument();
    expect(sessionStore.get()).toBeNull();

    await user.click(screen.getByRole("button", { name: "Remove…" }));
    await user.click(screen.getByRole("button", { name: "Remove the key" }));
    await waitFor(() => { expect(screen.queryByRole("button", { name: "Unlock and sign in" })).toBeNull(); });
    expect(await storedKeys()).toEqual([]);
  });
});
