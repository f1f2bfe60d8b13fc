import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { sessionStore } from "../../auth/sessionStore";
import { Providers } from "../../test/providers";
import { Component as WebhooksRoute } from "./route";

const ME = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK";
const SECRET = "Ne-w9vcRRsKRNlr29jZ6ytw3qXPI2ZpkNwz3JbydkKQ";
const CREATED = {
  id: "8d5d6ed9-b8b6-49b0-acf0-c33fc46710a2", url: "https://hooks.example.com/cms",
  event_types: ["contract.signed"], status: "active", created_at: "2026-12-07T16:00:00.000Z", secret: SECRET,
};

/** The API as this screen meets it: GET lists, POST answers `registration` (status, body). */
function api(registration: { status: number; body: unknown }) {
  const posted: unknown[] = [];
  const fetch = vi.fn(async (input: RequestInfo | URL) => {
    const request = input instanceof Request ? input : new Request(String(input));
    const json = (status: number, body: unknown) => new Response(JSON.stringify(body), {
      status, headers: { "Content-Type": status >= 400 ? "application/problem+json" : "application/json" } });
    if (request.method === "POST") {
      posted.push(await request.json());
      return json(registration.status, registration.body);
    }
    return json(200, { items: [] });
  });
  vi.stubGlobal("fetch", fetch);
  return posted;
}

function problem(status: number, code: string, detail: string, errors: { pointer: string; message: string }[] = []) {
  return { status, body: { type: "about:blank", title: code, status, code, detail, errors } };
}

function typeInto(input: HTMLElement, value: string) {
  fireEvent.change(input, { target: { value } });
}

function screenWithForm() {
  return render(<Providers path="/webhooks"><WebhooksRoute /></Providers>);
}

beforeEach(() => {
  localStorage.clear();
  sessionStore.set({ did: ME, token: "t", expiresAt: new Date(Date.now() + 3_600_000).toISOString(), keyKind: "ed25519" });
});
afterEach(() => { vi.unstubAllGlobals(); sessionStore.clear(); });

const user = userEvent.setup();

describe("registering a webhook", { timeout: 20_000 }, () => {
  it("says what is wrong with the URL as it is typed, and sends nothing until it is right", async () => {
    const posted = api({ status: 201, body: CREATED });
    screenWithForm();
    const url = await screen.findByRole("textbox", { name: /Receiver URL/ });
    typeInto(url, "http://hooks.example.com/cms");
    expect(screen.getByText(/delivered over https only/)).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Register webhook" }));
    expect(posted).toEqual([]);
    typeInto(url, "https://hooks.example.com/cms#part");
    expect(screen.getByText(/must not have a fragment/)).toBeInTheDocument();
    typeInto(url, "");
    await user.click(screen.getByRole("button", { name: "Register webhook" }));
    expect(screen.getByText("Enter the receiver's URL.")).toBeInTheDocument();
    expect(posted).toEqual([]);
  });

  it("shows the secret once, with the warning, and forgets it when dismissed", async () => {
    const posted = api({ status: 201, body: CREATED });
    screenWithForm();
    typeInto(await screen.findByRole("textbox", { name: /Receiver URL/ }), CREATED.url);
    await user.click(screen.getByRole("checkbox", { name: /^Signed/ }));
    await user.click(screen.getByRole("button", { name: "Register webhook" }));
    expect(await screen.findByText("You will not see it again.")).toBeInTheDocument();
    expect(screen.getByRole("textbox", { name: "Signing secret" })).toHaveValue(SECRET);
    expect(posted).toEqual([{ url: CREATED.url, event_types: ["contract.signed"] }]);
    expect(JSON.stringify(localStorage)).not.toContain(SECRET);
    expect(screen.getByRole("textbox", { name: /Receiver URL/ })).toHaveValue("");
    await user.click(screen.getByRole("button", { name: "I have saved it" }));
    expect(screen.queryByRole("textbox", { name: "Signing secret" })).not.toBeInTheDocument();
  });

  it("puts the server's refusal of the host under the URL", async () => {
    api(problem(422, "webhook_host_refused", "webhook host 'hooks.internal.example': the host resolves to a non-public address"));
    screenWithForm();
    typeInto(await screen.findByRole("textbox", { name: /Receiver URL/ }), "https://hooks.internal.example/");
    await user.click(screen.getByRole("button", { name: "Register webhook" }));
    const url = screen.getByRole("textbox", { name: /Receiver URL/ });
    await waitFor(() => { expect(url).toHaveAccessibleDescription(/non-public address/); });
  });

  it("puts event-type messages under the events", async () => {
    api(problem(400, "validation_error", "known event types: …", [{ pointer: "/event_types/0", message: "unknown event type" }]));
    screenWithForm();
    typeInto(await screen.findByRole("textbox", { name: /Receiver URL/ }), "https://hooks.example.com/");
    await user.click(screen.getByRole("button", { name: "Register webhook" }));
    expect(await screen.findByText(/unknown event type/)).toBeInTheDocument();
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
  });

  it("keeps a half-typed URL and the chosen events across a reload", async () => {
    api({ status: 201, body: CREATED });
    const first = screenWithForm();
    typeInto(await screen.findByRole("textbox", { name: /Receiver URL/ }), "https://hooks.exa");
    await user.click(screen.getByRole("checkbox", { name: /^Activated/ }));
    first.unmount();
    screenWithForm();
    expect(await screen.findByRole("textbox", { name: /Receiver URL/ })).toHaveValue("https://hooks.exa");
    expect(screen.getByRole("checkbox", { name: /^Activated/ })).toBeChecked();
  });
});
