import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { Route, Routes } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { sessionStore } from "../../auth/sessionStore";
import { draftKey } from "../contract-form/useStoredDraft";
import { Providers } from "../../test/providers";
import type { TemplateVersion } from "../../templates/templateQueries";
import { fieldsFrom } from "./editorValidation";
import { PublishScreen } from "./PublishScreen";

const ME = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK";

function version(n: number, description: string): TemplateVersion {
  return {
    id: "nda", version: n, name: "NDA", category: "confidentiality", description, body: "Under {{ law }}.",
    variables_schema: { type: "object", required: ["law"], properties: { law: { type: "string" } } },
    rules: [], terms: {}, validity: { from: "/start", until: "/end" }, example: { law: "EU" },
    content_hash: `h${String(n)}`, created_at: "2026-12-01T00:00:00.000Z", created_by: ME,
  };
}

interface Server { latest: number; roles: string[]; puts: URL[] }

function serve(server: Server): typeof fetch {
  const json = (body: unknown, status = 200) => Promise.resolve(new Response(JSON.stringify(body), { status,
    headers: { "Content-Type": status >= 400 ? "application/problem+json" : "application/json" } }));
  return (input: RequestInfo | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(String(input), init);
    const url = new URL(request.url);
    if (url.pathname === "/api/v1/identities/me") return json({ did: ME, roles: server.roles, status: "active" });
    if (url.pathname === "/api/v1/templates/nda" && request.method === "GET") {
      const asked = Number(url.searchParams.get("version") ?? server.latest);
      return json(version(asked, `Description ${String(asked)}`));
    }
    if (url.pathname === "/api/v1/templates/nda" && request.method === "PUT") {
      server.puts.push(url);
      const base = Number(url.searchParams.get("base_version"));
      if (base !== server.latest) {
        return json({ type: "about:blank", title: "Conflicting request", status: 409, code: "conflict",
          detail: `template nda is at v${String(server.latest)}, not v${String(base)}`, latest_version: server.latest }, 409);
      }
      return json(version(server.latest + 1, "published"), 201);
    }
    return json({ type: "about:blank", title: "Not found", status: 404, code: "not_found", detail: url.pathname }, 404);
  };
}

function show(path: string) {
  render(<Providers path={path}><Routes>
    <Route path="/templates/new" element={<PublishScreen />} />
    <Route path="/templates/:id/publish" element={<PublishScreen />} />
    <Route path="/templates/:id" element={<p>Template page</p>} />
  </Routes></Providers>);
}

const KEY = draftKey(ME, "template.nda");

beforeEach(() => {
  localStorage.clear();
  sessionStore.set({ did: ME, token: "t", expiresAt: new Date(Date.now() + 3_600_000).toISOString(), keyKind: "ed25519" });
});
afterEach(() => { vi.unstubAllGlobals(); sessionStore.clear(); });

describe("publishing a template as someone who is not an administrator", () => {
  it.each(["/templates/new", "/templates/nda/publish"])("shows %s as a notice with a way back, and no editor", async (path) => {
    vi.stubGlobal("fetch", serve({ latest: 3, roles: ["user"], puts: [] }));
    show(path);
    expect(await screen.findByText("Only administrators publish templates")).toBeInTheDocument();
    expect(screen.queryByRole("form", { name: "Template version" })).toBeNull();
    expect(screen.queryByRole("button", { name: /Publish/ })).toBeNull();
    expect(screen.getByRole("link", { name: /See (the templates|this template)/ })).toBeInTheDocument();
  });

  it("gives an administrator the editor, with no notice first", async () => {
    vi.stubGlobal("fetch", serve({ latest: 3, roles: ["admin"], puts: [] }));
    show("/templates/nda/publish");
    expect(screen.queryByText("Only administrators publish templates")).toBeNull();
    expect(await screen.findByRole("form", { name: "Template version" })).toBeInTheDocument();
    expect(screen.queryByText("Only administrators publish templates")).toBeNull();
  });
});

describe("a restored draft when another administrator published meanwhile", () => {
  it("is not published over the newer version: it says so, shows what changed and starts again from it", async () => {
    const user = userEvent.setup();
    localStorage.setItem(KEY, JSON.stringify({ ...fieldsFrom(version(3, "Description 3"), "nda"), name: "NDA (mine)", baseVersion: 3 }));
    const server: Server = { latest: 4, roles: ["admin"], puts: [] };
    vi.stubGlobal("fetch", serve(server));
    show("/templates/nda/publish");
    expect(await screen.findByText("Version 4 has been published since you started")).toBeInTheDocument();
    expect(screen.getByText(/Your changes started from version 3/)).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Publish the new version" }));
    expect(server.puts).toEqual([]);
    await user.click(screen.getByRole("button", { name: "See what changed since version 3" }));
    expect(await screen.findByText(/From version 3 to 4, changed:/)).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Start again from version 4" }));
    expect(screen.getByLabelText(/^Name/)).toHaveValue("NDA");
    expect(screen.getByLabelText(/^Description/)).toHaveValue("Description 4");
    expect(screen.queryByText(/has been published since/)).toBeNull();
  });

  it("sends the version the draft started from, and tells the API's 409 in words", async () => {
    const user = userEvent.setup();
    const server: Server = { latest: 3, roles: ["admin"], puts: [] };
    vi.stubGlobal("fetch", serve(server));
    show("/templates/nda/publish");
    const name = await screen.findByLabelText(/^Name/);
    await user.type(name, " (mine)");
    server.latest = 4; // another admin publishes now
    await user.click(screen.getByRole("button", { name: "Publish the new version" }));
    await waitFor(() => { expect(server.puts.length).toBe(1); });
    expect(server.puts[0]?.searchParams.get("base_version")).toBe("3");
    expect(await screen.findByText(/version 4 was published while you were editing|Version 4 has been published since you started/))
      .toBeInTheDocument();
    // The draft is kept, still on version 3, until the admin chooses.
    expect(screen.getByLabelText(/^Name/)).toHaveValue("NDA (mine)");
    await user.click(await screen.findByRole("button", { name: "Keep my changes on top of version 4" }));
    await user.click(screen.getByRole("button", { name: "Publish the new version" }));
    await waitFor(() => { expect(server.puts.length).toBe(2); });
    expect(server.puts[1]?.searchParams.get("base_version")).toBe("4");
  });
});
