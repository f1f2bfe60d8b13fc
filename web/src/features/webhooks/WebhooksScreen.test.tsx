import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { sessionStore } from "../../auth/sessionStore";
import { Providers } from "../../test/providers";
import { dismissSecret } from "./revealedSecret";
import { Component as WebhooksRoute } from "./route";

const ME = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK";
const NEW_SECRET = "Rotated9vcRRsKRNlr29jZ6ytw3qXPI2ZpkNwz3Jbyd";
const WEBHOOK = {
  id: "8d5d6ed9-b8b6-49b0-acf0-c33fc46710a2", url: "https://hooks.example.com/cms",
  event_types: [], status: "active", created_at: "2026-12-07T16:00:00.000Z",
};
const DEAD = {
  id: "2026-12-07T16:05:00.000Z_0123456789abcdef0123456789abcdef", webhook_id: WEBHOOK.id, event_id: "e1",
  event_type: "contract.signed", status: "dead", attempts: 8, last_status_code: 500, last_error: null,
  next_attempt_at: null, created_at: "2026-12-07T16:05:00.000Z", updated_at: "2026-12-07T16:05:00.000Z",
};

interface Call { method: string; path: string }

/** The API as this screen meets it; `rotation` is the rotate-secret answer, when it comes. */
function api(webhook: Record<string, unknown>, rotation: Promise<Response> = Promise.resolve(new Response(null, { status: 500 }))) {
  const calls: Call[] = [];
  let listed = [webhook];
  const json = (body: unknown) => new Response(JSON.stringify(body), { status: 200, headers: { "Content-Type": "application/json" } });
  vi.stubGlobal("fetch", vi.fn((input: RequestInfo | URL) => {
    const request = input instanceof Request ? input : new Request(String(input));
    const path = new URL(request.url).pathname;
    calls.push({ method: request.method, path });
    if (path.endsWith("/rotate-secret")) return rotation;
    if (request.method === "DELETE") { listed = []; return Promise.resolve(new Response(null, { status: 204 })); }
    if (path.endsWith("/deliveries")) return Promise.resolve(json({ items: [DEAD], next_cursor: null }));
    return Promise.resolve(json({ items: listed }));
  }));
  return calls;
}

function showScreen() {
  return render(<Providers path="/webhooks"><WebhooksRoute /></Providers>);
}

async function confirm(action: string, confirmLabel: string) {
  await user.click(await screen.findByRole("button", { name: action }));
  await user.click(within(await screen.findByRole("dialog")).getByRole("button", { name: confirmLabel }));
}

beforeEach(() => {
  sessionStore.set({ did: ME, token: "t", expiresAt: new Date(Date.now() + 3_600_000).toISOString(), keyKind: "ed25519" });
});
afterEach(() => { vi.unstubAllGlobals(); sessionStore.clear(); dismissSecret(); });

const user = userEvent.setup();

describe("the webhooks screen", { timeout: 20_000 }, () => {
  it("shows a rotated secret even when the screen was left before the answer came", async () => {
    let answer: (response: Response) => void = () => undefined;
    const calls = api(WEBHOOK, new Promise((resolve) => { answer = resolve; }));
    const first = showScreen();
    await confirm("Rotate secret", "Rotate secret");
    await waitFor(() => { expect(calls.some((call) => call.path.endsWith("/rotate-secret"))).toBe(true); });
    first.unmount();
    answer(new Response(JSON.stringify({ ...WEBHOOK, secret: NEW_SECRET }), { status: 200, headers: { "Content-Type": "application/json" } }));
    await new Promise((resolve) => setTimeout(resolve, 50));

    showScreen();
    expect(await screen.findByRole("textbox", { name: "Signing secret" })).toHaveValue(NEW_SECRET);
    await user.click(screen.getByRole("button", { name: "I have saved it" }));
    expect(screen.queryByRole("textbox", { name: "Signing secret" })).not.toBeInTheDocument();
  });

  it("moves focus to the list's heading once a webhook is deleted", async () => {
    api(WEBHOOK);
    showScreen();
    await confirm("Delete", "Delete webhook");
    await waitFor(() => { expect(screen.getByRole("heading", { name: "Your webhooks" })).toHaveFocus(); });
  });

  it("lets keyboard users reach an unavailable Redeliver and read why", async () => {
    const calls = api({ ...WEBHOOK, status: "disabled" });
    showScreen();
    await user.click(await screen.findByRole("button", { name: "Show deliveries" }));
    const redeliver = await screen.findByRole("button", { name: /^Redeliver/ });
    expect(redeliver).toHaveAttribute("aria-disabled", "true");
    expect(redeliver).not.toBeDisabled();
    expect(redeliver).toHaveAccessibleDescription("Enable the webhook to redeliver.");
    expect(screen.getByText("Enable the webhook to redeliver.")).toBeVisible();
    redeliver.focus();
    expect(redeliver).toHaveFocus();
    await user.click(redeliver);
    expect(calls.filter((call) => call.path.endsWith("/replay"))).toEqual([]);
  });

  it("reads only the newest page of an open log again, and stops once the webhook is gone", async () => {
    const pending = { ...DEAD, id: "2026-12-07T16:06:00.000Z_0123456789abcdef0123456789abcdef", status: "pending" };
    const reads: (string | null)[] = [];
    let gone = false;
    const json = (status: number, body: unknown) => new Response(JSON.stringify(body), {
      status, headers: { "Content-Type": status >= 400 ? "application/problem+json" : "application/json" } });
    vi.stubGlobal("fetch", vi.fn((input: RequestInfo | URL) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      if (!url.pathname.endsWith("/deliveries")) return Promise.resolve(json(200, { items: [WEBHOOK] }));
      reads.push(url.searchParams.get("cursor"));
      if (gone) return Promise.resolve(json(404, { type: "about:blank", title: "Not found", status: 404, code: "webhook_not_found", detail: "gone" }));
      return Promise.resolve(json(200, url.searchParams.get("cursor")
        ? { items: [DEAD], next_cursor: null } : { items: [pending], next_cursor: pending.id }));
    }));
    showScreen();
    await user.click(await screen.findByRole("button", { name: "Show deliveries" }));
    await user.click(await screen.findByRole("button", { name: "Show older deliveries" }));
    expect(await screen.findAllByRole("button", { name: /^Redeliver/ })).toHaveLength(2);
    await waitFor(() => { expect(reads.filter((cursor) => cursor === null).length).toBeGreaterThan(1); }, { timeout: 5_000 });
    expect(reads.filter((cursor) => cursor !== null)).toEqual([pending.id]); // the older page: read once

    gone = true;
    const before = reads.length;
    await waitFor(() => { expect(reads.length).toBe(before + 1); }, { timeout: 5_000 });
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    expect(reads.length).toBe(before + 1);
  });
});
